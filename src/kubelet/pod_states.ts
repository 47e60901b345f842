/**
 * The one owner of every pod's lifecycle state on the node (what the
 * kubelet's pod manager and pod_workers.go podSyncStatus keep between them):
 * whether a pod is admitted and syncing, refused at admission, or being
 * terminated, and when its last sync pass started. The state is private and
 * changes only through the methods here, so the sync loop, the housekeeping
 * pass and the update handlers cannot disagree about a pod.
 *
 * A pod leaves the table when its termination finished ("terminated"). A pod
 * refused at admission keeps its rejection while the containers an earlier
 * agent left of it are terminated.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Termination } from "./_helpers.ts";

/** Where a pod is in its lifecycle. */
export type PodLifecyclePhase = "syncing" | "rejected" | "terminating";

interface PodRecord {
  /** The admitted pod the sources declare (phase syncing). */
  desired?: Pod;
  /** The pod refused at admission. */
  rejected?: Pod;
  /** Set while the pod's containers are being killed. */
  termination?: Termination;
  /** Start of the last sync pass (clock ms). */
  lastSyncStart?: number;
}

/** Every pod's lifecycle state, keyed by UID. */
export class PodStates {
  readonly #records = new Map<string, PodRecord>();

  /** The admitted pod with `uid`, while it is syncing. */
  desired(uid: string): Pod | undefined {
    return this.#records.get(uid)?.desired;
  }

  /** The termination in progress of `uid`, if any. */
  termination(uid: string): Termination | undefined {
    return this.#records.get(uid)?.termination;
  }

  /** Whether `uid` was refused at admission. */
  isRejected(uid: string): boolean {
    return this.#records.get(uid)?.rejected !== undefined;
  }

  /** The pod refused at admission, if `uid` was. */
  rejected(uid: string): Pod | undefined {
    return this.#records.get(uid)?.rejected;
  }

  /** Whether a worker has something to do for `uid`: syncing or terminating. */
  isActive(uid: string): boolean {
    const r = this.#records.get(uid);
    return r?.desired !== undefined || r?.termination !== undefined;
  }

  /** The phases of `uid` (a rejected pod may be terminating leftovers too). */
  phases(uid: string): PodLifecyclePhase[] {
    const r = this.#records.get(uid);
    if (!r) return [];
    const out: PodLifecyclePhase[] = [];
    if (r.desired) out.push("syncing");
    if (r.rejected) out.push("rejected");
    if (r.termination) out.push("terminating");
    return out;
  }

  /** Admitted pods, in admission order. */
  desiredPods(): Pod[] {
    const out: Pod[] = [];
    for (const r of this.#records.values()) if (r.desired) out.push(r.desired);
    return out;
  }

  /** How many pods are admitted (what `--max-pods` counts). */
  get desiredCount(): number {
    let n = 0;
    for (const r of this.#records.values()) if (r.desired) n++;
    return n;
  }

  /** UIDs of admitted pods. */
  desiredUids(): Set<string> {
    return this.#uids((r) => r.desired !== undefined);
  }

  /** UIDs of pods being terminated. */
  terminatingUids(): string[] {
    return [...this.#uids((r) => r.termination !== undefined)];
  }

  /** Admitted and rejected pods with their UIDs (what a SET compares against). */
  declared(): Array<[string, Pod]> {
    const out: Array<[string, Pod]> = [];
    for (const [uid, r] of this.#records) {
      const pod = r.desired ?? r.rejected;
      if (pod) out.push([uid, pod]);
    }
    return out;
  }

  /** UIDs of every pod in the table (whose statuses are kept). */
  uids(): Set<string> {
    return new Set(this.#records.keys());
  }

  /** Admits or updates `pod`: syncing, no longer rejected or terminating. */
  setDesired(uid: string, pod: Pod): void {
    const r = this.#record(uid);
    r.desired = pod;
    r.rejected = undefined;
    r.termination = undefined;
  }

  /** Replaces the stored object of an admitted pod (RECONCILE); others are ignored. */
  reconcile(uid: string, pod: Pod): void {
    const r = this.#records.get(uid);
    if (r?.desired) r.desired = pod;
  }

  /** Records that `pod` was refused at admission. */
  reject(uid: string, pod: Pod): void {
    this.#record(uid).rejected = pod;
  }

  /** Forgets a rejection; true when there was one. */
  forgetRejection(uid: string): boolean {
    const r = this.#records.get(uid);
    if (!r?.rejected) return false;
    r.rejected = undefined;
    this.#dropIfEmpty(uid, r);
    return true;
  }

  /** Starts (or updates) the termination of `uid`; an admitted pod stops syncing. */
  startTermination(uid: string, termination: Termination): void {
    const r = this.#record(uid);
    r.desired = undefined;
    r.termination = termination;
  }

  /** The termination finished: the pod is terminated and leaves the table (a rejection stays). */
  terminated(uid: string): void {
    const r = this.#records.get(uid);
    if (!r) return;
    r.termination = undefined;
    r.lastSyncStart = undefined;
    this.#dropIfEmpty(uid, r);
  }

  /** Records the start of a sync pass of `uid`. */
  recordSyncStart(uid: string, at: number): void {
    const r = this.#records.get(uid);
    if (r) r.lastSyncStart = at;
  }

  /** Start of the last sync pass of `uid`; -Infinity before the first. */
  lastSyncStart(uid: string): number {
    return this.#records.get(uid)?.lastSyncStart ?? -Infinity;
  }

  #record(uid: string): PodRecord {
    let r = this.#records.get(uid);
    if (!r) {
      r = {};
      this.#records.set(uid, r);
    }
    return r;
  }

  #dropIfEmpty(uid: string, r: PodRecord): void {
    if (!r.desired && !r.rejected && !r.termination) this.#records.delete(uid);
  }

  #uids(pick: (r: PodRecord) => boolean): Set<string> {
    const out = new Set<string>();
    for (const [uid, r] of this.#records) if (pick(r)) out.add(uid);
    return out;
  }
}
