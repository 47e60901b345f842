import assert from "node:assert/strict";
import {
  requestAttributes,
  subresourcesOf,
  verbOf,
} from "../../src/kubeletserver/request_attributes.ts";

Deno.test("subresourcesOf() maps kubelet paths to nodes subresources as the kubelet does", () => {
  const cases: Array<[string, string[]]> = [
    ["/stats/summary", ["stats"]],
    ["/stats", ["stats"]],
    ["/stats/", ["stats"]],
    ["/statsx", ["proxy"]],
    ["/metrics", ["metrics"]],
    ["/metrics/resource", ["metrics"]],
    ["/metrics/cadvisor", ["metrics"]],
    ["/logs/", ["log"]],
    ["/logs/syslog", ["log"]],
    ["/spec/", ["spec"]],
    ["/checkpoint/ns/pod/c", ["checkpoint"]],
    ["/pods", ["pods", "proxy"]],
    ["/pods/", ["pods", "proxy"]],
    ["/runningpods/", ["pods", "proxy"]],
    ["/healthz", ["healthz", "proxy"]],
    ["/healthz/syncloop", ["healthz", "proxy"]],
    ["/configz", ["configz", "proxy"]],
    ["/containerLogs/ns/pod/c", ["proxy"]],
    ["/exec/ns/pod/c", ["proxy"]],
    ["/attach/ns/pod/c", ["proxy"]],
    ["/portForward/ns/pod", ["proxy"]],
    ["/run/ns/pod/c", ["proxy"]],
    ["/", ["proxy"]],
    ["/debug/pprof/", ["proxy"]],
  ];
  for (const [path, want] of cases) assert.deepEqual(subresourcesOf(path), want, path);
});

Deno.test("subresourcesOf() without fine-grained authz maps /pods, /healthz and /configz to proxy alone", () => {
  for (const path of ["/pods", "/runningpods/", "/healthz", "/configz"]) {
    assert.deepEqual(subresourcesOf(path, false), ["proxy"], path);
  }
  assert.deepEqual(subresourcesOf("/stats/summary", false), ["stats"]);
});

Deno.test("verbOf() maps HTTP methods to API verbs as the kubelet does", () => {
  const cases: Array<[string, string]> = [
    ["GET", "get"],
    ["HEAD", "get"],
    ["POST", "create"],
    ["PUT", "update"],
    ["PATCH", "patch"],
    ["DELETE", "delete"],
    ["OPTIONS", ""],
    ["CONNECT", ""],
  ];
  for (const [method, want] of cases) assert.equal(verbOf(method), want, method);
});

Deno.test("requestAttributes() names the node, resource nodes, API version v1 and the path", () => {
  const user = { name: "alice", groups: ["system:authenticated"] };
  assert.deepEqual(requestAttributes(user, "GET", "/healthz", "node-1"), [
    {
      user,
      verb: "get",
      apiVersion: "v1",
      resource: "nodes",
      name: "node-1",
      subresource: "healthz",
      path: "/healthz",
    },
    {
      user,
      verb: "get",
      apiVersion: "v1",
      resource: "nodes",
      name: "node-1",
      subresource: "proxy",
      path: "/healthz",
    },
  ]);
});
