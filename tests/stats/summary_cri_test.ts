/** The summary over the CRI: KubeRuntimeManager on the fake runtime, numbers fed by the test. */

import assert from "node:assert/strict";
import { setPodDefaults } from "../../src/api/defaults.ts";
import { SummaryProvider } from "../../src/stats/summary.ts";
import { resourceMetricsText } from "../../src/stats/resource_metrics.ts";
import { fakeEnv } from "../kuberuntime/_fake_env.ts";

Deno.test("SummaryProvider over the fake CRI: two samples give usageNanoCores, pods by sandbox", async () => {
  await using env = await fakeEnv();
  const pod = setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: {
      containers: ["app", "side"].map((name) => ({
        name,
        image: "busybox:1.36",
        command: ["sleep", "1000"],
      })),
    },
  });
  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  assert.equal(
    (await env.manager.syncPod(pod, status, { backOff: env.backOff })).errorText(),
    undefined,
  );
  const ids = Object.fromEntries(env.fake.runtime.containers().map((c) => [c.metadata.name, c.id]));

  const provider = new SummaryProvider({
    nodeName: "node-1",
    runtime: env.manager,
    clock: env.clock,
    rootDir: env.rootDir,
    podLogsDir: env.podLogsDir,
    node: {},
  });
  env.fake.runtime.setContainerStats(ids.app, { usageCoreNanoSeconds: 1e9, workingSetBytes: 100 });
  env.fake.runtime.setContainerStats(ids.side, { usageCoreNanoSeconds: 2e9, workingSetBytes: 50 });
  const first = await provider.get({ onlyCpuAndMemory: true });
  assert.equal(first.pods[0].cpu?.usageNanoCores, undefined);

  env.clock.step(10_000);
  env.fake.runtime.setContainerStats(ids.app, { usageCoreNanoSeconds: 3e9, workingSetBytes: 120 });
  env.fake.runtime.setContainerStats(ids.side, {
    usageCoreNanoSeconds: 2.5e9,
    workingSetBytes: 60,
  });
  const second = await provider.get();
  assert.equal(second.pods.length, 1);
  const [web] = second.pods;
  assert.deepEqual(web.podRef, { name: "web", namespace: "default", uid: "uid-1" });
  assert.deepEqual(
    web.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.memory?.workingSetBytes]),
    [["app", 200_000_000, 120], ["side", 50_000_000, 60]],
  );
  assert.deepEqual(web.cpu, {
    time: env.clock.now(),
    usageNanoCores: 250_000_000,
    usageCoreNanoSeconds: 5.5e9,
  });
  assert.equal(web.memory?.workingSetBytes, 180);
  // The fake's writable layers are on a filesystem this host does not have: usage only.
  assert.equal(web.containers[0].rootfs?.usedBytes, 0);
  assert.ok(web["ephemeral-storage"]);

  const text = resourceMetricsText(await provider.get({ onlyCpuAndMemory: true }));
  assert.match(
    text,
    new RegExp(
      `^container_cpu_usage_seconds_total\\{container="app",namespace="default",pod="web"\\} 3 ${env.clock.now()}$`,
      "m",
    ),
  );
  assert.match(text, /^pod_memory_working_set_bytes\{namespace="default",pod="web"\} 180 \d+$/m);
});
