import assert from "node:assert/strict";
import { isStreamingPath, parseStreamRequest } from "../../src/streaming/mod.ts";

const q = (s: string) => new URLSearchParams(s);

Deno.test("parseStreamRequest() reads exec, attach and portForward paths as the kubelet routes them", async (t) => {
  await t.step("exec with commands and streams", () => {
    assert.deepEqual(
      parseStreamRequest(
        "/exec/default/web/app",
        q("command=sh&command=-c&command=echo%20hi&input=1&output=1&error=1"),
        false,
      ),
      {
        ok: true,
        request: {
          kind: "exec",
          namespace: "default",
          podName: "web",
          podUid: "",
          container: "app",
          command: ["sh", "-c", "echo hi"],
          streams: { stdin: true, stdout: true, stderr: true, tty: false },
        },
      },
    );
  });
  await t.step("exec with the pod UID", () => {
    const r = parseStreamRequest("/exec/ns/p/uid-1/c", q("output=1"), false);
    assert.ok(r.ok && r.request.kind === "exec");
    assert.equal(r.request.podUid, "uid-1");
    assert.equal(r.request.container, "c");
  });
  await t.step("tty drops stderr rather than refusing", () => {
    const r = parseStreamRequest("/attach/ns/p/c", q("tty=1&error=1&output=1"), false);
    assert.ok(r.ok && r.request.kind === "attach");
    assert.deepEqual(r.request.streams, { stdin: false, stdout: true, stderr: false, tty: true });
  });
  await t.step("portForward: SPDY names no ports, WebSocket needs ?port=", () => {
    assert.deepEqual(parseStreamRequest("/portForward/ns/p", q(""), false), {
      ok: true,
      request: { kind: "portForward", namespace: "ns", podName: "p", podUid: "", ports: [] },
    });
    const ws = parseStreamRequest("/portForward/ns/p/u", q("port=80,8080&port=9090"), true);
    assert.ok(ws.ok && ws.request.kind === "portForward");
    assert.deepEqual(ws.request.ports, [80, 8080, 9090]);
    assert.equal(ws.request.podUid, "u");
  });
});

Deno.test("parseStreamRequest() refuses bad options with the kubelet's messages and odd paths with 404", async (t) => {
  const cases: [string, string, boolean, number, string][] = [
    [
      "/exec/ns/p/c",
      "command=ls",
      false,
      400,
      "you must specify at least 1 of stdin, stdout, stderr",
    ],
    [
      "/exec/ns/p/c",
      "tty=1&error=1",
      false,
      400,
      "you must specify at least 1 of stdin, stdout, stderr",
    ],
    ["/portForward/ns/p", "", true, 400, `query parameter "port" is required`],
    ["/portForward/ns/p", "port=", true, 400, `query parameter "port" cannot be empty`],
    ["/portForward/ns/p", "port=http", true, 400, `unable to parse "http" as a port`],
    ["/portForward/ns/p", "port=70000", true, 400, `unable to parse "70000" as a port`],
    ["/portForward/ns/p", "port=0", true, 400, `port "0" must be > 0`],
    ["/exec/ns/p", "output=1", false, 404, "404 page not found"],
    ["/exec/ns/p/u/c/extra", "output=1", false, 404, "404 page not found"],
    ["/exec/ns//c", "output=1", false, 404, "404 page not found"],
    ["/portForward/ns", "", false, 404, "404 page not found"],
    ["/exec/ns/%E0%A4%A/c", "output=1", false, 404, "404 page not found"],
  ];
  for (const [path, query, ws, status, message] of cases) {
    await t.step(`${path}?${query}`, () => {
      assert.deepEqual(parseStreamRequest(path, q(query), ws), {
        ok: false,
        refusal: { status, message },
      });
    });
  }
});

Deno.test("isStreamingPath() claims only the three prefixes", () => {
  for (const p of ["/exec/a/b/c", "/attach/a/b/c", "/portForward/a/b", "/exec"]) {
    assert.ok(isStreamingPath(p), p);
  }
  for (const p of ["/executor", "/portforward/a/b", "/pods", "/containerLogs/a/b/c"]) {
    assert.ok(!isStreamingPath(p), p);
  }
});
