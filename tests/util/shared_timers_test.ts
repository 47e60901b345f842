import assert from "node:assert/strict";
import { FakeClock, MAX_TIMER_MS } from "../../src/util/clock.ts";
import { SharedTimers } from "../../src/util/shared_timers.ts";

Deno.test("SharedTimers.after() shares one timer of the clock beneath per due time, firing each at its time in order", () => {
  const clock = new FakeClock(1000);
  const timers = new SharedTimers(clock);
  const fired: string[] = [];
  timers.after(30, () => fired.push(`a@${clock.now()}`));
  timers.after(10, () => fired.push(`b@${clock.now()}`));
  timers.after(30, () => fired.push(`c@${clock.now()}`));
  clock.step(5);
  timers.after(25, () => fired.push(`d@${clock.now()}`)); // due at 1030 too
  assert.equal(clock.pendingTimers, 2, "two due times, two timers beneath");
  assert.equal(timers.armedSlots, 2);
  clock.step(5);
  assert.deepEqual(fired, ["b@1010"]);
  clock.step(20);
  assert.deepEqual(fired, ["b@1010", "a@1030", "c@1030", "d@1030"]);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(timers.armedSlots, 0);
});

Deno.test("SharedTimers.after() cancel drops one timer; the last one cancelled cancels the timer beneath", () => {
  const clock = new FakeClock(0);
  const timers = new SharedTimers(clock);
  const fired: string[] = [];
  const cancelA = timers.after(10, () => fired.push("a"));
  const cancelB = timers.after(10, () => fired.push("b"));
  cancelA();
  cancelA(); // twice is harmless
  assert.equal(clock.pendingTimers, 1);
  clock.step(10);
  assert.deepEqual(fired, ["b"]);
  cancelB(); // after it fired: nothing
  const cancelC = timers.after(10, () => fired.push("c"));
  cancelC();
  assert.equal(clock.pendingTimers, 0, "an emptied slot leaves no timer beneath");
  clock.step(10);
  assert.deepEqual(fired, ["b"]);
});

Deno.test("SharedTimers.after() runs a slot's other timers when one throws, and leaves long delays to the clock beneath", async () => {
  const clock = new FakeClock(0);
  const timers = new SharedTimers(clock);
  const fired: string[] = [];
  const reported = new Promise<unknown>((resolve) => {
    const onError = (e: ErrorEvent) => {
      e.preventDefault();
      globalThis.removeEventListener("error", onError);
      resolve(e.error);
    };
    globalThis.addEventListener("error", onError);
  });
  timers.after(10, () => {
    throw new Error("boom");
  });
  timers.after(10, () => fired.push("after the throw"));
  timers.after(MAX_TIMER_MS + 1, () => fired.push("long"));
  timers.after(Infinity, () => fired.push("never"));
  assert.equal(timers.armedSlots, 1, "long and infinite delays are not shared");
  clock.step(10);
  assert.deepEqual(fired, ["after the throw"]);
  assert.equal((await reported as Error).message, "boom");
  clock.step(MAX_TIMER_MS);
  assert.deepEqual(fired, ["after the throw", "long"]);
});

Deno.test("SharedTimers.sleep() resolves on the shared timer and rejects when the signal aborts", async () => {
  const clock = new FakeClock(0);
  const timers = new SharedTimers(clock);
  const a = timers.sleep(10);
  const controller = new AbortController();
  const b = timers.sleep(10, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(b, /stop/);
  clock.step(10);
  await a;
  assert.equal(clock.pendingTimers, 0);
});
