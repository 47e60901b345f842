import assert from "node:assert/strict";
import { formatGoDuration } from "../../src/util/go_duration.ts";

Deno.test("formatGoDuration() prints milliseconds as Go's Duration.String does", async (t) => {
  for (
    const [ms, want] of [
      [0, "0s"],
      [250, "250ms"],
      [1000, "1s"],
      [1500, "1.5s"],
      [80_000, "1m20s"],
      [300_000, "5m0s"],
      [601_500, "10m1.5s"],
      [3_600_000, "1h0m0s"],
      [5_430_250, "1h30m30.25s"],
      [0.5, "500µs"],
      [0.0005, "500ns"],
      [1.25, "1.25ms"],
      [1234.5678, "1.2345678s"],
      [-1500, "-1.5s"],
      [Infinity, "Infinity"],
    ] as const
  ) {
    await t.step(`${ms} ms`, () => assert.equal(formatGoDuration(ms), want));
  }
});
