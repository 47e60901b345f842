import assert from "node:assert/strict";
import {
  DEFAULT_EVICTION_HARD,
  parseEvictionThresholds,
} from "../../src/nodestatus/eviction_thresholds.ts";
import type { MachineUsage } from "../../src/nodestatus/machine_info.ts";
import { PressureTracker, thresholdsMet } from "../../src/nodestatus/node_pressure.ts";
import { MACHINE, USAGE } from "./_fixtures.ts";

const DEFAULTS = parseEvictionThresholds(DEFAULT_EVICTION_HARD);
const GIB = 1024 ** 3;

function usage(patch: Partial<MachineUsage>): MachineUsage {
  return { ...USAGE, ...patch };
}

Deno.test("thresholdsMet(): the default thresholds on memory, nodefs bytes and inodes", async (t) => {
  await t.step("healthy", () => {
    assert.deepEqual(thresholdsMet(DEFAULTS, { machine: MACHINE, usage: USAGE }), {
      memory: false,
      disk: false,
      pid: false,
    });
  });
  await t.step("memory.available below 100Mi", () => {
    const met = thresholdsMet(DEFAULTS, {
      machine: MACHINE,
      usage: usage({ memoryAvailableBytes: 99 * 1024 * 1024 }),
    });
    assert.equal(met.memory, true);
  });
  await t.step("nodefs.available below 10%", () => {
    const rootFs = { ...USAGE.rootFs!, availableBytes: 10_240_000_000 }; // 10% but below float32 10%
    assert.equal(
      thresholdsMet(DEFAULTS, { machine: MACHINE, usage: usage({ rootFs }) }).disk,
      true,
    );
  });
  await t.step("nodefs.inodesFree below 5%", () => {
    const rootFs = { ...USAGE.rootFs!, inodesFree: 1000 };
    assert.equal(
      thresholdsMet(DEFAULTS, { machine: MACHINE, usage: usage({ rootFs }) }).disk,
      true,
    );
  });
  await t.step("imagefs.available below 15%, when the image filesystem is known", () => {
    const imageFs = {
      capacityBytes: 100 * GIB,
      availableBytes: 14 * GIB,
      inodes: 0,
      inodesFree: 0,
    };
    assert.equal(
      thresholdsMet(DEFAULTS, { machine: MACHINE, usage: USAGE, imageFs }).disk,
      true,
    );
  });
  await t.step("unreadable signals are not under pressure", () => {
    assert.deepEqual(thresholdsMet(DEFAULTS, { machine: MACHINE, usage: {} }), {
      memory: false,
      disk: false,
      pid: false,
    });
  });
});

Deno.test("thresholdsMet(): pid.available only when configured (the kubelet has no default)", () => {
  const crowded = usage({ pids: { max: 1000, running: 990 } });
  assert.equal(thresholdsMet(DEFAULTS, { machine: MACHINE, usage: crowded }).pid, false);
  const withPid = parseEvictionThresholds({ "pid.available": "5%" });
  assert.equal(thresholdsMet(withPid, { machine: MACHINE, usage: crowded }).pid, true);
});

Deno.test("PressureTracker holds a condition for the transition period after it was last met", () => {
  const tracker = new PressureTracker(DEFAULTS, { transitionPeriodMs: 300_000 });
  const low = { machine: MACHINE, usage: usage({ memoryAvailableBytes: 1024 }) };
  const fine = { machine: MACHINE, usage: USAGE };
  assert.equal(tracker.observe(fine, 0).memory, false);
  assert.equal(tracker.observe(low, 10_000).memory, true);
  assert.equal(tracker.observe(fine, 20_000).memory, true);
  assert.equal(tracker.observe(fine, 309_999).memory, true);
  assert.equal(tracker.observe(fine, 310_000).memory, false);
  const noPeriod = new PressureTracker(DEFAULTS, { transitionPeriodMs: 0 });
  assert.equal(noPeriod.observe(low, 0).memory, true);
  assert.equal(noPeriod.observe(fine, 1).memory, false);
});
