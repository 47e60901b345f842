/**
 * One serialized worker per pod (kubelet's podWorkers): a pod's syncs never
 * overlap, a wake that arrives while a sync runs makes exactly one more sync
 * after it, and each pod has at most one timed wake pending (the next one
 * replaces it, like the kubelet's work queue).
 *
 * The workers do not decide anything: the sync function given to the
 * constructor does the work and calls {@linkcode PodWorkers.wakeAt} to say
 * when the pod wants to run again (back-off expiry, error retry, resync).
 *
 * @module
 */

import type { CancelTimer, Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";

/** Runs one sync of a pod; the signal aborts when the worker is forgotten or stopped. */
export type PodSyncFunction = (uid: string, signal: AbortSignal) => Promise<void>;

/** Options for {@linkcode PodWorkers}. */
export interface PodWorkersOptions {
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
}

interface Worker {
  /** The sync in progress, if any. */
  running?: Promise<void>;
  /** A wake arrived while the sync ran: run once more afterwards. */
  pending: boolean;
  /** The sync is waiting for fresh state (see {@linkcode PodWorkers.parked}). */
  parked: boolean;
  /** The timed wake, if one is armed. */
  timer?: { at: number; cancel: CancelTimer };
  controller: AbortController;
}

/** Serialized per-pod workers with timed wakes. */
export class PodWorkers {
  #sync: PodSyncFunction;
  #clock: Clock;
  #logger: Logger;
  #workers = new Map<string, Worker>();
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(sync: PodSyncFunction, options: PodWorkersOptions) {
    this.#sync = sync;
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
  }

  /** Number of pods with a worker. */
  get size(): number {
    return this.#workers.size;
  }

  /** Number of workers whose sync is in progress. */
  get busy(): number {
    let n = 0;
    for (const w of this.#workers.values()) if (w.running) n++;
    return n;
  }

  /** Whether the pod's sync is in progress. */
  isSyncing(uid: string): boolean {
    return this.#workers.get(uid)?.running !== undefined;
  }

  /** When the pod's timed wake fires, if one is armed. */
  nextWakeAt(uid: string): number | undefined {
    return this.#workers.get(uid)?.timer?.at;
  }

  /**
   * Syncs the pod as soon as possible: now when its worker is idle, or right
   * after the sync in progress. Cancels its timed wake.
   */
  wake(uid: string): void {
    if (this.#stopped) return;
    const w = this.#worker(uid);
    this.#cancelTimer(w);
    if (w.running) {
      w.pending = true;
      return;
    }
    this.#start(uid, w);
  }

  /**
   * Arms the pod's timed wake at `at` (ms since the epoch), replacing the one
   * armed before. A time not after now wakes the pod at once.
   */
  wakeAt(uid: string, at: number): void {
    if (this.#stopped) return;
    const w = this.#worker(uid);
    this.#cancelTimer(w);
    const delay = at - this.#clock.now();
    if (delay <= 0 && !w.running) {
      this.#start(uid, w);
      return;
    }
    const cancel = this.#clock.after(Math.max(0, delay), () => {
      if (w.timer?.cancel === cancel) w.timer = undefined;
      if (this.#workers.get(uid) !== w) return;
      this.wake(uid);
    });
    w.timer = { at, cancel };
  }

  /**
   * Removes the pod's worker: cancels its timed wake and aborts the signal of
   * the sync in progress (which then finishes on its own).
   */
  forget(uid: string): void {
    const w = this.#workers.get(uid);
    if (!w) return;
    this.#cancelTimer(w);
    w.pending = false;
    w.controller.abort();
    this.#workers.delete(uid);
    this.#checkIdle();
  }

  /** UIDs of every pod with a worker. */
  uids(): string[] {
    return [...this.#workers.keys()];
  }

  /**
   * Marks the pod's sync as waiting for `promise` (fresh pod state from the
   * PLEG) until it settles: {@linkcode PodWorkers.whenIdle} does not wait for
   * parked syncs. Returns `promise`'s outcome.
   */
  async parked<T>(uid: string, promise: Promise<T>): Promise<T> {
    const w = this.#workers.get(uid);
    if (w) w.parked = true;
    this.#checkIdle();
    try {
      return await promise;
    } finally {
      if (w) w.parked = false;
    }
  }

  /** Resolves when no sync is in progress (other than parked ones) or pending. */
  whenIdle(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops every worker: timers cancelled, syncs aborted; resolves when they finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const running: Promise<void>[] = [];
    for (const [uid, w] of [...this.#workers]) {
      if (w.running) running.push(w.running);
      this.forget(uid);
    }
    await Promise.allSettled(running);
  }

  #worker(uid: string): Worker {
    let w = this.#workers.get(uid);
    if (!w) {
      w = { pending: false, parked: false, controller: new AbortController() };
      this.#workers.set(uid, w);
    }
    return w;
  }

  #cancelTimer(w: Worker): void {
    w.timer?.cancel();
    w.timer = undefined;
  }

  #start(uid: string, w: Worker): void {
    w.pending = false;
    w.running = (async () => {
      try {
        await this.#sync(uid, w.controller.signal);
      } catch (err) {
        if (!w.controller.signal.aborted) {
          this.#logger.error("Error syncing pod, skipping", { podUID: uid, err });
        }
      }
    })().finally(() => {
      w.running = undefined;
      if (w.pending && this.#workers.get(uid) === w && !this.#stopped) this.#start(uid, w);
      else this.#checkIdle();
    });
  }

  #idle(): boolean {
    for (const w of this.#workers.values()) {
      if (w.running && !w.parked) return false;
    }
    return true;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#idle()) return;
    const waiters = this.#idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }
}
