import assert from "node:assert/strict";
import {
  generatePodSandboxConfig,
  podDnsConfig,
  podHostname,
  podLogsDirectory,
} from "../../src/kuberuntime/sandbox_config.ts";
import { makePod } from "./_helpers.ts";

Deno.test("generatePodSandboxConfig() for a pod-network pod", () => {
  const pod = makePod([
    { name: "a", ports: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }] },
    { name: "b", ports: [{ containerPort: 53, protocol: "UDP" }] },
  ]);
  const cfg = generatePodSandboxConfig(pod, 3, { podLogsDir: "/var/log/pods/" });
  assert.deepEqual(cfg.metadata, { name: "web", namespace: "default", uid: "uid-1", attempt: 3 });
  assert.equal(cfg.hostname, "web");
  assert.equal(cfg.logDirectory, "/var/log/pods/default_web_uid-1");
  assert.equal(cfg.labels?.["io.kubernetes.pod.uid"], "uid-1");
  assert.deepEqual(cfg.portMappings, [
    { protocol: "TCP", containerPort: 80, hostPort: 8080, hostIp: "" },
    { protocol: "UDP", containerPort: 53, hostPort: 0, hostIp: "" },
  ]);
  assert.deepEqual(cfg.linux?.securityContext?.namespaceOptions, {
    network: "POD",
    pid: "CONTAINER",
    ipc: "POD",
  });
  assert.equal(cfg.dnsConfig, undefined);
});

Deno.test("generatePodSandboxConfig() with host namespaces sets no hostname", () => {
  const pod = makePod([{ name: "a", securityContext: { privileged: true } }], {
    hostNetwork: true,
    hostPID: true,
    hostIPC: true,
  });
  const cfg = generatePodSandboxConfig(pod, 0);
  assert.equal(cfg.hostname, undefined);
  assert.deepEqual(cfg.linux?.securityContext?.namespaceOptions, {
    network: "NODE",
    pid: "NODE",
    ipc: "NODE",
  });
  assert.equal(cfg.linux?.securityContext?.privileged, true);
  assert.equal(cfg.portMappings, undefined);
});

Deno.test("podHostname() truncates to 63 characters", () => {
  const long = makePod([{ name: "a" }]);
  const name = "x".repeat(62) + "-abc";
  assert.equal(podHostname({ ...long, metadata: { ...long.metadata, name } }), "x".repeat(62));
  assert.equal(podHostname(makePod([{ name: "a" }], { hostname: "custom" })), "custom");
  assert.equal(podLogsDirectory("/l", long), "/l/default_web_uid-1");
});

Deno.test("podDnsConfig() follows the DNS policy", async (t) => {
  const hostDns = { servers: ["1.1.1.1"], searches: ["lan"], options: ["ndots:1"] };
  await t.step("ClusterFirst without cluster DNS falls back to the node's resolver", () => {
    assert.deepEqual(podDnsConfig(makePod([{ name: "a" }]), { hostDns }), hostDns);
  });
  await t.step("ClusterFirst with cluster DNS", () => {
    const cfg = podDnsConfig(makePod([{ name: "a" }]), {
      clusterDns: ["10.96.0.10"],
      clusterDomain: "cluster.local",
    });
    assert.deepEqual(cfg, {
      servers: ["10.96.0.10"],
      searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
      options: ["ndots:5"],
    });
  });
  await t.step("None uses spec.dnsConfig only", () => {
    const pod = makePod([{ name: "a" }], {
      dnsPolicy: "None",
      dnsConfig: { nameservers: ["9.9.9.9"], options: [{ name: "ndots", value: "2" }] },
    });
    assert.deepEqual(podDnsConfig(pod, { hostDns }), {
      servers: ["9.9.9.9"],
      searches: [],
      options: ["ndots:2"],
    });
  });
});
