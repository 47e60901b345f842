import assert from "node:assert/strict";
import type { Container, ContainerStats, PodSandbox } from "../../src/cri/types.ts";
import { joinContainerStats } from "../../src/kuberuntime/container_stats.ts";
import { type FakeEnv, fakeEnv } from "./_fake_env.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";

const NS = 1_700_000_000_000 * 1e6;

function sandbox(id: string, name: string, state: PodSandbox["state"], createdAt: number) {
  return {
    id,
    metadata: { name, uid: `uid-${id}`, namespace: "default", attempt: 0 },
    state,
    createdAt,
    labels: {},
    annotations: {},
    runtimeHandler: "",
  } as PodSandbox;
}

function container(id: string, sandboxId: string, state: Container["state"]) {
  return {
    id,
    podSandboxId: sandboxId,
    metadata: { name: `name-${id}`, attempt: 0 },
    image: null,
    imageRef: "",
    state,
    createdAt: NS + 5e9,
    labels: {},
    annotations: {},
    imageId: "",
  } as Container;
}

function stats(id: string | null, cpu = 7e9): ContainerStats {
  return {
    attributes: id === null
      ? null
      : { id, metadata: { name: `name-${id}`, attempt: 0 }, labels: {}, annotations: {} },
    cpu: { timestamp: NS + 1.5e6, usageCoreNanoSeconds: { value: cpu }, usageNanoCores: null },
    memory: null,
    writableLayer: {
      timestamp: 0,
      fsId: { mountpoint: "/var/lib/containerd/snap" },
      usedBytes: { value: 4096 },
      inodesUsed: null,
    },
    swap: null,
    io: null,
  } as ContainerStats;
}

Deno.test("joinContainerStats() joins stats to their running container and its sandbox", () => {
  const [s] = joinContainerStats(
    [sandbox("sb1", "web", "SANDBOX_READY", NS)],
    [container("c1", "sb1", "CONTAINER_RUNNING")],
    [stats("c1")],
  );
  assert.deepEqual(s, {
    id: "c1",
    name: "name-c1",
    createdAt: 1_700_000_005_000,
    pod: {
      sandboxId: "sb1",
      uid: "uid-sb1",
      name: "web",
      namespace: "default",
      createdAt: 1_700_000_000_000,
    },
    cpu: { timestamp: 1_700_000_000_001.5, usageCoreNanoSeconds: 7e9, usageNanoCores: undefined },
    memory: undefined,
    writableLayer: {
      timestamp: 0,
      mountpoint: "/var/lib/containerd/snap",
      usedBytes: 4096,
      inodesUsed: undefined,
    },
    swap: undefined,
  });
});

Deno.test("joinContainerStats() drops stats of exited containers, unknown ids and entries without attributes", () => {
  const out = joinContainerStats(
    [sandbox("sb1", "web", "SANDBOX_READY", NS)],
    [container("c1", "sb1", "CONTAINER_EXITED"), container("c2", "sb1", "CONTAINER_RUNNING")],
    [stats("c1"), stats(null), stats("gone"), stats("c2")],
  );
  assert.deepEqual(out.map((s) => s.id), ["c2"]);
});

Deno.test("joinContainerStats() keeps the ready sandboxes of a pod name, else its newest one", () => {
  const sandboxes = [
    sandbox("old", "web", "SANDBOX_NOTREADY", NS),
    sandbox("new", "web", "SANDBOX_READY", NS + 1),
    sandbox("db1", "db", "SANDBOX_NOTREADY", NS),
    sandbox("db2", "db", "SANDBOX_NOTREADY", NS + 1),
  ];
  const containers = ["old", "new", "db1", "db2"].map((sb) =>
    container(`c-${sb}`, sb, "CONTAINER_RUNNING")
  );
  const out = joinContainerStats(sandboxes, containers, containers.map((c) => stats(c.id)));
  assert.deepEqual(out.map((s) => s.pod.sandboxId), ["new", "db2"]);
});

async function runningPod(env: FakeEnv, names: string[]) {
  const p = setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: {
      containers: names.map((name) => ({
        name,
        image: "busybox:1.36",
        command: ["sleep", "1000"],
      })),
    },
  });
  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  const result = await env.manager.syncPod(p, status, { backOff: env.backOff });
  assert.equal(result.errorText(), undefined);
}

Deno.test("KubeRuntimeManager.listContainerStats() reports the numbers the runtime gives", async () => {
  await using env = await fakeEnv();
  await runningPod(env, ["a", "b"]);
  const [a, b] = env.fake.runtime.containers().sort((x, y) =>
    x.metadata.name < y.metadata.name ? -1 : 1
  );
  env.fake.runtime.setContainerStats(a.id, { usageCoreNanoSeconds: 3e9, workingSetBytes: 1234 });
  // b has no stats at the runtime: it is left out, not an error.
  env.fake.runtime.setContainerStats(b.id, null);
  const list = await env.manager.listContainerStats();
  assert.deepEqual(list.map((s) => [s.name, s.pod.name, s.pod.uid]), [["a", "web", "uid-1"]]);
  assert.equal(list[0].cpu?.usageCoreNanoSeconds, 3e9);
  assert.equal(list[0].cpu?.timestamp, env.clock.now());
  assert.equal(list[0].memory?.workingSetBytes, 1234);
});
