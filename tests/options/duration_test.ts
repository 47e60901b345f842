import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../src/options/duration.ts";

Deno.test("parseDuration() reads Go duration syntax as milliseconds", async (t) => {
  const cases: [string, number][] = [
    ["0", 0],
    ["0s", 0],
    ["500ms", 500],
    ["20s", 20_000],
    ["2.5s", 2_500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1h2m3s", 3_723_000],
    ["1.5h", 5_400_000],
    [".5s", 500],
    ["100us", 0.1],
    ["100µs", 0.1],
    ["1000000ns", 1],
    ["-1s", -1_000],
    ["+2m", 120_000],
  ];
  for (const [text, ms] of cases) {
    await t.step(`${text} → ${ms}`, () => assert.equal(parseDuration(text), ms));
  }
});

Deno.test("parseDuration() rejects text that is not a Go duration", async (t) => {
  for (const text of ["", "10", "90x", "1m30", "s", "1 s", "1d", "-", "1.2.3s", "abc"]) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseDuration(text), TypeError);
    });
  }
});

Deno.test("formatDuration() writes milliseconds like Go's Duration.String", async (t) => {
  const cases: [number, string][] = [
    [0, "0s"],
    [500, "500ms"],
    [1.5, "1.5ms"],
    [0.0015, "1.5µs"],
    [0.000001, "1ns"],
    [1_000, "1s"],
    [2_500, "2.5s"],
    [20_000, "20s"],
    [60_000, "1m0s"],
    [90_000, "1m30s"],
    [120_000, "2m0s"],
    [3_600_000, "1h0m0s"],
    [3_723_500, "1h2m3.5s"],
    [-1_000, "-1s"],
  ];
  for (const [ms, text] of cases) {
    await t.step(`${ms} → ${text}`, () => assert.equal(formatDuration(ms), text));
  }
});

Deno.test("formatDuration() output parses back to the same value", () => {
  for (const ms of [1, 999, 1_001, 61_000, 86_400_000, 0.25]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
});

Deno.test("formatDuration() rejects non-finite input", () => {
  assert.throws(() => formatDuration(Infinity), RangeError);
  assert.throws(() => formatDuration(NaN), RangeError);
});
