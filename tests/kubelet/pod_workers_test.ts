import assert from "node:assert/strict";
import { PodWorkers } from "../../src/kubelet/pod_workers.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";

/** A sync function whose passes the test finishes by hand. */
function gatedSync() {
  const calls: string[] = [];
  let active = 0;
  let maxActive = 0;
  const gates: (() => void)[] = [];
  const sync = async (uid: string) => {
    calls.push(uid);
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((resolve) => gates.push(resolve));
    active--;
  };
  return {
    sync,
    calls,
    get maxActive() {
      return maxActive;
    },
    release() {
      for (const g of gates.splice(0)) g();
    },
  };
}

Deno.test("PodWorkers.wake() serializes a pod's syncs and coalesces wakes during a sync into one", async () => {
  const clock = new FakeClock();
  const g = gatedSync();
  const workers = new PodWorkers(g.sync, { clock });
  workers.wake("a");
  workers.wake("a");
  workers.wake("a");
  assert.deepEqual(g.calls, ["a"]);
  assert.equal(workers.isSyncing("a"), true);
  g.release();
  await flush();
  assert.deepEqual(g.calls, ["a", "a"], "exactly one more pass after the running one");
  g.release();
  await workers.whenIdle();
  assert.deepEqual(g.calls, ["a", "a"]);
  assert.equal(g.maxActive, 1);
});

Deno.test("PodWorkers runs different pods in parallel", async () => {
  const clock = new FakeClock();
  const g = gatedSync();
  const workers = new PodWorkers(g.sync, { clock });
  workers.wake("a");
  workers.wake("b");
  assert.equal(g.maxActive, 2);
  assert.equal(workers.busy, 2);
  g.release();
  await workers.whenIdle();
  assert.equal(workers.busy, 0);
});

Deno.test("PodWorkers.wakeAt() arms one timer per pod; the later call replaces it; wake() cancels it", async () => {
  const clock = new FakeClock();
  const calls: string[] = [];
  const workers = new PodWorkers((uid) => {
    calls.push(uid);
    return Promise.resolve();
  }, { clock });
  const t0 = clock.now();
  workers.wakeAt("a", t0 + 10_000);
  workers.wakeAt("a", t0 + 5_000);
  assert.equal(workers.nextWakeAt("a"), t0 + 5_000);
  assert.equal(clock.pendingTimers, 1);
  await clock.advance(4_999);
  assert.deepEqual(calls, []);
  await clock.advance(1);
  assert.deepEqual(calls, ["a"]);
  assert.equal(workers.nextWakeAt("a"), undefined);

  workers.wakeAt("a", clock.now() + 1_000);
  workers.wake("a");
  await workers.whenIdle();
  assert.deepEqual(calls, ["a", "a"]);
  assert.equal(clock.pendingTimers, 0);
  await clock.advance(2_000);
  assert.deepEqual(calls, ["a", "a"]);
});

Deno.test("PodWorkers.forget() cancels the timer and aborts the running sync", async () => {
  const clock = new FakeClock();
  let seen: AbortSignal | undefined;
  const workers = new PodWorkers((_uid, signal) => {
    seen = signal;
    return new Promise<void>((_, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason))
    );
  }, { clock });
  workers.wake("a");
  workers.wakeAt("a", clock.now() + 1_000);
  workers.forget("a");
  assert.equal(seen?.aborted, true);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(workers.size, 0);
  await workers.whenIdle();
});

Deno.test("PodWorkers.whenIdle() does not wait for parked syncs", async () => {
  const clock = new FakeClock();
  let release!: () => void;
  const fresh = new Promise<void>((r) => release = r);
  const workers = new PodWorkers(async (uid) => {
    await workers.parked(uid, fresh);
  }, { clock });
  workers.wake("a");
  await workers.whenIdle();
  assert.equal(workers.isSyncing("a"), true);
  release();
  await flush();
  assert.equal(workers.isSyncing("a"), false);
});

Deno.test("PodWorkers.stop() stops every worker and ignores later wakes", async () => {
  const clock = new FakeClock();
  const g = gatedSync();
  const workers = new PodWorkers(g.sync, { clock });
  workers.wake("a");
  workers.wakeAt("b", clock.now() + 100);
  const stopped = workers.stop();
  g.release();
  await stopped;
  workers.wake("c");
  assert.deepEqual(g.calls, ["a"]);
  assert.equal(clock.pendingTimers, 0);
});
