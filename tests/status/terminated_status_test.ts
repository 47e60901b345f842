import assert from "node:assert/strict";
import type { ContainerStatus, Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import { terminatedPodStatus } from "../../src/status/terminated_status.ts";
import { makePod, T0 } from "./_fixtures.ts";

const running = (name: string): ContainerStatus => ({
  name,
  image: "b",
  imageID: "",
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: "2026-11-23T12:00:01Z" } },
});
const exited = (name: string, exitCode: number): ContainerStatus => ({
  ...running(name),
  ready: false,
  started: false,
  state: { terminated: { exitCode, reason: exitCode ? "Error" : "Completed" } },
});
const runningStatus = (containers: ContainerStatus[]): PodStatus => ({
  phase: "Running",
  conditions: [
    { type: "Ready", status: "True", lastTransitionTime: "2026-11-23T12:00:02Z" },
    { type: "ContainersReady", status: "True", lastTransitionTime: "2026-11-23T12:00:02Z" },
    { type: "PodScheduled", status: "True", lastTransitionTime: "2026-11-23T11:59:00Z" },
  ],
  containerStatuses: containers,
});
const pod = (): Pod => makePod([{ name: "a", image: "b" }, { name: "b", image: "b" }]);
const cond = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type);

Deno.test("terminatedPodStatus() gives a stopped pod a terminal phase", async (t) => {
  await t.step("Succeeded when every container exited 0", () => {
    const s = terminatedPodStatus(pod(), runningStatus([exited("a", 0), exited("b", 0)]), T0);
    assert.equal(s.phase, "Succeeded");
    assert.equal(cond(s, "Ready")?.status, "False");
    assert.equal(cond(s, "Ready")?.reason, "PodCompleted");
  });
  await t.step("Failed when one exited otherwise", () => {
    const s = terminatedPodStatus(pod(), runningStatus([exited("a", 0), exited("b", 137)]), T0);
    assert.equal(s.phase, "Failed");
    assert.equal(cond(s, "ContainersReady")?.reason, "PodFailed");
    assert.equal(cond(s, "Ready")?.lastTransitionTime, "2026-11-23T12:00:00Z", "changed now");
    assert.equal(cond(s, "PodScheduled")?.lastTransitionTime, "2026-11-23T11:59:00Z");
  });
});

Deno.test("terminatedPodStatus() terminates containers the runtime no longer shows as unknown, 137", () => {
  const before = runningStatus([exited("a", 0), running("b")]);
  const s = terminatedPodStatus(pod(), before, T0);
  const b = s.containerStatuses?.find((c) => c.name === "b");
  assert.deepEqual(b?.state?.terminated, {
    reason: "ContainerStatusUnknown",
    message: "The container could not be located when the pod was terminated",
    exitCode: 137,
  });
  assert.equal(b?.ready, false);
  assert.equal(s.phase, "Failed", "nothing is reported successful that may not have been");
  assert.equal(before.containerStatuses?.[1].state?.running !== undefined, true, "input untouched");
});

Deno.test("terminatedPodStatus() keeps a terminal phase and a static pod's phase", () => {
  const failed = { ...runningStatus([exited("a", 0), exited("b", 0)]), phase: "Failed" };
  assert.equal(terminatedPodStatus(pod(), failed, T0).phase, "Failed");
  const staticPod = pod();
  staticPod.metadata!.annotations = { "kubernetes.io/config.source": "file" };
  const s = terminatedPodStatus(staticPod, runningStatus([exited("a", 0), exited("b", 1)]), T0);
  assert.equal(s.phase, "Running");
});
