import assert from "node:assert/strict";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { LoopWaker, runEvery } from "../../src/util/run_every.ts";

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

Deno.test("runEvery() asks a periodMs function before each wait, so the period may change", async () => {
  const clock = new FakeClock(0);
  const ac = new AbortController();
  const seen: number[] = [];
  let period = 100;
  const loop = runEvery((now) => {
    seen.push(now);
    if (now === 100) period = 300;
  }, { clock, periodMs: () => period, signal: ac.signal });
  await clock.advance(800);
  assert.deepEqual(seen, [0, 100, 400, 700]);
  ac.abort();
  await loop;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("runEvery() with a LoopWaker: wake() ends a wait at once, and during a step skips the next wait", async (t) => {
  await t.step("during a wait", async () => {
    const clock = new FakeClock(0);
    const ac = new AbortController();
    const waker = new LoopWaker();
    const seen: number[] = [];
    const loop = runEvery((now) => seen.push(now), {
      clock,
      periodMs: 1000,
      signal: ac.signal,
      waker,
    });
    await clock.advance(300);
    waker.wake();
    await flush();
    assert.deepEqual(seen, [0, 300], "the woken step runs at once");
    await clock.advance(999);
    assert.deepEqual(seen, [0, 300], "the period counts from the woken step");
    await clock.advance(1);
    assert.deepEqual(seen, [0, 300, 1300]);
    ac.abort();
    await loop;
    assert.equal(clock.pendingTimers, 0);
  });
  await t.step("during a step", async () => {
    const clock = new FakeClock(0);
    const ac = new AbortController();
    const waker = new LoopWaker();
    const seen: number[] = [];
    const loop = runEvery((now) => {
      seen.push(now);
      if (seen.length === 1) waker.wake();
    }, { clock, periodMs: 1000, signal: ac.signal, waker });
    await flush();
    assert.deepEqual(seen, [0, 0], "the wake during the first step skipped one wait");
    await clock.advance(1000);
    assert.deepEqual(seen, [0, 0, 1000], "and only one");
    ac.abort();
    await loop;
  });
  await t.step("a wake before a step starts is served by that step", async () => {
    const clock = new FakeClock(0);
    const ac = new AbortController();
    const waker = new LoopWaker();
    waker.wake();
    const seen: number[] = [];
    const loop = runEvery((now) => seen.push(now), {
      clock,
      periodMs: 1000,
      signal: ac.signal,
      waker,
    });
    await flush();
    assert.deepEqual(seen, [0]);
    ac.abort();
    await loop;
    assert.equal(clock.pendingTimers, 0);
  });
});

Deno.test("runEvery() ends when the signal aborts during a step or a wait, leaving no timer", async () => {
  const clock = new FakeClock(0);
  const ac = new AbortController();
  const seen: number[] = [];
  const loop = runEvery((now) => {
    seen.push(now);
    if (now === 200) ac.abort();
  }, { clock, periodMs: 100, signal: ac.signal, waker: new LoopWaker() });
  await clock.advance(1000);
  await loop;
  assert.deepEqual(seen, [0, 100, 200]);
  assert.equal(clock.pendingTimers, 0);
});
