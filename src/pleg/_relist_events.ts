/**
 * The pure part of relisting: container states as the PLEG sees them, the
 * events a state change implies, and the pod IP rule.
 */

import {
  type ContainerState,
  type PodStatus,
  type RuntimePod,
  runtimePodFromStatus,
} from "../container/runtime.ts";
import type { PodLifecycleEvent, PodLifecycleEventType } from "./pleg.ts";

/** kubelet's plegContainerState: "created" counts as unknown. */
export type PlegContainerState = "running" | "exited" | "unknown" | "non-existent";

function convertState(state: ContainerState): PlegContainerState {
  switch (state) {
    case "running":
      return "running";
    case "exited":
      return "exited";
    default:
      return "unknown";
  }
}

/** The state of a container or sandbox (ready → running, not ready → exited) in a listing. */
export function stateOf(pod: RuntimePod | undefined, id: string): PlegContainerState {
  if (!pod) return "non-existent";
  for (const c of pod.containers) if (c.id === id) return convertState(c.state);
  for (const s of pod.sandboxes) if (s.id === id) return s.state === "ready" ? "running" : "exited";
  return "non-existent";
}

export function idsOf(...pods: (RuntimePod | undefined)[]): string[] {
  const ids = new Set<string>();
  for (const p of pods) {
    if (!p) continue;
    for (const s of p.sandboxes) ids.add(s.id);
    for (const c of p.containers) ids.add(c.id);
  }
  return [...ids];
}

/**
 * Whether two listings of a pod hold the same sandboxes and containers in the
 * same states, in the same order: then no event can come of them, and the
 * relist skips the per-id diff (most pods, most relists).
 */
export function samePodStates(a: RuntimePod | undefined, b: RuntimePod | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.containers.length !== b.containers.length) return false;
  if (a.sandboxes.length !== b.sandboxes.length) return false;
  for (let i = 0; i < a.containers.length; i++) {
    const x = a.containers[i];
    const y = b.containers[i];
    if (x.id !== y.id || x.state !== y.state) return false;
  }
  for (let i = 0; i < a.sandboxes.length; i++) {
    const x = a.sandboxes[i];
    const y = b.sandboxes[i];
    if (x.id !== y.id || x.state !== y.state) return false;
  }
  return true;
}

/** The events for one container whose state went from `oldState` to `newState`. */
export function generateEvents(
  podUid: string,
  id: string,
  oldState: PlegContainerState,
  newState: PlegContainerState,
): PodLifecycleEvent[] {
  if (oldState === newState) return [];
  const ev = (type: PodLifecycleEventType): PodLifecycleEvent => ({ podUid, type, data: id });
  switch (newState) {
    case "running":
      return [ev("ContainerStarted")];
    case "exited":
      return [ev("ContainerDied")];
    case "unknown":
      return [ev("ContainerChanged")];
    case "non-existent":
      return oldState === "exited"
        ? [ev("ContainerRemoved")]
        : [ev("ContainerDied"), ev("ContainerRemoved")];
  }
}

/**
 * The RuntimePod equivalent of an inspected status, so {@linkcode GenericPLEG.updateCache}
 * can compare it with the last listing.
 */
export function runtimePodOf(status: PodStatus): RuntimePod {
  return runtimePodFromStatus(status);
}

/**
 * Keeps the previous pod IPs when the new status has none and no READY
 * sandbox (the sandbox is being torn down or recreated).
 */
export function keepPodIps(status: PodStatus, previous: PodStatus): string[] {
  if (status.ips.length > 0) return status.ips;
  if (previous.ips.length === 0) return status.ips;
  if (status.sandboxStatuses.some((s) => s.state === "ready")) return status.ips;
  return previous.ips;
}
