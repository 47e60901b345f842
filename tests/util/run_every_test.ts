import assert from "node:assert/strict";
import { FakeClock } from "../../src/util/clock.ts";
import { runEvery } from "../../src/util/run_every.ts";

Deno.test("runEvery() runs the step at once, then every period, and survives a throwing step", async () => {
  const clock = new FakeClock(0);
  const ac = new AbortController();
  const seen: number[] = [];
  const errors: unknown[] = [];
  const loop = runEvery((now) => {
    seen.push(now);
    if (now === 100) throw new Error("boom");
  }, { clock, periodMs: 100, signal: ac.signal, onError: (e) => errors.push(e) });
  await clock.advance(250);
  assert.deepEqual(seen, [0, 100, 200]);
  assert.equal(errors.length, 1);
  ac.abort();
  await loop;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("runEvery() with immediate false waits one period first", async () => {
  const clock = new FakeClock(0);
  const ac = new AbortController();
  const seen: number[] = [];
  const loop = runEvery((now) => seen.push(now), {
    clock,
    periodMs: 50,
    signal: ac.signal,
    immediate: false,
  });
  await clock.advance(120);
  assert.deepEqual(seen, [50, 100]);
  ac.abort();
  await loop;
});
