import assert from "node:assert/strict";
import { PodStatusCache } from "../../src/container/cache.ts";
import {
  CUE_HOLD_MS,
  CUED_RELIST_PERIOD_MS,
  CuedRelistTiming,
} from "../../src/pleg/cued_relist_timing.ts";
import { GenericPLEG } from "../../src/pleg/generic.ts";
import { followRelistCues } from "../../src/pleg/relist_cues.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { FakePlegRuntime } from "./_fake_runtime.ts";

/** A TimedPleg that records each timing it is given. */
function recordingPleg(periodMs: number, thresholdMs: number) {
  const set: [number, number][] = [];
  const pleg = {
    timing: { relistPeriodMs: periodMs, relistThresholdMs: thresholdMs },
    setRelistTiming(p: number, t: number) {
      set.push([p, t]);
      pleg.timing = { relistPeriodMs: p, relistThresholdMs: t };
    },
  };
  return { pleg, set };
}

Deno.test("CuedRelistTiming slows the relist while cues are trusted and restores the base period when they fail", () => {
  const clock = new FakeClock(0);
  const { pleg, set } = recordingPleg(300_000, 600_000);
  const timing = new CuedRelistTiming(pleg, { clock, cache: new PodStatusCache() });
  timing.setRelistTiming(1000, 180_000); // the evented PLEG falls back
  assert.deepEqual(set, [[1000, 180_000]]);
  timing.setCuesHealthy(true);
  assert.deepEqual(set.at(-1), [CUED_RELIST_PERIOD_MS, 180_000], "slowed; threshold kept");
  assert.equal(timing.slowed, true);
  timing.setCuesHealthy(true); // no change, nothing set
  assert.equal(set.length, 2);
  timing.setCuesHealthy(false);
  assert.deepEqual(set.at(-1), [1000, 180_000], "the base period back at once");
  assert.equal(timing.slowed, false);
});

Deno.test("CuedRelistTiming keeps the base period for CUE_HOLD_MS after each cue", async () => {
  const clock = new FakeClock(0);
  const { pleg, set } = recordingPleg(1000, 180_000);
  const timing = new CuedRelistTiming(pleg, { clock, cache: new PodStatusCache() });
  timing.setCuesHealthy(true);
  assert.equal(timing.slowed, true);
  timing.noteCue();
  assert.equal(timing.slowed, false);
  assert.deepEqual(set.at(-1), [1000, 180_000], "the base period at once");
  await clock.advance(CUE_HOLD_MS - 1000);
  timing.noteCue(); // a second cue extends the hold
  await clock.advance(CUE_HOLD_MS - 1);
  assert.equal(timing.slowed, false);
  await clock.advance(1);
  assert.equal(timing.slowed, true);
  assert.deepEqual(set.at(-1), [CUED_RELIST_PERIOD_MS, 180_000]);
  timing.noteCue();
  timing.stop();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("CuedRelistTiming never lengthens a base period longer than the cued one", () => {
  const clock = new FakeClock(0);
  const { pleg, set } = recordingPleg(300_000, 600_000);
  const timing = new CuedRelistTiming(pleg, { clock, cache: new PodStatusCache() });
  timing.setCuesHealthy(true); // the evented PLEG is still in use: 5 minutes
  assert.deepEqual(set.at(-1), [300_000, 600_000]);
  assert.equal(timing.slowed, false);
  timing.setRelistTiming(1000, 180_000); // ...until it falls back, with the cues trusted
  assert.deepEqual(set.at(-1), [CUED_RELIST_PERIOD_MS, 180_000]);
});

Deno.test("CuedRelistTiming.run() bumps the cache's global timestamp every base period only while slowed", async () => {
  const clock = new FakeClock(0);
  const { pleg } = recordingPleg(1000, 180_000);
  const bumps: number[] = [];
  const timing = new CuedRelistTiming(pleg, {
    clock,
    cache: { updateTime: (t) => bumps.push(t) },
  });
  const ac = new AbortController();
  const done = timing.run(ac.signal);
  await clock.advance(2000);
  assert.deepEqual(bumps, [], "not slowed: the relist bumps it");
  timing.setCuesHealthy(true);
  await clock.advance(2000);
  assert.deepEqual(bumps, [3000, 4000]);
  timing.setCuesHealthy(false);
  await clock.advance(2000);
  assert.deepEqual(bumps, [3000, 4000]);
  ac.abort();
  await done;
});

Deno.test("a pod worker waiting for a newer cache is served within a base period while the relist is slowed", async () => {
  const clock = new FakeClock(0);
  const cache = new PodStatusCache();
  const { pleg } = recordingPleg(1000, 180_000);
  const timing = new CuedRelistTiming(pleg, { clock, cache });
  timing.setCuesHealthy(true);
  const ac = new AbortController();
  const done = timing.run(ac.signal);
  let servedAt: number | undefined;
  cache.getNewerThan("pod-a", 500).then(() => servedAt = clock.now());
  await clock.advance(1000);
  assert.equal(servedAt, 1000);
  ac.abort();
  await done;
});

/** A cue stream the test fails on demand. */
function failingSource() {
  let fail: ((err: Error) => void) | undefined;
  let streams = 0;
  const source = async function* (signal: AbortSignal) {
    streams++;
    await new Promise<void>((_, reject) => {
      fail = reject;
      signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
    });
    yield "never";
  };
  return { source, fail: (err: Error) => fail?.(err), streams: () => streams };
}

Deno.test("GenericPLEG with trusted cues: 10 s relists while the stream is up, at once and every second when it fails", async () => {
  const clock = new FakeClock(0);
  const cache = new PodStatusCache();
  const relists: number[] = [];
  const pleg = new GenericPLEG(new FakePlegRuntime(), {
    clock,
    cache,
    relistPeriodMs: 1000,
    onRelist: () => relists.push(clock.now()),
  });
  const timing = new CuedRelistTiming(pleg, { clock, cache });
  const cues = failingSource();
  const ac = new AbortController();
  const loops = [
    pleg.run(ac.signal),
    timing.run(ac.signal),
    followRelistCues(cues.source, pleg, ac.signal, {
      clock,
      retryMs: 1000,
      settleMs: 2000,
      followUpMs: [],
      onStreamHealth: (healthy) => timing.setCuesHealthy(healthy),
    }),
  ];
  await clock.advance(1500);
  assert.deepEqual(relists, [0, 1000], "the base period until the stream is trusted");
  await clock.advance(500); // trusted at 2000: the timing change relists at once
  await clock.advance(25_000);
  assert.deepEqual(relists, [0, 1000, 2000, 12_000, 22_000]);
  cues.fail(new Error("UNAVAILABLE"));
  await flush();
  await clock.advance(0);
  assert.deepEqual(relists.at(-1), 27_000, "a failed stream relists at once");
  await clock.advance(1000); // 28,000: the base period again, and the stream followed again
  assert.equal(cues.streams(), 2);
  assert.deepEqual(relists.slice(5), [27_000, 28_000]);
  ac.abort();
  await Promise.all(loops);
});
