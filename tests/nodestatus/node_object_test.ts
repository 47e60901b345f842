import assert from "node:assert/strict";
import {
  initialNode,
  nodeAddresses,
  nodeLabels,
  nodeObjectConfig,
  type NodeSettings,
  nodeStatusFields,
  parseResources,
} from "../../src/nodestatus/node_object.ts";
import { MACHINE, USAGE } from "./_fixtures.ts";

const SETTINGS: NodeSettings = {
  nodeName: "n1",
  hostname: "n1.example",
  maxPods: 110,
  kubeletVersion: "v1.35.0",
};

Deno.test("nodeLabels(): the kubelet's defaults (with the beta os/arch ones), --node-labels over them", () => {
  const config = nodeObjectConfig({
    ...SETTINGS,
    nodeLabels: { "node-role.example/edge": "", "kubernetes.io/arch": "arm64" },
  });
  assert.deepEqual(nodeLabels(config, MACHINE), {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "arm64",
    "kubernetes.io/hostname": "n1.example",
    "kubernetes.io/os": "linux",
    "node-role.example/edge": "",
  });
});

Deno.test("nodeAddresses(): --node-ip, else a hostname that is an IP, else the host IP; then the Hostname", () => {
  assert.deepEqual(nodeAddresses(["10.0.0.5"], "n1", "192.0.2.2"), [
    { type: "InternalIP", address: "10.0.0.5" },
    { type: "Hostname", address: "n1" },
  ]);
  assert.deepEqual(nodeAddresses(["10.0.0.5", "fd00::5"], "n1", "192.0.2.2"), [
    { type: "InternalIP", address: "10.0.0.5" },
    { type: "InternalIP", address: "fd00::5" },
    { type: "Hostname", address: "n1" },
  ]);
  assert.deepEqual(nodeAddresses([], "n1", "192.0.2.2"), [
    { type: "InternalIP", address: "192.0.2.2" },
    { type: "Hostname", address: "n1" },
  ]);
  assert.deepEqual(nodeAddresses(["0.0.0.0"], "10.9.8.7", "192.0.2.2"), [
    { type: "InternalIP", address: "10.9.8.7" },
    { type: "Hostname", address: "10.9.8.7" },
  ]);
});

Deno.test("nodeStatusFields(): capacity as the kubelet prints it, allocatable with the default eviction thresholds", () => {
  const status = nodeStatusFields(nodeObjectConfig(SETTINGS), {
    machine: MACHINE,
    usage: USAGE,
    hostIP: "192.0.2.2",
    runtime: { runtimeName: "containerd", runtimeVersion: "1.6.20" },
  });
  assert.deepEqual(status.capacity, {
    cpu: "4",
    "ephemeral-storage": "100000000Ki",
    memory: "16331456Ki",
    pods: "110",
  });
  assert.deepEqual(status.allocatable, {
    cpu: "4",
    // 102400000000 − int64(102400000000 × float32(10%)): the kubelet's byte count
    "ephemeral-storage": "92159999848",
    // 16331456Ki − 100Mi
    memory: "16229056Ki",
    pods: "110",
  });
  assert.deepEqual(status.nodeInfo, {
    architecture: "amd64",
    bootID: "681b7f72-2a9a-4b85-ae66-c8c7091094a9",
    containerRuntimeVersion: "containerd://1.6.20",
    kernelVersion: "6.1.0-18-amd64",
    kubeProxyVersion: "",
    kubeletVersion: "v1.35.0",
    machineID: "0123456789abcdef0123456789abcdef",
    operatingSystem: "linux",
    osImage: "Debian GNU/Linux 12 (bookworm)",
    systemUUID: "4c4c4544-0042-3510-8052-b4c04f4e3232",
  });
  assert.deepEqual(status.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.deepEqual(status.addresses, [
    { type: "InternalIP", address: "192.0.2.2" },
    { type: "Hostname", address: "n1.example" },
  ]);
});

Deno.test("nodeStatusFields(): allocatable = capacity − kubeReserved − systemReserved − evictionHard (percentages of capacity)", () => {
  const config = nodeObjectConfig({
    ...SETTINGS,
    kubeReserved: { cpu: "100m", memory: "1Gi", "ephemeral-storage": "1Gi" },
    systemReserved: { cpu: "200m", memory: "500Mi", pid: "1000" },
    evictionHard: { "memory.available": "5%", "nodefs.available": "1Gi" },
    kubeletPort: 10255,
  });
  const status = nodeStatusFields(config, { machine: MACHINE, usage: USAGE, hostIP: "192.0.2.2" });
  assert.deepEqual(status.allocatable, {
    cpu: "3700m",
    // 102400000000 − 1Gi − 1Gi = 100252516352, a multiple of 1024
    "ephemeral-storage": "97902848Ki",
    // 16723410944 − 1Gi − 500Mi − int64(16723410944 × float32(5%)) = 836170559
    memory: String(16723410944 - 1073741824 - 524288000 - 836170559),
    pods: "110",
  });
  assert.equal(status.nodeInfo?.containerRuntimeVersion, "");
  assert.deepEqual(status.daemonEndpoints, { kubeletEndpoint: { Port: 10255 } });
});

Deno.test("nodeStatusFields(): allocatable never goes below zero; unknown ephemeral storage is left out", () => {
  const config = nodeObjectConfig({ ...SETTINGS, kubeReserved: { cpu: "8", memory: "64Gi" } });
  const status = nodeStatusFields(config, {
    machine: MACHINE,
    usage: {},
    hostIP: "192.0.2.2",
  });
  assert.deepEqual(status.capacity, { cpu: "4", memory: "16331456Ki", pods: "110" });
  assert.deepEqual(status.allocatable, { cpu: "0", memory: "0", pods: "110" });
});

Deno.test("nodeObjectConfig() rejects a reserved quantity that does not parse, naming it", () => {
  assert.throws(
    () => nodeObjectConfig({ ...SETTINGS, kubeReserved: { memory: "1 GB" } }),
    /Cannot parse kubeReserved 'memory: 1 GB'/,
  );
  assert.throws(() => parseResources("systemReserved", { cpu: "-1" }), /is negative/);
  assert.throws(
    () => nodeObjectConfig({ ...SETTINGS, evictionHard: { "memory.available": "-1" } }),
    /evictionHard 'memory.available: -1'/,
  );
});

Deno.test("initialNode(): name, labels, the attach/detach annotation, taints only when given", () => {
  const config = nodeObjectConfig({
    ...SETTINGS,
    registerWithTaints: [{ key: "dedicated", value: "edge", effect: "NoSchedule" }],
  });
  const node = initialNode(config, MACHINE, { capacity: { pods: "110" } });
  assert.equal(node.apiVersion, "v1");
  assert.equal(node.kind, "Node");
  assert.equal(node.metadata?.name, "n1");
  assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], "n1.example");
  assert.deepEqual(node.metadata?.annotations, {
    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
  });
  assert.deepEqual(node.spec, {
    taints: [{ key: "dedicated", value: "edge", effect: "NoSchedule" }],
  });
  assert.deepEqual(node.status, { capacity: { pods: "110" } });
  assert.deepEqual(initialNode(nodeObjectConfig(SETTINGS), MACHINE, {}).spec, {});
});
