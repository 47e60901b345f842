import assert from "node:assert/strict";
import { FakeClock, RealClock } from "../../src/util/clock.ts";

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
