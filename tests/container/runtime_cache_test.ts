import assert from "node:assert/strict";
import { RuntimeCache } from "../../src/container/runtime_cache.ts";
import type { RuntimePod } from "../../src/container/runtime.ts";
import { FakeClock } from "../../src/util/clock.ts";

function pod(uid: string): RuntimePod {
  return { uid, name: uid, namespace: "default", createdAt: 0, containers: [], sandboxes: [] };
}

function lister(clock: FakeClock, fetchMs = 0) {
  const calls: boolean[] = [];
  let n = 0;
  return {
    calls,
    async getPods(all: boolean): Promise<RuntimePod[]> {
      calls.push(all);
      const uid = `p${++n}`;
      if (fetchMs) clock.step(fetchMs);
      await Promise.resolve();
      return [pod(uid)];
    },
  };
}

Deno.test("RuntimeCache.getPods() fetches running pods (all=false) once and reuses them within the period", async () => {
  const clock = new FakeClock();
  const l = lister(clock);
  const cache = new RuntimeCache(l, { clock });
  assert.equal((await cache.getPods())[0].uid, "p1");
  clock.step(3000);
  assert.equal((await cache.getPods())[0].uid, "p1");
  assert.deepEqual(l.calls, [false]);
  clock.step(1);
  assert.equal((await cache.getPods())[0].uid, "p2");
  assert.deepEqual(l.calls, [false, false]);
});

Deno.test("RuntimeCache.getPods() takes the cache time before the fetch", async () => {
  const clock = new FakeClock(1000);
  const cache = new RuntimeCache(lister(clock, 500), { clock, cachePeriodMs: 2000 });
  await cache.getPods();
  assert.equal(cache.cacheTime, 1000);
  assert.equal(clock.now(), 1500);
});

Deno.test("RuntimeCache.forceUpdateIfOlder() refetches only when the cache is older than t", async () => {
  const clock = new FakeClock(10_000);
  const l = lister(clock);
  const cache = new RuntimeCache(l, { clock });
  await cache.forceUpdateIfOlder(10_000);
  assert.equal(l.calls.length, 1);
  await cache.forceUpdateIfOlder(10_000);
  assert.equal(l.calls.length, 1);
  await cache.forceUpdateIfOlder(10_001);
  assert.equal(l.calls.length, 2);
  assert.equal((await cache.getPods())[0].uid, "p2");
});

Deno.test("RuntimeCache rejects a negative period", () => {
  assert.throws(
    () => new RuntimeCache(lister(new FakeClock()), { clock: new FakeClock(), cachePeriodMs: -1 }),
    RangeError,
  );
});
