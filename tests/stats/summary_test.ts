import assert from "node:assert/strict";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { summaryJson } from "../../src/stats/types.ts";
import { ROOT_FS, stats, summaryEnv, T0 } from "./_stats_fixtures.ts";

Deno.test("SummaryProvider.get() computes usageNanoCores from two samples of a container", async () => {
  const env = summaryEnv();
  env.runtime.containers = [stats("web", "app", T0, { cpu: 1e9 })];
  const first = await env.provider.get();
  assert.equal(first.pods[0].containers[0].cpu?.usageCoreNanoSeconds, 1e9);
  assert.equal(first.pods[0].containers[0].cpu?.usageNanoCores, undefined);

  env.clock.step(10_000);
  env.runtime.containers = [stats("web", "app", T0 + 10_000, { cpu: 6e9 })];
  const second = await env.provider.get();
  // 5 core-seconds in 10 s.
  assert.deepEqual(second.pods[0].containers[0].cpu, {
    time: T0 + 10_000,
    usageNanoCores: 500_000_000,
    usageCoreNanoSeconds: 6e9,
  });
  assert.equal(second.pods[0].cpu?.usageNanoCores, 500_000_000);
});

Deno.test("SummaryProvider.get() prefers the runtime's usageNanoCores when it is not 0", async () => {
  const env = summaryEnv();
  env.runtime.containers = [stats("web", "app", T0, { cpu: 1e9, nanoCores: 123 })];
  const s = await env.provider.get({ onlyCpuAndMemory: true });
  assert.equal(s.pods[0].containers[0].cpu?.usageNanoCores, 123);
});

Deno.test("SummaryProvider.get() computes the node's usageNanoCores from its busy time", async () => {
  const env = summaryEnv();
  env.node.busyMs = 1000;
  const first = await env.provider.get();
  assert.deepEqual(first.node.cpu, { time: T0, usageCoreNanoSeconds: 1e9 });
  env.clock.step(10_000);
  env.node.busyMs = 16_000; // 15 s of CPU in 10 s: 1.5 cores
  const second = await env.provider.get();
  assert.deepEqual(second.node.cpu, {
    time: T0 + 10_000,
    usageCoreNanoSeconds: 16e9,
    usageNanoCores: 1_500_000_000,
  });
});

Deno.test("SummaryProvider.get() groups containers by sandbox and sums the pod's CPU and memory", async () => {
  const env = summaryEnv();
  env.runtime.containers = [
    stats("web", "b", T0, { cpu: 2e9, workingSet: 200 }),
    stats("db", "main", T0, { cpu: 5e9, workingSet: 500 }),
    stats("web", "a", T0 - 1000, { cpu: 1e9, workingSet: 100 }),
  ];
  const s = await env.provider.get({ onlyCpuAndMemory: true });
  assert.deepEqual(s.pods.map((p) => [p.podRef.name, p.containers.map((c) => c.name)]), [
    ["db", ["main"]],
    ["web", ["a", "b"]],
  ]);
  const web = s.pods[1];
  assert.deepEqual(web.podRef, { name: "web", namespace: "default", uid: "uid-web" });
  assert.equal(web.startTime, T0 - 120_000);
  assert.deepEqual(web.cpu, { time: T0, usageCoreNanoSeconds: 3e9 });
  assert.deepEqual(web.memory, {
    time: T0,
    usageBytes: 500,
    workingSetBytes: 300,
    rssBytes: 20,
    pageFaults: 2,
    majorPageFaults: 0,
  });
});

Deno.test("SummaryProvider.get() reports zeros for a container whose stats have no CPU or memory", async () => {
  const env = summaryEnv();
  env.runtime.containers = [stats("web", "app", T0, null)];
  const s = await env.provider.get({ onlyCpuAndMemory: true });
  assert.deepEqual(s.pods[0].containers[0], {
    name: "app",
    startTime: T0 - 60_000,
    cpu: { time: T0, usageNanoCores: 0, usageCoreNanoSeconds: 0 },
    memory: { time: T0, workingSetBytes: 0 },
  });
});

Deno.test("SummaryProvider.get() with onlyCpuAndMemory leaves out filesystems and pod storage", async () => {
  const env = summaryEnv();
  env.runtime.containers = [stats("web", "app", T0, { cpu: 1e9 })];
  const s = await env.provider.get({ onlyCpuAndMemory: true });
  assert.deepEqual(Object.keys(s.node), ["nodeName", "startTime", "cpu", "memory", "swap"]);
  assert.deepEqual(Object.keys(s.pods[0]), ["podRef", "startTime", "containers", "cpu", "memory"]);
  assert.deepEqual(Object.keys(s.pods[0].containers[0]), ["name", "startTime", "cpu", "memory"]);
  assert.deepEqual(env.measured, []);
});

Deno.test("SummaryProvider.get() reports node memory from meminfo and the root dir's filesystem", async () => {
  const env = summaryEnv();
  const s = await env.provider.get();
  assert.equal(s.node.nodeName, "node-1");
  assert.equal(s.node.startTime, T0 - 3_600_000);
  assert.deepEqual(s.node.memory, {
    time: T0,
    availableBytes: 5000,
    usageBytes: 5000,
    workingSetBytes: 3000,
  });
  assert.deepEqual(s.node.fs, {
    time: T0,
    availableBytes: 40_000,
    capacityBytes: 100_000,
    inodesFree: 600,
    inodes: 1000,
    usedBytes: 50_000,
    inodesUsed: 400,
  });
  const imageFs = {
    time: T0,
    availableBytes: 40_000,
    capacityBytes: 100_000,
    inodesFree: 600,
    inodes: 1000,
    usedBytes: 7000,
  };
  assert.deepEqual(s.node.runtime, { imageFs, containerFs: imageFs });
  assert.deepEqual(s.pods, []);
});

Deno.test("SummaryProvider.get() leaves out a node source that fails and logs it once", async () => {
  const logger = createMemoryLogger();
  const env = summaryEnv({
    logger,
    fs: { "/root": new Deno.errors.NotCapable("Requires read access to /root") },
  });
  const node = {
    cpu: () => {
      throw new Deno.errors.NotCapable("Requires sys access to cpus");
    },
  };
  const withNode = summaryEnv({ logger, node });
  const a = await env.provider.get();
  await env.provider.get();
  assert.equal(a.node.fs, undefined);
  assert.ok(a.node.runtime);
  const b = await withNode.provider.get();
  await withNode.provider.get();
  assert.equal(b.node.cpu, undefined);
  assert.equal(b.node.memory, undefined);
  assert.deepEqual(logger.records.map((r) => r.message), [
    "Cannot read a filesystem's size; leaving it out",
    "Cannot read the node CPU; leaving it out of the summary",
  ]);
});

Deno.test("SummaryProvider.get() rejects when the runtime cannot list container stats", async () => {
  const env = summaryEnv();
  env.runtime.fail = new Error("ListContainerStats failed: Unavailable");
  await assert.rejects(env.provider.get(), /ListContainerStats failed/);
});

Deno.test("SummaryProvider.get() measures rootfs, logs, volumes and ephemeral-storage of a pod", async () => {
  const pods = "/root/pods/uid-web";
  const volumes = `${pods}/volumes`;
  const tmpfs = { ...ROOT_FS, type: 0x01021994, capacityBytes: 64 };
  const env = summaryEnv({
    dirs: {
      [volumes]: ["kubernetes.io~secret", "kubernetes.io~empty-dir"],
      [`${volumes}/kubernetes.io~empty-dir`]: ["scratch"],
      [`${volumes}/kubernetes.io~secret`]: ["token"],
    },
    usages: {
      "/logs/default_web_uid-web/app": { bytes: 300, inodes: 3 },
      [`${volumes}/kubernetes.io~empty-dir/scratch`]: { bytes: 4000, inodes: 4 },
      [`${volumes}/kubernetes.io~secret/token`]: { bytes: 8, inodes: 2 },
      [`${pods}/etc-hosts`]: { bytes: 4096, inodes: 1 },
    },
    fs: { [`${volumes}/kubernetes.io~secret/token`]: tmpfs, "/layers": { ...ROOT_FS, inodes: 5 } },
  });
  env.runtime.containers = [stats("web", "app", T0, { cpu: 1 }, {
    writableLayer: { timestamp: 0, mountpoint: "/layers", usedBytes: 1000, inodesUsed: 10 },
  })];
  const [pod] = (await env.provider.get()).pods;
  const [app] = pod.containers;
  assert.deepEqual(app.rootfs, {
    time: T0,
    availableBytes: 40_000,
    capacityBytes: 100_000,
    inodesFree: 600,
    inodes: 5,
    usedBytes: 1000,
    inodesUsed: 10,
  });
  assert.equal(app.logs?.usedBytes, 300);
  assert.equal(app.logs?.capacityBytes, 100_000);
  assert.deepEqual(pod.volume?.map((v) => [v.name, v.usedBytes, v.capacityBytes]), [
    ["scratch", 4000, 100_000],
    ["token", 8, 64],
  ]);
  // Writable layer + logs + the emptyDir + etc-hosts; the secret's tmpfs is not counted.
  assert.equal(pod["ephemeral-storage"]?.usedBytes, 1000 + 300 + 4000 + 4096);
  assert.equal(pod["ephemeral-storage"]?.inodesUsed, 10 + 3 + 4 + 1);
  assert.equal(pod["ephemeral-storage"]?.capacityBytes, 100_000);
});

Deno.test("SummaryProvider.get() reuses a volume's usage for volumeStatsAggPeriod", async () => {
  const volumes = "/root/pods/uid-web/volumes";
  const env = summaryEnv({
    volumeStatsAggPeriodMs: 60_000,
    dirs: { [volumes]: ["kubernetes.io~empty-dir"], [`${volumes}/kubernetes.io~empty-dir`]: ["v"] },
  });
  env.runtime.containers = [stats("web", "app", T0, { cpu: 1 })];
  const volume = `${volumes}/kubernetes.io~empty-dir/v`;
  const count = () => env.measured.filter((p) => p === volume).length;
  await env.provider.get();
  env.clock.step(30_000);
  await env.provider.get();
  assert.equal(count(), 1);
  env.clock.step(30_000);
  await env.provider.get();
  assert.equal(count(), 2);
});

Deno.test("summaryJson() writes the kubelet's field names and times in whole seconds", async () => {
  const env = summaryEnv();
  env.runtime.containers = [stats("web", "app", T0 + 250, { cpu: 1e9, workingSet: 42 })];
  const json = JSON.parse(summaryJson(await env.provider.get({ onlyCpuAndMemory: true })));
  assert.deepEqual(json, {
    node: {
      nodeName: "node-1",
      startTime: "2023-11-14T21:13:20Z",
      cpu: { time: "2023-11-14T22:13:20Z", usageCoreNanoSeconds: 0 },
      memory: {
        time: "2023-11-14T22:13:20Z",
        availableBytes: 5000,
        usageBytes: 5000,
        workingSetBytes: 3000,
      },
      swap: { time: "2023-11-14T22:13:20Z", swapAvailableBytes: 0, swapUsageBytes: 0 },
    },
    pods: [{
      podRef: { name: "web", namespace: "default", uid: "uid-web" },
      startTime: "2023-11-14T22:11:20Z",
      containers: [{
        name: "app",
        startTime: "2023-11-14T22:12:20Z",
        cpu: { time: "2023-11-14T22:13:20Z", usageCoreNanoSeconds: 1e9 },
        memory: {
          time: "2023-11-14T22:13:20Z",
          usageBytes: 142,
          workingSetBytes: 42,
          rssBytes: 10,
          pageFaults: 1,
          majorPageFaults: 0,
        },
      }],
      cpu: { time: "2023-11-14T22:13:20Z", usageCoreNanoSeconds: 1e9 },
      memory: {
        time: "2023-11-14T22:13:20Z",
        usageBytes: 142,
        workingSetBytes: 42,
        rssBytes: 10,
        pageFaults: 1,
        majorPageFaults: 0,
      },
    }],
  });
});
