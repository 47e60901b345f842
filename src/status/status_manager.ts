/**
 * The current v1 status of each pod the agent runs (kubelet's status
 * manager, without the API server part): the sync loop sets it after each
 * sync; the HTTP endpoints read it; listeners hear about every change (the
 * "live pod state as it changes" output). Later, an API status publisher is
 * one more listener.
 *
 * @module
 */

import type { Pod, PodStatus as V1PodStatus } from "kubernetes-types/core/v1.d.ts";
import { deepFreeze } from "../util/deep_freeze.ts";

/** A pod with its current status. */
export interface PodWithStatus {
  pod: Pod;
  status: V1PodStatus;
}

/** One change: `status` undefined means the pod was removed. */
export interface PodStatusChange {
  uid: string;
  pod: Pod;
  status?: V1PodStatus;
  previous?: V1PodStatus;
}

/** Called synchronously on each change. */
export type PodStatusListener = (change: PodStatusChange) => void;

function uidOf(pod: Pod): string {
  const uid = pod.metadata?.uid;
  if (!uid) {
    throw new TypeError(
      `Cannot set status of pod '${pod.metadata?.name ?? ""}': field 'metadata.uid' is empty`,
    );
  }
  return uid;
}

/** A stored pod and status, and its `/pods` view once one was asked for. */
interface Entry extends PodWithStatus {
  /** `status` as JSON, to tell the next status apart with one stringify. */
  json: string;
  /** The v1 Pod with this status, deeply frozen; built on the first {@linkcode StatusManager.pods} after a change. */
  view?: Pod;
}

/** Current status per pod UID, with change notification. */
export class StatusManager {
  #entries = new Map<string, Entry>();
  #listeners = new Set<PodStatusListener>();

  /**
   * Stores the pod's status. Returns true and notifies listeners when it
   * differs from the stored one (the pod object is refreshed either way).
   * Throws TypeError when the pod has no UID.
   */
  setPodStatus(pod: Pod, status: V1PodStatus): boolean {
    const uid = uidOf(pod);
    const old = this.#entries.get(uid);
    const json = JSON.stringify(status);
    if (old && old.json === json) {
      // The same status: keep the stored copy (and its /pods view, unless the pod changed).
      if (old.pod !== pod) this.#entries.set(uid, { pod, status: old.status, json });
      return false;
    }
    const copy = structuredClone(status);
    this.#entries.set(uid, { pod, status: copy, json });
    this.#emit({ uid, pod, status: copy, previous: old?.status });
    return true;
  }

  /** The pod's current status, if known. */
  getPodStatus(uid: string): V1PodStatus | undefined {
    const e = this.#entries.get(uid);
    return e ? structuredClone(e.status) : undefined;
  }

  /** Forgets a pod (deleted); listeners hear a change without status. */
  removePod(uid: string): void {
    const old = this.#entries.get(uid);
    if (!old) return;
    this.#entries.delete(uid);
    this.#emit({ uid, pod: old.pod, previous: old.status });
  }

  /** Forgets every pod whose UID is not in `keep` (kubelet's RemoveOrphanedStatuses). */
  removeOrphanedStatuses(keep: ReadonlySet<string>): void {
    for (const uid of [...this.#entries.keys()]) if (!keep.has(uid)) this.removePod(uid);
  }

  /** Every known pod with its status, in the order they were first set. */
  podStatuses(): PodWithStatus[] {
    return [...this.#entries.values()].map((e) => ({
      pod: e.pod,
      status: structuredClone(e.status),
    }));
  }

  /**
   * The pods as v1 Pods with their current status filled in (for /pods). Each is
   * deeply frozen and shared by every call until its pod's status is set again, so
   * a client polling `/pods` costs a copy per change, not one per pod per poll.
   */
  pods(): Pod[] {
    return [...this.#entries.values()].map((e) =>
      e.view ??= deepFreeze({ ...structuredClone(e.pod), status: structuredClone(e.status) })
    );
  }

  /** Calls `listener` on each change; returns the unsubscribe function. */
  watch(listener: PodStatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: PodStatusChange): void {
    for (const l of this.#listeners) l(change);
  }
}
