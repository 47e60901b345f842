import assert from "node:assert/strict";
import { DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS, timeoutFor } from "../../src/cri/timeout_for.ts";
import type { CriMethod } from "../../src/cri/types.ts";

Deno.test("timeoutFor() gives each RPC the kubelet's deadline", async (t) => {
  const base = 1000;
  const cases: [CriMethod, number | undefined, number | null][] = [
    ["Version", undefined, base],
    ["ListContainers", undefined, base],
    ["ContainerStatus", undefined, base],
    ["Status", undefined, base],
    ["ImageStatus", undefined, base],
    ["RemoveImage", undefined, base],
    ["ImageFsInfo", undefined, base],
    ["RunPodSandbox", undefined, 2 * base],
    ["StopContainer", 30, base + 30_000],
    ["StopContainer", 0, base],
    ["ExecSync", 5, base + 5000],
    ["ExecSync", 0, null],
    ["ExecSync", undefined, null],
    ["CheckpointContainer", 0, base],
    ["CheckpointContainer", 10, 10_000],
    ["CheckpointContainer", 0.5, base],
    ["PullImage", undefined, null],
    ["GetContainerEvents", undefined, null],
  ];
  for (const [method, timeout, expected] of cases) {
    await t.step(`${method} timeout=${timeout} -> ${expected}`, () => {
      assert.equal(timeoutFor(method, { timeout }, { runtimeRequestTimeoutMs: base }), expected);
    });
  }
});

Deno.test("timeoutFor() defaults to the 2 minute runtime request timeout", () => {
  assert.equal(DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS, 120_000);
  assert.equal(timeoutFor("ListPodSandbox"), 120_000);
  assert.equal(timeoutFor("RunPodSandbox"), 240_000);
});

Deno.test("timeoutFor() refuses negative or non-finite values", () => {
  assert.throws(() => timeoutFor("Version", {}, { runtimeRequestTimeoutMs: 0 }), RangeError);
  assert.throws(() => timeoutFor("Version", {}, { runtimeRequestTimeoutMs: NaN }), RangeError);
  assert.throws(() => timeoutFor("StopContainer", { timeout: -1 }), RangeError);
  assert.throws(() => timeoutFor("ExecSync", { timeout: Infinity }), RangeError);
});
