/**
 * Which container instance's log a `/containerLogs` request reads, decided
 * from the pod's v1 status as the kubelet decides it
 * (kubelet_pods.go validateContainerLogStatus): with `previous` the last
 * terminated instance (`lastState.terminated`); otherwise the running one,
 * else the terminated one, else the last terminated one. A container that
 * is waiting to start or has no status yet has no log to read; the message
 * says why.
 *
 * @module
 */

import type { ContainerStatus, PodStatus } from "kubernetes-types/core/v1.d.ts";

/** The outcome of {@linkcode validateContainerLogStatus}. */
export type ContainerLogTarget =
  | { ok: true; /** e.g. `containerd://0123…` */ containerId: string }
  | { ok: false; /** The kubelet's message (a 400). */ message: string };

function statusOf(status: PodStatus | undefined, name: string): ContainerStatus | undefined {
  for (
    const list of [
      status?.containerStatuses,
      status?.initContainerStatuses,
      status?.ephemeralContainerStatuses,
    ]
  ) {
    const found = list?.find((s) => s.name === name);
    if (found) return found;
  }
  return undefined;
}

/** The container id whose log to read, or the kubelet's message why there is none. */
export function validateContainerLogStatus(
  podName: string,
  podStatus: PodStatus | undefined,
  containerName: string,
  previous: boolean,
): ContainerLogTarget {
  const c = JSON.stringify(containerName);
  const p = JSON.stringify(podName);
  const fail = (message: string): ContainerLogTarget => ({ ok: false, message });
  const cs = statusOf(podStatus, containerName);
  if (!cs) return fail(`container ${c} in pod ${p} is not available`);
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  if (previous) {
    if (!last?.containerID) return fail(`previous terminated container ${c} in pod ${p} not found`);
    return { ok: true, containerId: last.containerID };
  }
  if (running) {
    if (!cs.containerID) {
      return fail(`container ${c} in pod ${p} is waiting to start - no logs yet`);
    }
    return { ok: true, containerId: cs.containerID };
  }
  if (terminated) {
    // When the next instance did not start, the terminated one may have no id.
    const id = terminated.containerID || last?.containerID;
    if (!id) return fail(`container ${c} in pod ${p} is terminated`);
    return { ok: true, containerId: id };
  }
  if (last) {
    if (!last.containerID) return fail(`container ${c} in pod ${p} is terminated`);
    return { ok: true, containerId: last.containerID };
  }
  if (waiting) {
    switch (waiting.reason) {
      case "ErrImagePull":
        return fail(`container ${c} in pod ${p} is waiting to start: image can't be pulled`);
      case "ImagePullBackOff":
        return fail(
          `container ${c} in pod ${p} is waiting to start: trying and failing to pull image`,
        );
      default:
        return fail(`container ${c} in pod ${p} is waiting to start: ${waiting.reason ?? ""}`);
    }
  }
  return fail(`container ${c} in pod ${p} is waiting to start - no logs yet`);
}

/** The runtime's id in a v1 container id (`containerd://abc` → `abc`). */
export function runtimeContainerId(containerId: string): string {
  const i = containerId.indexOf("://");
  return i < 0 ? containerId : containerId.slice(i + 3);
}
