/**
 * The final status of a pod the agent has stopped for good (the kubelet
 * status manager's TerminatePod): every container the runtime no longer
 * reports is terminated with an unknown status (exit code 137, so nothing
 * is reported successful that may not have been), and a pod that is not
 * static takes a terminal phase: Succeeded when every container exited 0,
 * else Failed. Ready and ContainersReady turn False with the terminal
 * phase's reason. Pure: the time comes in as an argument.
 *
 * @module
 */

import type {
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus as V1PodStatus,
} from "kubernetes-types/core/v1.d.ts";
import { isStaticPod } from "../api/pod_helpers.ts";
import { containersReadyCondition, KUBELET_CONDITIONS, readyCondition } from "./_conditions.ts";
import { rfc3339 } from "./_container_statuses.ts";
import { getPhase } from "./phase.ts";

const UNKNOWN_MESSAGE = "The container could not be located when the pod was terminated";

function terminateUnknown(s: ContainerStatus): void {
  if (s.state?.terminated) return;
  s.state = {
    terminated: { reason: "ContainerStatusUnknown", message: UNKNOWN_MESSAGE, exitCode: 137 },
  };
  s.ready = false;
  s.started = false;
}

/** Kubelet's hasPodInitialized: no init containers, a regular container left waiting, or the last init container exited 0. */
function hasPodInitialized(pod: Pod, status: V1PodStatus): boolean {
  if ((pod.spec?.initContainers ?? []).length === 0) return true;
  for (const s of status.containerStatuses ?? []) {
    if (s.lastState?.terminated || !s.state?.waiting) return true;
  }
  const inits = status.initContainerStatuses ?? [];
  const last = inits[inits.length - 1];
  return last !== undefined &&
    (last.lastState?.terminated?.exitCode === 0 || last.state?.terminated?.exitCode === 0);
}

/** Kubelet's initializedContainers: all but the trailing init containers that never started (at least one). */
function initializedContainers(statuses: ContainerStatus[]): ContainerStatus[] {
  for (let i = statuses.length - 1; i >= 0; i--) {
    if (!statuses[i].state?.waiting || statuses[i].lastState?.terminated) {
      return statuses.slice(0, i + 1);
    }
  }
  return statuses.slice(0, 1);
}

function replaceCondition(conditions: PodCondition[], c: PodCondition, now: number): void {
  const i = conditions.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? conditions[i] : undefined;
  const next = { ...c };
  next.lastTransitionTime = old && old.status === c.status && old.lastTransitionTime
    ? old.lastTransitionTime
    : rfc3339(now);
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
}

/** The final status of `pod`, stopped for good, from its last `status` (not changed). */
export function terminatedPodStatus(pod: Pod, status: V1PodStatus, now: number): V1PodStatus {
  const s = structuredClone(status);
  if (hasPodInitialized(pod, s)) { for (const c of s.containerStatuses ?? []) terminateUnknown(c); }
  for (const c of initializedContainers(s.initContainerStatuses ?? [])) terminateUnknown(c);
  if (isStaticPod(pod)) return s;

  const all = [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])];
  if (s.phase !== "Succeeded" && s.phase !== "Failed") {
    const phase = getPhase(pod, all, true, false);
    s.phase = phase === "Succeeded" ? "Succeeded" : "Failed";
  }
  const phase = s.phase as "Succeeded" | "Failed";
  const conditions = s.conditions ?? [];
  const foreign = conditions.filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const containersReady = containersReadyCondition(pod, all, phase);
  replaceCondition(conditions, containersReady, now);
  replaceCondition(conditions, readyCondition(pod, containersReady, foreign), now);
  s.conditions = conditions;
  return s;
}
