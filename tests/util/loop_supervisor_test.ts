import assert from "node:assert/strict";
import { LoopSupervisor } from "../../src/util/loop_supervisor.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";

function setup() {
  const clock = new FakeClock();
  const logger = createMemoryLogger();
  const outer = new AbortController();
  const supervisor = new LoopSupervisor({ clock, logger, signal: outer.signal, graceMs: 5_000 });
  return { clock, logger, outer, supervisor };
}

/** A loop that runs until its signal aborts. */
function forever(clock: FakeClock) {
  return async (signal: AbortSignal) => {
    try {
      await clock.sleep(3_600_000, signal);
    } catch { /* stopped */ }
  };
}

Deno.test("LoopSupervisor stops every loop at the first failure and reports it for exit 1 and healthz", async () => {
  const { clock, logger, supervisor } = setup();
  let stoppedBy: unknown;
  supervisor.start("kubelet", async (signal) => {
    await forever(clock)(signal);
    stoppedBy = signal.reason;
  });
  assert.equal(supervisor.healthCheck(), undefined, "healthy while every loop runs");
  supervisor.start("healthz", () => Promise.reject(new Error("Address already in use")));
  const run = await supervisor.wait();
  assert.equal(run.failure?.name, "healthz");
  assert.deepEqual(run.stragglers, []);
  assert.match(String(stoppedBy), /loop healthz failed/);
  assert.equal(supervisor.healthCheck(), "loop healthz failed: Address already in use");
  const errors = logger.records.filter((r) => r.severity === "error");
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /The healthz loop failed; stopping denolet \(exit 1\)/);
});

Deno.test("LoopSupervisor counts a synchronous throw as a failure, and a loop returning by design as none", async () => {
  const { supervisor } = setup();
  supervisor.start("imageGC", () => Promise.resolve());
  await flush();
  assert.equal(supervisor.failure, undefined, "a loop that returns is not dead");
  assert.equal(supervisor.signal.aborted, false);
  supervisor.start("sources", () => {
    throw new TypeError("bad");
  });
  const run = await supervisor.wait();
  assert.equal(run.failure?.name, "sources");
});

Deno.test("LoopSupervisor on the outer stop waits the grace, names stragglers, and ignores errors while stopping", async () => {
  const { clock, logger, outer, supervisor } = setup();
  supervisor.start("pleg", forever(clock));
  supervisor.start("stuck", () => new Promise(() => {}));
  supervisor.start(
    "noisy",
    (signal) =>
      new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(new Error("aborted")))
      ),
  );
  const waiting = supervisor.wait();
  outer.abort(new Error("SIGTERM"));
  await flush();
  await clock.advance(5_000);
  const run = await waiting;
  assert.equal(run.failure, undefined, "an error after the stop is not a failure");
  assert.deepEqual(run.stragglers, ["stuck"]);
  assert.ok(logger.records.some((r) => r.message === "Stopping without waiting longer for"));
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("LoopSupervisor.start() refuses a second loop of one name", () => {
  const { supervisor, outer } = setup();
  supervisor.start("a", () => Promise.resolve());
  assert.throws(
    () => supervisor.start("a", () => Promise.resolve()),
    /Cannot start loop 'a' twice/,
  );
  outer.abort();
});
