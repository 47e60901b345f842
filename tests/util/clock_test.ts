import assert from "node:assert/strict";
import { FakeClock, MAX_TIMER_MS, RealClock } from "../../src/util/clock.ts";
import { VirtualTimers } from "./_virtual_timers.ts";

Deno.test("FakeClock.step() fires due timers in time order and moves now()", () => {
  const clock = new FakeClock(1000);
  const fired: string[] = [];
  clock.after(30, () => fired.push(`b@${clock.now()}`));
  clock.after(10, () => fired.push(`a@${clock.now()}`));
  clock.after(30, () => fired.push(`c@${clock.now()}`));
  clock.step(20);
  assert.deepEqual(fired, ["a@1010"]);
  assert.equal(clock.now(), 1020);
  clock.step(10);
  assert.deepEqual(fired, ["a@1010", "b@1030", "c@1030"]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("FakeClock.after() returns a cancel that stops the timer", () => {
  const clock = new FakeClock(0);
  let fired = false;
  const cancel = clock.after(5, () => fired = true);
  cancel();
  clock.step(10);
  assert.equal(fired, false);
});

Deno.test("FakeClock.advance() lets a sleeping loop run every period", async () => {
  const clock = new FakeClock(0);
  const ticks: number[] = [];
  const ac = new AbortController();
  const loop = (async () => {
    try {
      while (true) {
        await clock.sleep(100, ac.signal);
        ticks.push(clock.now());
      }
    } catch {
      // aborted
    }
  })();
  await clock.advance(350);
  assert.deepEqual(ticks, [100, 200, 300]);
  ac.abort();
  await loop;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("Clock.sleep() rejects when its signal aborts, and at once if already aborted", async () => {
  for (const clock of [new FakeClock(0), new RealClock()]) {
    const ac = new AbortController();
    const p = clock.sleep(60_000, ac.signal);
    ac.abort(new Error("stop"));
    await assert.rejects(p, /stop/);
    await assert.rejects(clock.sleep(1, ac.signal), /stop/);
  }
});

Deno.test("RealClock.after() waits out a delay above 2^31-1 ms in chained timeouts, never early", async () => {
  const timers = new VirtualTimers();
  const clock = new RealClock(timers);
  const day = 86_400_000;
  let firedAt: number | undefined;
  clock.after(60 * day, () => firedAt = timers.now);
  // Not one timeout longer than the runtime can hold (Deno makes it 1 ms).
  await timers.advance(59 * day);
  assert.equal(firedAt, undefined);
  assert.ok(timers.requested.every((ms) => ms <= MAX_TIMER_MS), String(timers.requested));
  await timers.advance(day);
  assert.equal(firedAt, 60 * day);
  assert.equal(timers.fired, 3); // 24.8 d + 24.8 d + 10.3 d
  assert.equal(timers.pending, 0);
});

Deno.test("RealClock.sleep() with a huge delay does not resolve early and cancels with its signal", async () => {
  const timers = new VirtualTimers();
  const clock = new RealClock(timers);
  const ac = new AbortController();
  let resolved = false;
  const sleeping = clock.sleep(1e15, ac.signal).then(() => resolved = true, () => "aborted");
  await timers.advance(365 * 86_400_000);
  assert.equal(resolved, false);
  ac.abort();
  assert.equal(await sleeping, "aborted");
  assert.equal(timers.pending, 0); // the chained timeout in flight was cleared
});

Deno.test("RealClock.after() treats NaN and negative delays as 0 and Infinity as never", async () => {
  const timers = new VirtualTimers();
  const clock = new RealClock(timers);
  const fired: string[] = [];
  clock.after(NaN, () => fired.push("nan"));
  clock.after(-5, () => fired.push("negative"));
  clock.after(Infinity, () => fired.push("infinity"));
  await timers.advance(1000 * 86_400_000, 100);
  assert.deepEqual(fired.sort(), ["nan", "negative"]);
  assert.deepEqual(timers.requested.slice(0, 2), [0, 0]);
  assert.ok(timers.requested.every((ms) => ms <= MAX_TIMER_MS));
});

Deno.test("FakeClock.after() fires a 2,200,000 s timer once, when due, and NaN/negative at once", () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  clock.after(2_200_000_000, () => fired.push(`long@${clock.now()}`));
  clock.after(NaN, () => fired.push(`nan@${clock.now()}`));
  clock.after(-1, () => fired.push(`negative@${clock.now()}`));
  clock.after(Infinity, () => fired.push("infinity"));
  clock.step(0);
  assert.deepEqual(fired, ["nan@0", "negative@0"]);
  clock.step(2_199_999_999);
  assert.equal(fired.length, 2);
  clock.step(1);
  assert.deepEqual(fired.slice(2), ["long@2200000000"]);
  assert.equal(clock.pendingTimers, 1); // only the Infinity timer, which never fires
});
