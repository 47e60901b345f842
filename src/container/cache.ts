/**
 * The pod status cache (kubelet's container.Cache): the newest PodStatus the
 * PLEG inspected for each pod, with the time it was observed, plus one global
 * timestamp saying "everything in the cache is at least this fresh". Pod
 * workers wait on it with {@linkcode PodStatusCache.getNewerThan} so each sync
 * sees state newer than the previous one.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import { emptyPodStatus, type PodStatus } from "./runtime.ts";

/** One cache entry as callers see it. */
export interface CachedPodStatus {
  status: PodStatus;
  /** The inspection error stored with the status, if any. */
  error?: Error;
}

/** Options for {@linkcode PodStatusCache}. */
export interface PodStatusCacheOptions {
  /**
   * Drop a {@linkcode PodStatusCache.set} whose timestamp is older than the
   * stored entry's (kubelet does this with EventedPLEG on, where events and
   * relists may arrive out of order).
   * @default false
   */
  dropOlderUpdates?: boolean;
}

interface Entry {
  status: PodStatus;
  error?: Error;
  modified: number;
}

interface Subscriber {
  /** The wanted time: woken by a set/updateTime at or after it. */
  time: number;
  resolve: (value: CachedPodStatus) => void;
}

/** Pod UID → newest inspected status, with waiters. No polling: waiters are woken by set/updateTime. */
export class PodStatusCache {
  #entries = new Map<string, Entry>();
  #subscribers = new Map<string, Subscriber[]>();
  /** Global timestamp; -Infinity until the first updateTime. */
  #timestamp = -Infinity;
  #dropOlder: boolean;

  constructor(options: PodStatusCacheOptions = {}) {
    this.#dropOlder = options.dropOlderUpdates ?? false;
  }

  /** The global timestamp (ms), or -Infinity before the first {@linkcode updateTime}. */
  get timestamp(): number {
    return this.#timestamp;
  }

  /** The cached status; on a miss an empty status carrying only the UID ("no containers known"). */
  get(uid: string): CachedPodStatus {
    const e = this.#entries.get(uid);
    if (!e) return { status: emptyPodStatus(uid) };
    return e.error ? { status: e.status, error: e.error } : { status: e.status };
  }

  /** The time the entry was last set, or undefined on a miss. */
  modified(uid: string): number | undefined {
    return this.#entries.get(uid)?.modified;
  }

  /**
   * Resolves with the entry once its modified time or the global timestamp is
   * after `t` (immediately when that already holds). On a miss with a newer
   * global timestamp it resolves with the empty status. Rejects with the
   * signal's reason when `signal` aborts first.
   */
  getNewerThan(uid: string, t: number, signal?: AbortSignal): Promise<CachedPodStatus> {
    const now = this.#getIfNewerThan(uid, t);
    if (now) return Promise.resolve(now);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<CachedPodStatus>((resolve, reject) => {
      const onAbort = () => {
        this.#unsubscribe(uid, sub);
        reject(abortReason(signal!));
      };
      const sub: Subscriber = {
        time: t,
        resolve: (v) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(v);
        },
      };
      const list = this.#subscribers.get(uid) ?? [];
      list.push(sub);
      this.#subscribers.set(uid, list);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Stores a status observed at `timestamp` and wakes the pod's waiters whose
   * wanted time is not after it. Returns false (and stores nothing) when
   * `dropOlderUpdates` is on and the stored entry is newer.
   */
  set(uid: string, status: PodStatus, error: Error | undefined, timestamp: number): boolean {
    if (this.#dropOlder) {
      const old = this.#entries.get(uid);
      if (old && old.modified > timestamp) return false;
    }
    this.#entries.set(
      uid,
      error ? { status, error, modified: timestamp } : {
        status,
        modified: timestamp,
      },
    );
    this.#notify(uid, timestamp);
    return true;
  }

  /** Removes the pod's entry. Nobody is notified. */
  delete(uid: string): void {
    this.#entries.delete(uid);
  }

  /** Sets the global timestamp and wakes every waiter whose wanted time is not after it. */
  updateTime(timestamp: number): void {
    this.#timestamp = timestamp;
    for (const uid of [...this.#subscribers.keys()]) this.#notify(uid, timestamp);
  }

  /** Number of pending {@linkcode getNewerThan} waiters (for tests and metrics). */
  get waiters(): number {
    let n = 0;
    for (const list of this.#subscribers.values()) n += list.length;
    return n;
  }

  #getIfNewerThan(uid: string, t: number): CachedPodStatus | undefined {
    const globalNewer = this.#timestamp > t;
    const e = this.#entries.get(uid);
    if (!e) return globalNewer ? { status: emptyPodStatus(uid) } : undefined;
    if (e.modified > t || globalNewer) return this.get(uid);
    return undefined;
  }

  #notify(uid: string, timestamp: number): void {
    const list = this.#subscribers.get(uid);
    if (!list) return;
    const keep: Subscriber[] = [];
    const wake: Subscriber[] = [];
    for (const sub of list) (timestamp < sub.time ? keep : wake).push(sub);
    if (keep.length) this.#subscribers.set(uid, keep);
    else this.#subscribers.delete(uid);
    for (const sub of wake) sub.resolve(this.get(uid));
  }

  #unsubscribe(uid: string, sub: Subscriber): void {
    const list = this.#subscribers.get(uid);
    if (!list) return;
    const i = list.indexOf(sub);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#subscribers.delete(uid);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}
