/**
 * An opt-in limit for when many pods arrive at once (`maxConcurrentPodStarts`,
 * off by default as in the kubelet): their new sandboxes (RunPodSandbox, the
 * heavy part of a pod start: a shim, a pause container, the network) are
 * created a few at a time, in arrival order, instead of all together.
 * containerd given 30 sandboxes at once works on all of them and finishes
 * none early (bare, the first of 30 host-network pods answered after
 * 2.0-3.2 s, one pod alone after 0.2-0.3 s). Four at a time the first pods
 * answered sooner (0.7-1.2 s, agent) but the last later (6.3 s against 4.1 s
 * ungated, bare 3.4 s; bench/starts_bench.ts on a shared 2-core machine),
 * hence off by default. Containers, pulls and hooks are never gated.
 *
 * A creation counts against the limit for at most `maxHoldMs`: one stuck in
 * a slow runtime or network plugin stops holding back the pods behind it.
 *
 * @module
 */

import type { CancelTimer, Clock } from "../util/clock.ts";

/** Options for {@linkcode PodStartGate}. */
export interface PodStartGateOptions {
  clock: Clock;
  /** How long one creation holds its slot at most. @default 1_000 */
  maxHoldMs?: number;
}

interface Waiter {
  grant: () => void;
}

/** A FIFO limit on concurrent sandbox creations; a slot is held at most `maxHoldMs`. */
export class PodStartGate {
  readonly limit: number;
  #clock: Clock;
  #maxHoldMs: number;
  #active = 0;
  #queue: Waiter[] = [];

  /**
   * @param limit most creations at once; `Infinity` (or 0) lets every one through.
   * @throws {RangeError} if `limit` or `maxHoldMs` is negative or not a number.
   */
  constructor(limit: number, options: PodStartGateOptions) {
    if (!(limit >= 0)) {
      throw new RangeError(`Cannot create pod start gate: limit ${limit} must be >= 0`);
    }
    const hold = options.maxHoldMs ?? 1_000;
    if (!(hold >= 0)) {
      throw new RangeError(`Cannot create pod start gate: maxHoldMs ${hold} must be >= 0`);
    }
    this.limit = limit === 0 ? Infinity : limit;
    this.#clock = options.clock;
    this.#maxHoldMs = hold;
  }

  /** Creations holding a slot now. */
  get active(): number {
    return this.#active;
  }

  /** Creations waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves with the release function once a slot is free (in call order);
   * call it when the creation is over (more calls do nothing). Rejects with the
   * signal's reason when `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.limit) return Promise.resolve(this.#hold());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#hold());
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #hold(): () => void {
    this.#active++;
    let held = true;
    let cancel: CancelTimer = () => {};
    const release = () => {
      if (!held) return;
      held = false;
      cancel();
      this.#active--;
      this.#queue.shift()?.grant();
    };
    if (this.limit !== Infinity) cancel = this.#clock.after(this.#maxHoldMs, release);
    return release;
  }
}
