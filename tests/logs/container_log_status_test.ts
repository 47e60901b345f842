import assert from "node:assert/strict";
import type { ContainerStatus, PodStatus } from "kubernetes-types/core/v1.d.ts";
import {
  runtimeContainerId,
  validateContainerLogStatus,
} from "../../src/logs/container_log_status.ts";

function status(
  s: Partial<ContainerStatus>,
  where: keyof PodStatus = "containerStatuses",
): PodStatus {
  return {
    [where]: [{ name: "c", image: "busybox", imageID: "", ready: false, restartCount: 0, ...s }],
  };
}

const RUN2 = { running: { startedAt: "2026-12-01T00:00:00Z" } };
const EXIT1 = { terminated: { exitCode: 1, containerID: "containerd://one" } };

Deno.test("validateContainerLogStatus() picks the instance as the kubelet does", async (t) => {
  const cases: [string, PodStatus, boolean, string][] = [
    [
      "running",
      status({ state: RUN2, containerID: "containerd://two", lastState: EXIT1 }),
      false,
      "containerd://two",
    ],
    [
      "previous of a running one",
      status({ state: RUN2, containerID: "containerd://two", lastState: EXIT1 }),
      true,
      "containerd://one",
    ],
    [
      "terminated",
      status({ state: { terminated: { exitCode: 0, containerID: "containerd://t" } } }),
      false,
      "containerd://t",
    ],
    [
      "terminated without id falls back to the last one",
      status({ state: { terminated: { exitCode: 0 } }, lastState: EXIT1 }),
      false,
      "containerd://one",
    ],
    [
      "crash loop: waiting, the last terminated one",
      status({ state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: EXIT1 }),
      false,
      "containerd://one",
    ],
    [
      "crash loop with previous",
      status({ state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: EXIT1 }),
      true,
      "containerd://one",
    ],
    [
      "an init container",
      status({ state: RUN2, containerID: "containerd://init" }, "initContainerStatuses"),
      false,
      "containerd://init",
    ],
    [
      "an ephemeral container",
      status({ state: RUN2, containerID: "containerd://eph" }, "ephemeralContainerStatuses"),
      false,
      "containerd://eph",
    ],
  ];
  for (const [name, podStatus, previous, want] of cases) {
    await t.step(name, () => {
      assert.deepEqual(validateContainerLogStatus("web", podStatus, "c", previous), {
        ok: true,
        containerId: want,
      });
    });
  }
});

Deno.test("validateContainerLogStatus() says why there is no log, in the kubelet's words", async (t) => {
  const cases: [string, PodStatus | undefined, boolean, string][] = [
    ["no status", undefined, false, 'container "c" in pod "web" is not available'],
    [
      "no previous",
      status({ state: RUN2, containerID: "containerd://two" }),
      true,
      'previous terminated container "c" in pod "web" not found',
    ],
    [
      "image pull",
      status({ state: { waiting: { reason: "ErrImagePull" } } }),
      false,
      `container "c" in pod "web" is waiting to start: image can't be pulled`,
    ],
    [
      "pull back-off",
      status({ state: { waiting: { reason: "ImagePullBackOff" } } }),
      false,
      'container "c" in pod "web" is waiting to start: trying and failing to pull image',
    ],
    [
      "creating",
      status({ state: { waiting: { reason: "ContainerCreating" } } }),
      false,
      'container "c" in pod "web" is waiting to start: ContainerCreating',
    ],
    ["no state", status({}), false, 'container "c" in pod "web" is waiting to start - no logs yet'],
    [
      "terminated, no id anywhere",
      status({ state: { terminated: { exitCode: 0 } } }),
      false,
      'container "c" in pod "web" is terminated',
    ],
  ];
  for (const [name, podStatus, previous, message] of cases) {
    await t.step(name, () => {
      assert.deepEqual(validateContainerLogStatus("web", podStatus, "c", previous), {
        ok: false,
        message,
      });
    });
  }
});

Deno.test("runtimeContainerId() drops the runtime type", () => {
  assert.equal(runtimeContainerId("containerd://abc"), "abc");
  assert.equal(runtimeContainerId("abc"), "abc");
});
