/**
 * The last start failure of each container (kubelet's ReasonCache), kept
 * between syncs so the pod status can show it as the container's waiting
 * reason: `CrashLoopBackOff`, `ErrImagePull`, `CreateContainerError`, ...
 *
 * @module
 */

import type { PodSyncResult } from "../container/sync_result.ts";

/** Why a container is waiting: the failed step's error name and message. */
export interface WaitingReason {
  reason: string;
  message: string;
}

/** Pod UID → container name → last start failure. */
export class ReasonCache {
  #pods = new Map<string, Map<string, WaitingReason>>();

  /**
   * Applies a sync's results: a failed StartContainer (or InitContainer)
   * step records its error, a successful one clears it; other steps are ignored.
   */
  update(uid: string, result: PodSyncResult): void {
    for (const r of result.results) {
      if (r.action !== "StartContainer" && r.action !== "InitContainer") continue;
      if (r.error) this.add(uid, r.target, { reason: r.error, message: r.message ?? "" });
      else this.#pods.get(uid)?.delete(r.target);
    }
  }

  /** Records a container's failure reason. */
  add(uid: string, containerName: string, reason: WaitingReason): void {
    let pod = this.#pods.get(uid);
    if (!pod) this.#pods.set(uid, pod = new Map());
    pod.set(containerName, reason);
  }

  /** The container's last failure, if any. */
  get(uid: string, containerName: string): WaitingReason | undefined {
    return this.#pods.get(uid)?.get(containerName);
  }

  /** The pod's failures by container name (empty when none). */
  forPod(uid: string): ReadonlyMap<string, WaitingReason> {
    return this.#pods.get(uid) ?? new Map();
  }

  /** Forgets a pod. */
  remove(uid: string): void {
    this.#pods.delete(uid);
  }
}
