/**
 * How new pods' starts are let through when many arrive at once: a start
 * ramp (`podStartRamp`, on by default) and an opt-in limit on sandbox
 * creations (`maxConcurrentPodStarts`, off by default as in the kubelet).
 * Containers restarted in an existing sandbox, pulls and hooks are never
 * gated.
 *
 * containerd given 30 sandboxes at once works on all of them and finishes
 * none early (bare, the first of 30 host-network pods answered after
 * 2.0-4.5 s, one pod alone after 0.2-0.4 s). The ramp lets the pod that
 * arrives at an idle gate (the lead) start alone — volumes, image checks,
 * sandbox and containers (sync_pod.ts acquires before any of them) — and
 * the ones arriving meanwhile wait for it: with `"firstAlone"` the gate then
 * opens to all of them; with `"doubling"` (TCP's slow start) one more start
 * is let through per start that finished (1, 2, 4, 8, … at a time). On a
 * loaded 2-core machine the first of 30 answered after 0.48-0.55 s instead
 * of 3.6-4.4 s, the last no later than without the ramp within the noise
 * (bench/starts_bench.ts). The gate closes again once nothing is starting
 * or waiting.
 *
 * The limit creates new sandboxes (RunPodSandbox, the heavy part of a pod
 * start: a shim, a pause container, the network) a few at a time, in arrival
 * order; a start holds its creation slot from the gate to its sandbox. Four at a time the first pods answered sooner (0.7-1.2 s) but the
 * last later (6.3 s against 4.1 s ungated), hence off by default.
 *
 * A start counts against the ramp, and a creation against the limit, for at
 * most `maxHoldMs`: one stuck in a slow pull, runtime or network plugin stops
 * holding back the pods behind it (and, for the ramp, counts as finished).
 *
 * @module
 */

import type { CancelTimer, Clock } from "../util/clock.ts";

/**
 * The start ramp: `"firstAlone"` (the default) lets the lead start alone and
 * then every waiting pod; `"doubling"` one more per finished start;
 * `"none"` lets every start through at once, as the kubelet.
 */
export type PodStartRamp = "firstAlone" | "doubling" | "none";

/** The values of {@linkcode PodStartRamp}, for validation. */
export const POD_START_RAMPS: readonly PodStartRamp[] = ["firstAlone", "doubling", "none"];

/** Options for {@linkcode PodStartGate}. */
export interface PodStartGateOptions {
  clock: Clock;
  /** How long one start (or creation) holds its slot at most. @default 1_000 */
  maxHoldMs?: number;
  /** The start ramp. @default "firstAlone" */
  ramp?: PodStartRamp;
}

/** One pod start let through the gate: tell it when each phase is over (more calls do nothing). */
export interface PodStartLease {
  /** The sandbox creation is over (created or failed): frees its creation slot. */
  sandboxCreated(): void;
  /** The whole start is over (containers started or failed): frees its ramp slot too. */
  finished(): void;
}

interface Waiter {
  grant: () => void;
}

/** A FIFO gate for new pods' starts: the start ramp and the sandbox creation limit. */
export class PodStartGate {
  readonly limit: number;
  readonly ramp: PodStartRamp;
  #clock: Clock;
  #maxHoldMs: number;
  /** Sandbox creations holding a creation slot. */
  #creating = 0;
  /** Starts holding a ramp slot. */
  #starting = 0;
  /** Most starts at once now (the ramp's window). */
  #window = Infinity;
  #queue: Waiter[] = [];

  /**
   * @param limit most sandbox creations at once; `Infinity` (or 0) means no limit.
   * @throws {RangeError} if `limit` or `maxHoldMs` is negative or not a number, or
   *   `ramp` is not one of {@linkcode POD_START_RAMPS}.
   */
  constructor(limit: number, options: PodStartGateOptions) {
    if (!(limit >= 0)) {
      throw new RangeError(`Cannot create pod start gate: limit ${limit} must be >= 0`);
    }
    const hold = options.maxHoldMs ?? 1_000;
    if (!(hold >= 0)) {
      throw new RangeError(`Cannot create pod start gate: maxHoldMs ${hold} must be >= 0`);
    }
    const ramp = options.ramp ?? "firstAlone";
    if (!POD_START_RAMPS.includes(ramp)) {
      throw new RangeError(
        `Cannot create pod start gate: ramp "${ramp}" must be one of ${POD_START_RAMPS.join(", ")}`,
      );
    }
    this.limit = limit === 0 ? Infinity : limit;
    this.ramp = ramp;
    this.#clock = options.clock;
    this.#maxHoldMs = hold;
  }

  /** Sandbox creations holding a slot now. */
  get active(): number {
    return this.#creating;
  }

  /** Starts holding a ramp slot now (0 with ramp `"none"`). */
  get starting(): number {
    return this.#starting;
  }

  /** Starts waiting to be let through. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves with the lease once the start may go (in call order). Rejects
   * with the signal's reason when `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<PodStartLease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length === 0) {
      // An idle gate closes its ramp again: this start is a lead.
      if (this.ramp !== "none" && this.#starting === 0 && this.#creating === 0) this.#window = 1;
      if (this.#mayGo()) return Promise.resolve(this.#lease());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#lease());
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #mayGo(): boolean {
    return this.#creating < this.limit && this.#starting < this.#window;
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#mayGo()) this.#queue.shift()!.grant();
  }

  #lease(): PodStartLease {
    const sandboxCreated = this.#hold(this.limit !== Infinity, () => this.#creating--);
    this.#creating++;
    const ramped = this.ramp !== "none";
    const finished = this.#hold(ramped, () => {
      if (!ramped) return;
      this.#starting--;
      this.#window = this.ramp === "firstAlone" ? Infinity : this.#window + 1;
    });
    if (ramped) this.#starting++;
    return {
      sandboxCreated,
      finished: () => {
        sandboxCreated();
        finished();
      },
    };
  }

  /** A release that runs `free` once, then lets waiters through; by itself after `maxHoldMs` when `timed`. */
  #hold(timed: boolean, free: () => void): () => void {
    let held = true;
    let cancel: CancelTimer = () => {};
    const release = () => {
      if (!held) return;
      held = false;
      cancel();
      free();
      this.#pump();
    };
    if (timed) cancel = this.#clock.after(this.#maxHoldMs, release);
    return release;
  }
}
