import assert from "node:assert/strict";
import { startFakeRuntime } from "../../src/cri/fake/mod.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import {
  clampTimeoutMs,
  deadlineAfter,
  DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS,
  MAX_CRI_TIMEOUT_MS,
  timeoutFor,
} from "../../src/cri/timeout_for.ts";
import type { CriMethod } from "../../src/cri/types.ts";
import { FakeClock, RealClock } from "../../src/util/clock.ts";
import { tempSocketDir } from "./_test_server.ts";

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

Deno.test("timeoutFor() refuses a default that is not positive and a negative or NaN timeout", () => {
  assert.throws(() => timeoutFor("Version", {}, { runtimeRequestTimeoutMs: 0 }), RangeError);
  assert.throws(() => timeoutFor("Version", {}, { runtimeRequestTimeoutMs: NaN }), RangeError);
  assert.throws(() => timeoutFor("StopContainer", { timeout: -1 }), RangeError);
  assert.throws(() => timeoutFor("ExecSync", { timeout: NaN }), RangeError);
});

Deno.test("timeoutFor() clamps a huge grace period or default to the longest limit", async (t) => {
  const cases: [string, CriMethod, number | undefined, number | undefined][] = [
    ["grace 1e15 s (a valid int64)", "StopContainer", 1e15, undefined],
    ["grace 30 days", "StopContainer", 30 * 86_400, undefined],
    ["infinite exec timeout", "ExecSync", Infinity, undefined],
    ["huge checkpoint timeout", "CheckpointContainer", 1e12, undefined],
    ["huge --runtime-request-timeout", "Version", undefined, 1e18],
    ["huge default, doubled", "RunPodSandbox", undefined, Infinity],
  ];
  for (const [name, method, timeout, base] of cases) {
    await t.step(name, () => {
      const ms = timeoutFor(method, { timeout }, { runtimeRequestTimeoutMs: base });
      assert.equal(ms, MAX_CRI_TIMEOUT_MS);
    });
  }
  assert.equal(MAX_CRI_TIMEOUT_MS, 2 ** 31 - 1);
});

Deno.test("clampTimeoutMs() keeps limits within 0..2^31-1 ms", () => {
  assert.equal(clampTimeoutMs(1500), 1500);
  assert.equal(clampTimeoutMs(2 ** 31 - 1), 2 ** 31 - 1);
  assert.equal(clampTimeoutMs(2 ** 31), 2 ** 31 - 1);
  assert.equal(clampTimeoutMs(1e18), 2 ** 31 - 1);
  assert.equal(clampTimeoutMs(Infinity), 2 ** 31 - 1);
  assert.equal(clampTimeoutMs(-5), 0);
  assert.equal(clampTimeoutMs(NaN), 0);
});

Deno.test("deadlineAfter() always gives a valid Date no later than now + 2^31-1 ms", () => {
  const now = 1_700_000_000_000;
  assert.equal(deadlineAfter(1000, now).getTime(), now + 1000);
  // now + 1e18 ms is past the largest Date (8.64e15 ms): an Invalid Date before the clamp.
  assert.equal(deadlineAfter(1e18, now).getTime(), now + 2 ** 31 - 1);
  assert.equal(deadlineAfter(NaN, now).getTime(), now);
  assert.equal(deadlineAfter(-1, now).getTime(), now);
});

Deno.test("StopContainer with a grace period of 1e15 s goes through grpc-js to the fake runtime", async () => {
  await using dir = await tempSocketDir();
  const fake = await startFakeRuntime({
    socketPath: dir.path("fake.sock"),
    clock: new FakeClock(),
    images: ["busybox:1.36"],
  });
  const runtime = new RemoteRuntimeService(fake.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 5000,
  });
  try {
    const podSandboxId = await runtime.runPodSandbox({
      metadata: { name: "web", namespace: "default", uid: "uid-web", attempt: 0 },
      logDirectory: dir.path("logs/default_web_uid-web"), // the fake writes container logs there
    });
    const sandboxConfig = {
      metadata: { name: "web", namespace: "default", uid: "uid-web", attempt: 0 },
    };
    const containerId = await runtime.createContainer({
      podSandboxId,
      config: {
        metadata: { name: "app", attempt: 0 },
        image: { image: "busybox:1.36" },
        logPath: "app/0.log",
      },
      sandboxConfig,
    });
    await runtime.startContainer(containerId);
    // Before the clamp grpc-js threw "Deadline is too far in the future".
    await runtime.stopContainer(containerId, 1e15);
    const stop = fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
    assert.equal(Number(stop[0].timeout), 1e15); // the runtime still gets the grace asked for
    const status = await runtime.containerStatus(containerId);
    assert.equal(status.status.state, "CONTAINER_EXITED");
  } finally {
    runtime.close();
    await fake.stop();
  }
});
