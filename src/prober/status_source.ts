/**
 * Where probe workers read container states, and the adapter that reads
 * them from the agent's pod status cache (the runtime's view, as the PLEG keeps it), so the
 * prober does not depend on the status manager's internals.
 *
 * @module
 */

import { findContainerStatus, type PodStatus } from "../container/runtime.ts";

/** What a worker needs to know about the container it probes. */
export interface ObservedContainerStatus {
  /** The runtime's id of the newest instance; probing waits until there is one. */
  containerId?: string;
  state: "running" | "waiting" | "terminated";
  /** When the running instance started, in ms since the epoch. */
  startedAt?: number;
}

/** Where workers read container states (the pod status cache, the status manager...). */
export interface ContainerStatusSource {
  getContainerStatus(podUid: string, containerName: string): ObservedContainerStatus | undefined;
  /** The pod's IP, the default probe host. */
  getPodIP?(podUid: string): string | undefined;
}

/** What {@linkcode runtimeStatusSource} reads: the shape of `PodStatusCache.get`. */
export interface PodStatusLookup {
  get(uid: string): { status: PodStatus };
}

/**
 * A {@linkcode ContainerStatusSource} over the runtime pod status cache: the
 * newest instance of a container, "running" when the runtime says so,
 * "terminated" when it exited, "waiting" when created or unknown; the pod IP
 * is the status's first IP.
 */
export function runtimeStatusSource(cache: PodStatusLookup): ContainerStatusSource {
  return {
    getContainerStatus(uid, name): ObservedContainerStatus | undefined {
      const c = findContainerStatus(cache.get(uid).status, name);
      if (!c) return undefined;
      const state = c.state === "running"
        ? "running"
        : c.state === "exited"
        ? "terminated"
        : "waiting";
      return { containerId: c.id, state, startedAt: c.startedAt || undefined };
    },
    getPodIP(uid) {
      return cache.get(uid).status.ips[0] || undefined;
    },
  };
}
