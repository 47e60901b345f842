import assert from "node:assert/strict";
import { PodStartGate } from "../../src/kuberuntime/pod_start_gate.ts";
import { FakeClock } from "../../src/util/clock.ts";

/** Lets granted acquires settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

Deno.test("PodStartGate lets `limit` starts through and the next ones in call order", async () => {
  const gate = new PodStartGate(2, { clock: new FakeClock() });
  const order: string[] = [];
  const take = (name: string) => gate.acquire().then((release) => (order.push(name), release));
  const [a, b] = await Promise.all([take("a"), take("b")]);
  const c = take("c");
  const d = take("d");
  await settle();
  assert.deepEqual(order, ["a", "b"]);
  assert.equal(gate.waiting, 2);
  a();
  a(); // a second release frees nothing more
  await settle();
  assert.deepEqual(order, ["a", "b", "c"]);
  b();
  (await c)();
  (await d)();
  assert.deepEqual(order, ["a", "b", "c", "d"]);
  assert.equal(gate.active, 0);
});

Deno.test("PodStartGate frees a slot held longer than maxHoldMs", async () => {
  const clock = new FakeClock();
  const gate = new PodStartGate(1, { clock, maxHoldMs: 1_000 });
  await gate.acquire(); // never released: a start stuck on a hook or a pull
  let granted = false;
  const next = gate.acquire().then((release) => (granted = true, release));
  clock.step(999);
  await settle();
  assert.equal(granted, false);
  clock.step(1);
  await settle();
  assert.equal(granted, true);
  (await next)();
});

Deno.test("PodStartGate rejects a waiting acquire whose signal aborts, and forgets it", async () => {
  const gate = new PodStartGate(1, { clock: new FakeClock() });
  const release = await gate.acquire();
  const abort = new AbortController();
  const waiting = gate.acquire(abort.signal);
  abort.abort(new Error("pod forgotten"));
  await assert.rejects(waiting, /pod forgotten/);
  assert.equal(gate.waiting, 0);
  release();
  assert.equal(gate.active, 0);
});

Deno.test("PodStartGate with limit 0 lets every start through, with no timer", async () => {
  const clock = new FakeClock();
  const gate = new PodStartGate(0, { clock });
  const releases = await Promise.all(Array.from({ length: 50 }, () => gate.acquire()));
  assert.equal(gate.active, 50);
  assert.equal(clock.pendingTimers, 0);
  for (const r of releases) r();
});

Deno.test("new PodStartGate() rejects a negative limit in one line", () => {
  assert.throws(
    () => new PodStartGate(-1, { clock: new FakeClock() }),
    new RangeError("Cannot create pod start gate: limit -1 must be >= 0"),
  );
});
