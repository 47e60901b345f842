import assert from "node:assert/strict";
import { PodStartGate, type PodStartRamp } from "../../src/kuberuntime/pod_start_gate.ts";
import { FakeClock } from "../../src/util/clock.ts";

/** Lets granted acquires settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

Deno.test("PodStartGate lets `limit` starts through and the next ones in call order", async () => {
  const gate = new PodStartGate(2, { clock: new FakeClock(), ramp: "none" });
  const order: string[] = [];
  const take = (name: string) =>
    gate.acquire().then((lease) => (order.push(name), lease.sandboxCreated));
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
  const gate = new PodStartGate(1, { clock, maxHoldMs: 1_000, ramp: "none" });
  await gate.acquire(); // never released: a start stuck on a hook or a pull
  let granted = false;
  const next = gate.acquire().then((lease) => (granted = true, lease));
  clock.step(999);
  await settle();
  assert.equal(granted, false);
  clock.step(1);
  await settle();
  assert.equal(granted, true);
  (await next).sandboxCreated();
});

Deno.test("PodStartGate rejects a waiting acquire whose signal aborts, and forgets it", async () => {
  const gate = new PodStartGate(1, { clock: new FakeClock(), ramp: "none" });
  const lease = await gate.acquire();
  const abort = new AbortController();
  const waiting = gate.acquire(abort.signal);
  abort.abort(new Error("pod forgotten"));
  await assert.rejects(waiting, /pod forgotten/);
  assert.equal(gate.waiting, 0);
  lease.sandboxCreated();
  assert.equal(gate.active, 0);
});

Deno.test("PodStartGate with limit 0 and ramp none lets every start through, with no timer", async () => {
  const clock = new FakeClock();
  const gate = new PodStartGate(0, { clock, ramp: "none" });
  const leases = await Promise.all(Array.from({ length: 50 }, () => gate.acquire()));
  assert.equal(gate.active, 50);
  assert.equal(gate.starting, 0);
  assert.equal(clock.pendingTimers, 0);
  for (const l of leases) l.finished();
  assert.equal(gate.active, 0);
});

Deno.test("new PodStartGate() rejects a negative limit in one line", () => {
  assert.throws(
    () => new PodStartGate(-1, { clock: new FakeClock() }),
    new RangeError("Cannot create pod start gate: limit -1 must be >= 0"),
  );
  assert.throws(
    () => new PodStartGate(0, { clock: new FakeClock(), ramp: "fast" as PodStartRamp }),
    new RangeError(
      'Cannot create pod start gate: ramp "fast" must be one of firstAlone, doubling, none',
    ),
  );
});

/** `n` acquires in call order; `granted` lists the indexes let through so far. */
function burst(gate: PodStartGate, n: number) {
  const granted: number[] = [];
  const leases = Array.from({ length: n }, (_, i) =>
    gate.acquire().then((lease) => {
      granted.push(i);
      return lease;
    }));
  return { granted, leases };
}

Deno.test("PodStartGate ramp firstAlone lets the lead start alone (sandbox and containers), then every waiting start", async () => {
  const gate = new PodStartGate(0, { clock: new FakeClock() });
  assert.equal(gate.ramp, "firstAlone", "the default");
  const { granted, leases } = burst(gate, 6);
  await settle();
  assert.deepEqual(granted, [0]);
  const lead = await leases[0];
  lead.sandboxCreated();
  await settle();
  assert.deepEqual(granted, [0], "the lead's containers are still starting");
  lead.finished();
  await settle();
  assert.deepEqual(granted, [0, 1, 2, 3, 4, 5]);
  // The ramp stays open while starts are under way...
  const late = burst(gate, 1);
  await settle();
  assert.deepEqual(late.granted, [0]);
  for (const l of [...leases.slice(1), late.leases[0]]) (await l).finished();
  assert.equal(gate.starting, 0);
  // ...and closes once the gate is idle: the next arrival is a lead again.
  const next = burst(gate, 2);
  await settle();
  assert.deepEqual(next.granted, [0]);
  (await next.leases[0]).finished();
  (await next.leases[1]).finished();
});

Deno.test("PodStartGate ramp doubling lets one more start through per finished start", async () => {
  const gate = new PodStartGate(0, { clock: new FakeClock(), ramp: "doubling" });
  const { granted, leases } = burst(gate, 8);
  await settle();
  assert.deepEqual(granted, [0]);
  (await leases[0]).finished();
  await settle();
  assert.deepEqual(granted, [0, 1, 2], "window 2");
  (await leases[1]).finished();
  await settle();
  assert.deepEqual(granted, [0, 1, 2, 3, 4], "window 3, one still starting");
  (await leases[2]).finished();
  await settle();
  assert.deepEqual(granted, [0, 1, 2, 3, 4, 5, 6], "window 4");
  for (const l of leases.slice(3)) (await l).finished();
  await settle();
  assert.deepEqual(granted, [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("PodStartGate ramp counts a lead held longer than maxHoldMs as finished", async () => {
  const clock = new FakeClock();
  const gate = new PodStartGate(0, { clock, maxHoldMs: 1_000 });
  const { granted, leases } = burst(gate, 3);
  await settle();
  const lead = await leases[0]; // a start stuck in a slow pull: never finished
  clock.step(999);
  await settle();
  assert.deepEqual(granted, [0]);
  clock.step(1);
  await settle();
  assert.deepEqual(granted, [0, 1, 2]);
  lead.finished(); // late: frees nothing more
  assert.equal(gate.starting, 2);
  for (const l of leases.slice(1)) (await l).finished();
  assert.equal(gate.starting, 0);
});

Deno.test("PodStartGate with a limit and the ramp: the lead alone, then `limit` sandbox creations at once", async () => {
  const gate = new PodStartGate(2, { clock: new FakeClock() });
  const { granted, leases } = burst(gate, 5);
  await settle();
  (await leases[0]).finished();
  await settle();
  assert.deepEqual(granted, [0, 1, 2]);
  (await leases[1]).sandboxCreated();
  await settle();
  assert.deepEqual(granted, [0, 1, 2, 3], "a creation slot freed while its containers start");
  for (const l of leases.slice(1)) (await l).finished();
  await settle();
  assert.deepEqual(granted, [0, 1, 2, 3, 4]);
});
