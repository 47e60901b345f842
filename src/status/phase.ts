/**
 * The pod phase as the kubelet computes it from its container statuses
 * (kubelet_pods.go getPhase). It depends only on the containers and the
 * restart policy, never on whether the agent runs standalone.
 *
 * @module
 */

import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.d.ts";
import { isRestartableInitContainer } from "../container/helpers.ts";

/** v1 pod phases. */
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

function byName(statuses: readonly ContainerStatus[], name: string): ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** Kubelet's HasAnyRegularContainerStarted: a regular container is running or terminated. */
export function hasAnyRegularContainerStarted(
  pod: Pod,
  statuses: readonly ContainerStatus[],
): boolean {
  const names = new Set((pod.spec?.containers ?? []).map((c) => c.name));
  return statuses.some((s) =>
    names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined)
  );
}

/**
 * The phase of a pod given the v1 statuses of its init and regular containers.
 * `podIsTerminal` says the pod worker will not restart anything any more; as in
 * the kubelet, static pods do not take a terminal phase from it.
 */
export function getPhase(
  pod: Pod,
  statuses: readonly ContainerStatus[],
  podIsTerminal = false,
  isStatic = false,
): PodPhase {
  const spec = pod.spec ?? { containers: [] };
  const restartPolicy = spec.restartPolicy ?? "Always";
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of spec.initContainers ?? []) {
    if (isRestartableInitContainer(c)) continue;
    const s = byName(statuses, c.name);
    if (!s) {
      pendingInitialization++;
    } else if (s.state?.running) {
      pendingInitialization++;
    } else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      const last = s.lastState?.terminated;
      if (last) {
        if (last.exitCode !== 0) failedInitialization++;
      } else {
        pendingInitialization++;
      }
    } else {
      pendingInitialization++;
    }
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.initContainers ?? []) {
    if (!isRestartableInitContainer(c)) continue;
    const s = byName(statuses, c.name);
    if (!s) {
      unknown++;
    } else if (s.state?.running) {
      if (!s.started) pendingInitialization++;
      running++;
    } else if (s.state?.terminated) {
      // A stopped sidecar does not count towards the phase.
    } else if (s.state?.waiting) {
      if (!s.lastState?.terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const c of spec.containers ?? []) {
    const s = byName(statuses, c.name);
    if (!s) {
      unknown++;
    } else if (s.state?.running) {
      running++;
    } else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else {
      unknown++;
    }
  }

  if (failedInitialization > 0 && restartPolicy === "Never") return "Failed";
  if (
    (pendingInitialization > 0 && !hasAnyRegularContainerStarted(pod, statuses)) || waiting > 0
  ) {
    return "Pending";
  }
  if (running > 0 && unknown === 0) return "Running";
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal && !isStatic) return stopped === succeeded ? "Succeeded" : "Failed";
    if (restartPolicy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}
