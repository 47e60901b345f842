import assert from "node:assert/strict";
import type { RuntimeCondition, RuntimeStatus } from "../../src/container/runtime.ts";
import {
  ERR_NETWORK_UNKNOWN,
  formatAggregate,
  RuntimeState,
} from "../../src/kubelet/runtime_state.ts";
import { FakeClock } from "../../src/util/clock.ts";

function cond(type: string, status: boolean, reason = "", message = ""): RuntimeCondition {
  return { type, status, reason, message };
}

class FakeStatus {
  status_: RuntimeStatus = {
    conditions: [cond("RuntimeReady", true), cond("NetworkReady", true)],
  };
  error?: Error;
  calls = 0;
  status(): Promise<RuntimeStatus> {
    this.calls++;
    return this.error ? Promise.reject(this.error) : Promise.resolve(this.status_);
  }
}

Deno.test("RuntimeState.runtimeErrors() moves through never synced, synced and stale", async (t) => {
  const clock = new FakeClock();
  const fake = new FakeStatus();
  const state = new RuntimeState(fake, { clock });

  await t.step("never synced", () => {
    assert.deepEqual(state.runtimeErrors(clock.now()), [
      "container runtime status check may not have completed yet",
    ]);
    assert.deepEqual(state.networkErrors(), [ERR_NETWORK_UNKNOWN]);
  });
  await t.step("synced", async () => {
    assert.equal(await state.updateRuntimeUp(), true);
    assert.deepEqual(state.runtimeErrors(clock.now()), []);
    assert.deepEqual(state.networkErrors(), []);
    clock.step(29_999);
    assert.deepEqual(state.runtimeErrors(clock.now()), []);
  });
  await t.step("30 s without a good status is down", async () => {
    fake.error = new Error("connection refused");
    assert.equal(await state.updateRuntimeUp(), false);
    clock.step(1);
    assert.deepEqual(state.runtimeErrors(clock.now()), ["container runtime is down"]);
  });
  await t.step("recovers on the next good status", async () => {
    fake.error = undefined;
    await state.updateRuntimeUp();
    assert.deepEqual(state.runtimeErrors(clock.now()), []);
  });
});

Deno.test("RuntimeState reports RuntimeReady and NetworkReady false with the kubelet's wording", async () => {
  const clock = new FakeClock();
  const fake = new FakeStatus();
  const state = new RuntimeState(fake, { clock });
  fake.status_ = {
    conditions: [
      cond("RuntimeReady", false, "Broken", "shim died"),
      cond("NetworkReady", false, "NetworkPluginNotReady", "cni config uninitialized"),
    ],
  };
  assert.equal(await state.updateRuntimeUp(), false);
  assert.deepEqual(state.runtimeErrors(clock.now()), [
    "container runtime status check may not have completed yet",
    "container runtime not ready: RuntimeReady=false reason:Broken message:shim died",
  ]);
  assert.deepEqual(state.networkErrors(), [
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni config uninitialized",
  ]);
  fake.status_ = { conditions: [] };
  await state.updateRuntimeUp();
  assert.deepEqual(state.runtimeErrors(clock.now()).slice(1), [
    "container runtime not ready: <nil>",
  ]);
  assert.deepEqual(state.networkErrors(), ["container runtime network not ready: <nil>"]);
});

Deno.test("RuntimeState.addHealthCheck() reports an unhealthy PLEG", async () => {
  const clock = new FakeClock();
  const state = new RuntimeState(new FakeStatus(), { clock });
  let lastRelist = clock.now();
  state.addHealthCheck(
    "PLEG",
    (now) =>
      now - lastRelist > 180_000
        ? { ok: false, message: "pleg was last seen active 3m0.001s ago; threshold is 3m0s" }
        : { ok: true, message: "" },
  );
  await state.updateRuntimeUp();
  assert.deepEqual(state.runtimeErrors(clock.now()), []);
  clock.step(180_001);
  await state.updateRuntimeUp();
  assert.deepEqual(state.runtimeErrors(clock.now()), [
    "PLEG is not healthy: pleg was last seen active 3m0.001s ago; threshold is 3m0s",
  ]);
  lastRelist = clock.now();
  assert.deepEqual(state.runtimeErrors(clock.now()), []);
});

Deno.test("RuntimeState.updateRuntimeUp() runs onFirstReady once", async () => {
  const clock = new FakeClock();
  let inits = 0;
  const fake = new FakeStatus();
  fake.status_ = { conditions: [cond("RuntimeReady", false)] };
  const state = new RuntimeState(fake, { clock, onFirstReady: () => inits++ });
  await state.updateRuntimeUp();
  assert.equal(inits, 0);
  fake.status_ = { conditions: [cond("RuntimeReady", true), cond("NetworkReady", true)] };
  await state.updateRuntimeUp();
  await state.updateRuntimeUp();
  assert.equal(inits, 1);
  assert.equal(state.lastBaseRuntimeSync, clock.now());
});

Deno.test("RuntimeState.run() polls every 5 s until aborted", async () => {
  const clock = new FakeClock();
  const fake = new FakeStatus();
  const state = new RuntimeState(fake, { clock });
  const ac = new AbortController();
  const done = state.run(ac.signal);
  await clock.advance(0);
  assert.equal(fake.calls, 1);
  await clock.advance(5_000);
  assert.equal(fake.calls, 2);
  await clock.advance(10_000);
  assert.equal(fake.calls, 4);
  ac.abort();
  await done;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("formatAggregate() prints one error bare and several in brackets", () => {
  assert.equal(formatAggregate([]), "");
  assert.equal(formatAggregate(["a"]), "a");
  assert.equal(formatAggregate(["a", "b"]), "[a, b]");
});
