import assert from "node:assert/strict";
import { PodStatusCache } from "../../src/container/cache.ts";
import { generateEvents, GenericPLEG } from "../../src/pleg/generic.ts";
import { samePodStates } from "../../src/pleg/_relist_events.ts";
import { EventChannel, type PodLifecycleEvent } from "../../src/pleg/pleg.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { FakePlegRuntime } from "./_fake_runtime.ts";

function setup(options: { capacity?: number } = {}) {
  const clock = new FakeClock(1_000_000);
  const runtime = new FakePlegRuntime();
  const cache = new PodStatusCache();
  const channel = new EventChannel({ capacity: options.capacity ?? 1000 });
  const relists: [number, number | undefined][] = [];
  const logger = createMemoryLogger();
  const pleg = new GenericPLEG(runtime, {
    clock,
    cache,
    channel,
    logger,
    onRelist: (d, i) => relists.push([d, i]),
  });
  return { clock, runtime, cache, channel, pleg, relists, logger };
}

const short = (evs: PodLifecycleEvent[]) => evs.map((e) => `${e.podUid}/${e.data}:${e.type}`);

Deno.test("generateEvents() maps each state transition to kubelet's events", async (t) => {
  const cases = [
    ["non-existent", "running", ["ContainerStarted"]],
    ["running", "exited", ["ContainerDied"]],
    ["running", "unknown", ["ContainerChanged"]],
    ["exited", "non-existent", ["ContainerRemoved"]],
    ["running", "non-existent", ["ContainerDied", "ContainerRemoved"]],
    ["unknown", "non-existent", ["ContainerDied", "ContainerRemoved"]],
    ["running", "running", []],
    ["exited", "running", ["ContainerStarted"]],
  ] as const;
  for (const [from, to, want] of cases) {
    await t.step(`${from} -> ${to}`, () => {
      assert.deepEqual(generateEvents("u", "c", from, to).map((e) => e.type), want);
    });
  }
});

Deno.test("relist() emits ContainerStarted for new sandboxes and containers, then nothing", async () => {
  const { runtime, pleg, channel, cache } = setup();
  runtime.setPod("u1", [{ id: "s1", state: "ready", ip: "10.0.0.5" }], [
    { id: "c1", state: "running" },
    { id: "c2", state: "created" },
  ]);
  const evs = await pleg.relist();
  assert.deepEqual(short(evs), ["u1/s1:ContainerStarted", "u1/c1:ContainerStarted"]);
  assert.deepEqual(short(channel.drain()), short(evs));
  assert.deepEqual(runtime.getPodsCalls, [true]);
  assert.deepEqual(cache.get("u1").status.ips, ["10.0.0.5"]);
  assert.equal(cache.get("u1").status.containerStatuses.length, 2);
  assert.deepEqual(await pleg.relist(), []);
  assert.deepEqual(runtime.statusCalls, ["u1"], "an unchanged pod is not re-inspected");
});

Deno.test("relist() event table", async (t) => {
  const cases: {
    name: string;
    before: Parameters<FakePlegRuntime["setPod"]>[2] | undefined;
    after: Parameters<FakePlegRuntime["setPod"]>[2] | undefined;
    want: string[];
  }[] = [
    {
      name: "running -> exited emits ContainerDied",
      before: [{ id: "c1", state: "running" }],
      after: [{ id: "c1", state: "exited" }],
      want: ["u1/c1:ContainerDied"],
    },
    {
      name: "running container vanishes: ContainerDied + ContainerRemoved",
      before: [{ id: "c1", state: "running" }],
      after: [],
      want: ["u1/c1:ContainerDied", "u1/c1:ContainerRemoved"],
    },
    {
      name: "exited container removed: ContainerRemoved only",
      before: [{ id: "c1", state: "exited" }],
      after: [],
      want: ["u1/c1:ContainerRemoved"],
    },
    {
      name: "new container: ContainerStarted",
      before: [],
      after: [{ id: "c2", state: "running" }],
      want: ["u1/c2:ContainerStarted"],
    },
    {
      name: "running -> unknown: ContainerChanged is not sent",
      before: [{ id: "c1", state: "running" }],
      after: [{ id: "c1", state: "unknown" }],
      want: [],
    },
    {
      name: "whole pod vanishes",
      before: [{ id: "c1", state: "running" }],
      after: undefined,
      want: [
        "u1/s1:ContainerDied",
        "u1/s1:ContainerRemoved",
        "u1/c1:ContainerDied",
        "u1/c1:ContainerRemoved",
      ],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const { runtime, pleg, cache } = setup();
      runtime.setPod("u1", [{ id: "s1", state: "ready" }], c.before!);
      await pleg.relist();
      if (c.after) runtime.setPod("u1", [{ id: "s1", state: "ready" }], c.after);
      else runtime.pods.delete("u1");
      assert.deepEqual(short(await pleg.relist()), c.want);
      if (!c.after) {
        assert.equal(cache.modified("u1"), undefined, "vanished pod deleted from cache");
      }
    });
  }
});

Deno.test("relist() treats a not-ready sandbox as exited", async () => {
  const { runtime, pleg } = setup();
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], []);
  await pleg.relist();
  runtime.setPod("u1", [{ id: "s1", state: "notready" }], []);
  assert.deepEqual(short(await pleg.relist()), ["u1/s1:ContainerDied"]);
});

Deno.test("relist() retries a failed inspection on the next relist without advancing the record", async () => {
  const { runtime, pleg, cache, clock } = setup();
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], [{ id: "c1", state: "running" }]);
  runtime.failStatus.add("u1");
  assert.deepEqual(await pleg.relist(), [], "events of a pod that failed inspection are held back");
  assert.match(cache.get("u1").error!.message, /cannot inspect u1/);
  clock.step(1000);
  runtime.failStatus.delete("u1");
  const evs = await pleg.relist();
  assert.deepEqual(short(evs), ["u1/s1:ContainerStarted", "u1/c1:ContainerStarted"]);
  assert.equal(cache.get("u1").error, undefined);
  assert.equal(cache.modified("u1"), clock.now());
  assert.deepEqual(runtime.statusCalls, ["u1", "u1"]);
});

Deno.test("relist() re-inspects a pod whose inspection failed even without new events", async () => {
  const { runtime, pleg } = setup();
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], []);
  await pleg.relist();
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], [{ id: "c1", state: "running" }]);
  runtime.failStatus.add("u1");
  await pleg.relist();
  await pleg.relist();
  assert.equal(runtime.statusCalls.length, 3);
  runtime.failStatus.delete("u1");
  assert.deepEqual(short(await pleg.relist()), ["u1/c1:ContainerStarted"]);
  assert.deepEqual(await pleg.relist(), []);
  assert.equal(runtime.statusCalls.length, 4);
});

Deno.test("relist() bumps the cache timestamp to the relist start and wakes waiters", async () => {
  const { runtime, pleg, cache, clock } = setup();
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], []);
  let woken = false;
  cache.getNewerThan("u2", clock.now() - 1).then(() => woken = true);
  const start = clock.now();
  await pleg.relist();
  await flush();
  assert.equal(cache.timestamp, start);
  assert.equal(woken, true);
});

Deno.test("relist() keeps the previous pod IPs when the new status has none and no ready sandbox", async () => {
  const { runtime, pleg, cache } = setup();
  runtime.setPod("u1", [{ id: "s1", state: "ready", ip: "10.0.0.7" }], [{
    id: "c1",
    state: "running",
  }]);
  await pleg.relist();
  runtime.setPod("u1", [{ id: "s1", state: "notready" }], [{ id: "c1", state: "exited" }]);
  await pleg.relist();
  assert.deepEqual(cache.get("u1").status.ips, ["10.0.0.7"]);
  // A new ready sandbox without an IP (host network) clears them.
  runtime.setPod("u1", [{ id: "s1", state: "notready" }, { id: "s2", state: "ready" }], []);
  await pleg.relist();
  assert.deepEqual(cache.get("u1").status.ips, []);
});

Deno.test("relist() drops and counts events when the channel is full", async () => {
  const { runtime, pleg, channel, logger } = setup({ capacity: 2 });
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], [
    { id: "c1", state: "running" },
    { id: "c2", state: "running" },
  ]);
  const sent = await pleg.relist();
  assert.equal(sent.length, 2);
  assert.equal(channel.length, 2);
  assert.equal(channel.discarded, 1);
  assert.ok(logger.records.some((r) => /Event channel is full/.test(r.message)));
});

Deno.test("relist() reports duration and interval, and a failed listing sends nothing", async () => {
  const { runtime, pleg, relists, clock, logger } = setup();
  await pleg.relist();
  clock.step(1500);
  await pleg.relist();
  assert.deepEqual(relists, [[0, undefined], [0, 1500]]);
  runtime.failList = true;
  assert.deepEqual(await pleg.relist(), []);
  assert.equal(relists.length, 2);
  assert.ok(logger.records.some((r) => r.severity === "error"));
});

Deno.test("healthy() follows kubelet's messages and thresholds", async () => {
  const { runtime, pleg, clock } = setup();
  assert.deepEqual(pleg.healthy(clock.now()), {
    ok: false,
    message: "pleg has yet to be successful",
  });
  await pleg.relist();
  const start = clock.now();
  assert.equal(pleg.healthy(start + 180_000).ok, true);
  assert.deepEqual(pleg.healthy(start + 185_000), {
    ok: false,
    message: "pleg was last seen active 3m5s ago; threshold is 3m0s",
  });
  runtime.failList = true;
  clock.step(10_000);
  await pleg.relist();
  assert.equal(pleg.relistTime, start, "a failed relist does not count as activity");
  pleg.setRelistTiming(300_000, 600_000);
  assert.equal(pleg.healthy(start + 185_000).ok, true);
  assert.match(
    pleg.healthy(start + 601_500).message,
    /last seen active 10m1.5s ago; threshold is 10m0s/,
  );
});

Deno.test("run() relists every period on the fake clock and stops on abort", async () => {
  const { runtime, pleg, clock } = setup();
  const ac = new AbortController();
  const done = pleg.run(ac.signal);
  await flush();
  assert.equal(runtime.getPodsCalls.length, 1);
  await clock.advance(1000);
  assert.equal(runtime.getPodsCalls.length, 2);
  await clock.advance(3000);
  assert.equal(runtime.getPodsCalls.length, 5);
  pleg.setRelistTiming(300_000, 600_000);
  await flush();
  assert.equal(runtime.getPodsCalls.length, 6, "a timing change relists at once");
  await clock.advance(299_000);
  assert.equal(runtime.getPodsCalls.length, 6);
  await clock.advance(1000);
  assert.equal(runtime.getPodsCalls.length, 7);
  ac.abort();
  await done;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("events() yields sent events until the signal aborts", async () => {
  const { runtime, pleg } = setup();
  const ac = new AbortController();
  const got: string[] = [];
  const reader = (async () => {
    for await (const e of pleg.events(ac.signal)) got.push(`${e.data}:${e.type}`);
  })();
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], []);
  await pleg.relist();
  await flush();
  assert.deepEqual(got, ["s1:ContainerStarted"]);
  ac.abort();
  await reader;
});

Deno.test("updateCache() inspects one pod now, sends its events, and the next relist repeats none", async () => {
  const { runtime, pleg, cache, clock } = setup();
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], []);
  await pleg.relist();
  clock.step(200);
  runtime.setPod("u1", [{ id: "s1", state: "ready" }], [{ id: "c1", state: "running" }]);
  const evs = await pleg.updateCache("u1");
  assert.deepEqual(short(evs), ["u1/c1:ContainerStarted"]);
  assert.equal(cache.modified("u1"), clock.now());
  assert.equal(cache.get("u1").status.name, "pod-u1");
  assert.deepEqual(await pleg.relist(), []);
});

Deno.test("updateCache() of an unknown pod uses the given name and records failures for retry", async () => {
  const { runtime, pleg, cache } = setup();
  runtime.setPod("u9", [{ id: "s9", state: "ready" }], []);
  runtime.failStatus.add("u9");
  assert.deepEqual(await pleg.updateCache("u9", { name: "web", namespace: "prod" }), []);
  assert.match(cache.get("u9").error!.message, /cannot inspect/);
  assert.equal(cache.get("u9").status.name, "web");
  runtime.failStatus.delete("u9");
  assert.deepEqual(short(await pleg.relist()), ["u9/s9:ContainerStarted"]);
});

Deno.test("run() stops at once when the stop comes during a relist", async () => {
  const { runtime, pleg, clock } = setup();
  const ac = new AbortController();
  const getPods = runtime.getPods.bind(runtime);
  runtime.getPods = (all) => {
    ac.abort();
    return getPods(all);
  };
  await pleg.run(ac.signal);
  assert.equal(runtime.getPodsCalls.length, 1);
  assert.equal(clock.pendingTimers, 0, "no sleep was left behind");
});

Deno.test("run() logs a relist that throws and keeps relisting", async () => {
  const clock = new FakeClock(1_000_000);
  const runtime = new FakePlegRuntime();
  const logger = createMemoryLogger();
  let calls = 0;
  const pleg = new GenericPLEG(runtime, {
    clock,
    cache: new PodStatusCache(),
    logger,
    onRelist: () => {
      if (++calls === 1) throw new Error("metrics broke");
    },
  });
  const ac = new AbortController();
  const done = pleg.run(ac.signal);
  await flush();
  assert.equal(runtime.getPodsCalls.length, 1);
  await clock.advance(1000);
  assert.equal(runtime.getPodsCalls.length, 2, "the loop survived the throwing relist");
  const failed = logger.records.find((r) => r.message === "GenericPLEG: relist failed");
  assert.equal((failed?.fields.err as Error | undefined)?.message, "metrics broke");
  ac.abort();
  await done;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("requestRelist() makes a running loop relist now; calls during a relist make one more", async () => {
  const { runtime, pleg, clock } = setup();
  const ac = new AbortController();
  const done = pleg.run(ac.signal);
  await flush();
  assert.equal(runtime.getPodsCalls.length, 1);
  await clock.advance(300);
  pleg.requestRelist();
  await flush();
  assert.equal(runtime.getPodsCalls.length, 2, "relisted before the period ended");
  pleg.requestRelist();
  pleg.requestRelist();
  await flush();
  assert.equal(runtime.getPodsCalls.length, 3);
  await clock.advance(999);
  assert.equal(runtime.getPodsCalls.length, 3, "the period counts from the last relist");
  await clock.advance(1);
  assert.equal(runtime.getPodsCalls.length, 4);
  ac.abort();
  await done;
});

Deno.test("samePodStates() is true only for the same ids in the same states and order", async (t) => {
  const pod = (
    containers: [string, "running" | "exited"][],
    sandbox: "ready" | "notready" = "ready",
  ) => ({
    uid: "u",
    name: "p",
    namespace: "ns",
    createdAt: 0,
    sandboxes: [{ id: "s1", state: sandbox, createdAt: 0, attempt: 0 }],
    containers: containers.map(([id, state]) => ({
      id,
      name: id,
      image: "",
      imageRef: "",
      hash: "",
      state,
      createdAt: 0,
      attempt: 0,
    })),
  });
  const base = pod([["a", "running"], ["b", "running"]]);
  for (
    const [name, other, want] of [
      ["identical listing", pod([["a", "running"], ["b", "running"]]), true],
      ["a container exited", pod([["a", "running"], ["b", "exited"]]), false],
      ["a container more", pod([["a", "running"], ["b", "running"], ["c", "running"]]), false],
      [
        "same ids, other order (the full diff decides)",
        pod([["b", "running"], ["a", "running"]]),
        false,
      ],
      ["the sandbox not ready", pod([["a", "running"], ["b", "running"]], "notready"), false],
      ["gone", undefined, false],
    ] as const
  ) {
    await t.step(name, () => assert.equal(samePodStates(base, other), want));
  }
  assert.equal(samePodStates(undefined, undefined), true);
});
