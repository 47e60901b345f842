import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";
import type { RuntimeService } from "../../src/cri/service.ts";
import { KubeRuntimeManager } from "../../src/kuberuntime/kuberuntime_manager.ts";
import { fakeEnv } from "./_fake_env.ts";

Deno.test("getPodStatus() asks for every container's status at once, not one after the other", async () => {
  await using env = await fakeEnv();
  const containers: Container[] = ["a", "b", "c"].map((name) => ({
    name,
    image: "busybox:1.36",
    command: ["sleep", "1000"],
  }));
  const pod = setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: { containers },
  });
  const empty = await env.manager.getPodStatus("uid-1", "web", "default");
  assert.ok((await env.manager.syncPod(pod, empty, { backOff: env.backOff })).ok());

  // ContainerStatus answers only once all three were asked: one at a time
  // would wait forever, so a guard opens the gate after 10 s and fails the test.
  const inner = env.runtime;
  let asked = 0;
  let guardFired = false;
  const waiting: (() => void)[] = [];
  const open = () => waiting.splice(0).forEach((resolve) => resolve());
  const guard = setTimeout(() => (guardFired = true, open()), 10_000);
  const own: Partial<RuntimeService> = {
    containerStatus: async (id, verbose) => {
      if (++asked >= 3) open();
      else await new Promise<void>((resolve) => waiting.push(resolve));
      return await inner.containerStatus(id, verbose);
    },
  };
  const runtime = new Proxy(inner, {
    get: (target, key) => {
      const mine = own[key as keyof RuntimeService];
      if (mine) return mine;
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as RuntimeService;
  const manager = new KubeRuntimeManager({
    runtimeService: runtime,
    imageService: env.images,
    clock: env.clock,
    rootDir: env.rootDir,
    podLogsDir: env.podLogsDir,
  });
  try {
    const status = await manager.getPodStatus("uid-1", "web", "default");
    assert.equal(guardFired, false, "the statuses were asked one after the other");
    assert.deepEqual(status.containerStatuses.map((s) => s.name).sort(), ["a", "b", "c"]);
    assert.equal(status.sandboxStatuses.length, 1);
  } finally {
    clearTimeout(guard);
  }
});
