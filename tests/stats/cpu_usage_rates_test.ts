import assert from "node:assert/strict";
import { CpuUsageRates } from "../../src/stats/cpu_usage_rates.ts";

const T0 = 1_700_000_000_000;

Deno.test("CpuUsageRates.update() has no rate for the first sample of a key", () => {
  const rates = new CpuUsageRates();
  assert.equal(rates.update("c1", { timestamp: T0, usageCoreNanoSeconds: 5e9 }), undefined);
  assert.equal(rates.peek("c1"), undefined);
});

Deno.test("CpuUsageRates.update() gives the counter's rate in nanocores between two samples", () => {
  const rates = new CpuUsageRates();
  rates.update("c1", { timestamp: T0, usageCoreNanoSeconds: 1e9 });
  // 2.5 core-seconds in 10 s: a quarter of a core.
  assert.equal(rates.update("c1", { timestamp: T0 + 10_000, usageCoreNanoSeconds: 3.5e9 }), 250e6);
  assert.equal(rates.peek("c1"), 250e6);
  // The next window starts at the second sample.
  assert.equal(rates.update("c1", { timestamp: T0 + 20_000, usageCoreNanoSeconds: 23.5e9 }), 2e9);
});

Deno.test("CpuUsageRates.update() keeps the earlier window for a sample closer than minWindowMs", () => {
  const rates = new CpuUsageRates({ minWindowMs: 1000 });
  rates.update("c1", { timestamp: T0, usageCoreNanoSeconds: 0 });
  assert.equal(rates.update("c1", { timestamp: T0 + 10_000, usageCoreNanoSeconds: 10e9 }), 1e9);
  // 100 ms later with a burst: the kept rate, and the kept sample stays.
  assert.equal(rates.update("c1", { timestamp: T0 + 10_100, usageCoreNanoSeconds: 10.2e9 }), 1e9);
  assert.equal(rates.update("c1", { timestamp: T0 + 10_000, usageCoreNanoSeconds: 10e9 }), 1e9);
  assert.equal(rates.update("c1", { timestamp: T0 + 20_000, usageCoreNanoSeconds: 15e9 }), 500e6);
});

Deno.test("CpuUsageRates.update() starts over when the counter goes backwards", () => {
  const rates = new CpuUsageRates();
  rates.update("c1", { timestamp: T0, usageCoreNanoSeconds: 50e9 });
  assert.equal(
    rates.update("c1", { timestamp: T0 + 10_000, usageCoreNanoSeconds: 1e9 }),
    undefined,
  );
  assert.equal(rates.update("c1", { timestamp: T0 + 20_000, usageCoreNanoSeconds: 2e9 }), 100e6);
});

Deno.test("CpuUsageRates keeps one record per key and prune() drops the stale ones", () => {
  const rates = new CpuUsageRates({ maxAgeMs: 60_000 });
  rates.update("old", { timestamp: T0, usageCoreNanoSeconds: 0 });
  rates.update("new", { timestamp: T0 + 50_000, usageCoreNanoSeconds: 0 });
  assert.equal(rates.size, 2);
  rates.prune(T0 + 70_000);
  assert.equal(rates.size, 1);
  assert.equal(
    rates.update("old", { timestamp: T0 + 80_000, usageCoreNanoSeconds: 1e9 }),
    undefined,
  );
});
