import assert from "node:assert/strict";
import {
  DEFAULT_EVICTION_HARD,
  parseEvictionThresholds,
  thresholdAmount,
} from "../../src/nodestatus/eviction_thresholds.ts";

Deno.test("parseEvictionThresholds() reads quantities and percentages (float32, like the kubelet)", () => {
  const [mem, fs, ignored] = [
    ...parseEvictionThresholds({
      "memory.available": "100Mi",
      "nodefs.available": "10%",
      "imagefs.available": "0%",
    }),
    undefined,
  ];
  assert.equal(mem?.signal, "memory.available");
  assert.equal(mem?.quantity?.value(), 104857600n);
  assert.equal(fs?.signal, "nodefs.available");
  assert.equal(fs?.percentage, 0.10000000149011612); // float32(10)/100, not 0.1
  assert.equal(ignored, undefined); // 0% is ignored
});

Deno.test("thresholdAmount() is the quantity, or the percentage of the capacity truncated", () => {
  const [mem, fs] = parseEvictionThresholds({
    "memory.available": "1Gi",
    "nodefs.available": "10%",
  });
  assert.equal(thresholdAmount(mem, 123), 1073741824n);
  // int64(float64(102400000000) * float64(float32(0.1))): 152 bytes more than 10%
  assert.equal(thresholdAmount(fs, 102_400_000_000), 10_240_000_152n);
});

Deno.test("parseEvictionThresholds() rejects bad entries with one line naming them", async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ "memory.free": "1Gi" }, /evictionHard 'memory.free: 1Gi': unsupported eviction signal/],
    [{ "nodefs.available": "120%" }, /'nodefs.available: 120%': must be between 0% and 100%/],
    [{ "nodefs.available": "x%" }, /'nodefs.available: x%': not a percentage/],
    [{ "memory.available": "0" }, /'memory.available: 0': must be positive/],
    [{ "memory.available": "lots" }, /'memory.available: lots': Cannot parse quantity/],
  ];
  for (const [input, message] of cases) {
    await t.step(JSON.stringify(input), () => {
      assert.throws(() => parseEvictionThresholds(input), (e: unknown) => {
        assert.ok(e instanceof RangeError);
        assert.match(e.message, message);
        assert.equal(e.message.includes("\n"), false);
        return true;
      });
    });
  }
});

Deno.test("DEFAULT_EVICTION_HARD is the kubelet's Linux default and parses", () => {
  assert.deepEqual(DEFAULT_EVICTION_HARD, {
    "memory.available": "100Mi",
    "nodefs.available": "10%",
    "nodefs.inodesFree": "5%",
    "imagefs.available": "15%",
    "imagefs.inodesFree": "5%",
  });
  assert.equal(parseEvictionThresholds(DEFAULT_EVICTION_HARD).length, 5);
});
