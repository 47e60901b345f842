/**
 * The generic PLEG's relist timing while a runtime's relist cues are trusted
 * (src/pleg/relist_cues.ts: containerd's task exit and OOM events, on a
 * stream open for a while without failing): the kubelet's evented PLEG
 * relists every 5 minutes while its event stream is healthy and falls back
 * to the 1 s relist when it fails; here, with a stream that reports exits
 * only, the relist slows to {@linkcode CUED_RELIST_PERIOD_MS} and comes back
 * to the base period (`--pleg-relist-period`) as soon as the stream fails,
 * and for {@linkcode CUE_HOLD_MS} after each cue: the runtime's CRI view may
 * report an exit later than the cue's follow-up relists (under load
 * containerd took seconds), and the base period then sees it as soon as
 * before.
 *
 * What the cues cover: every container and sandbox exit and OOM kill (a
 * running container removed by someone else is killed first, so it exits
 * too); the agent's own starts, kills and removals are re-inspected by the
 * sync that made them (`GenericPLEG.updateCache`); exits while the stream
 * was down are caught by the relist at reconnect and by the base period
 * until the stream is trusted again. What only the slow relist sees: an
 * exited container or a dead sandbox removed by someone else, up to
 * {@linkcode CUED_RELIST_PERIOD_MS} later.
 *
 * Pod workers wait for a cache entry newer than their last sync
 * (`PodStatusCache.getNewerThan`), which each relist's global timestamp
 * gave them within one base period. While the relist is slowed,
 * {@linkcode CuedRelistTiming.run} bumps the global timestamp every base
 * period instead (as the kubelet's evented PLEG does with its global cache
 * ticker), so no pod worker waits longer than before.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { runEvery } from "../util/run_every.ts";

/** The relist period while relist cues are trusted, ms (when the base period is shorter). */
export const CUED_RELIST_PERIOD_MS = 10_000;

/** How long after a cue the relist keeps the base period, ms. */
export const CUE_HOLD_MS = 30_000;

/** The part of the GenericPLEG whose timing is set. */
export interface TimedPleg {
  setRelistTiming(relistPeriodMs: number, relistThresholdMs: number): void;
  readonly timing: { relistPeriodMs: number; relistThresholdMs: number };
}

/** The part of the pod status cache the ticker bumps. */
export interface GlobalTimestampCache {
  updateTime(timestamp: number): void;
}

/** Options for {@linkcode CuedRelistTiming}. */
export interface CuedRelistTimingOptions {
  clock: Clock;
  cache: GlobalTimestampCache;
  /** The relist period while cues are trusted. @default CUED_RELIST_PERIOD_MS */
  cuedPeriodMs?: number;
  /** How long after a cue the base period is kept, ms. @default CUE_HOLD_MS */
  cueHoldMs?: number;
}

/**
 * Sets the generic PLEG's timing from a base timing (the one the evented
 * PLEG sets when it falls back, passed through
 * {@linkcode CuedRelistTiming.setRelistTiming}) and whether the relist cues
 * are trusted ({@linkcode CuedRelistTiming.setCuesHealthy}). The threshold
 * of the "PLEG" health check stays the base one.
 */
export class CuedRelistTiming {
  readonly #pleg: TimedPleg;
  readonly #clock: Clock;
  readonly #cache: GlobalTimestampCache;
  readonly #cuedPeriodMs: number;
  readonly #cueHoldMs: number;
  #basePeriodMs: number;
  #baseThresholdMs: number;
  #cuesHealthy = false;
  /** Ends the hold after the last cue, while one runs. */
  #endHold: (() => void) | undefined;

  constructor(pleg: TimedPleg, options: CuedRelistTimingOptions) {
    this.#pleg = pleg;
    this.#clock = options.clock;
    this.#cache = options.cache;
    this.#cuedPeriodMs = options.cuedPeriodMs ?? CUED_RELIST_PERIOD_MS;
    this.#cueHoldMs = options.cueHoldMs ?? CUE_HOLD_MS;
    this.#basePeriodMs = pleg.timing.relistPeriodMs;
    this.#baseThresholdMs = pleg.timing.relistThresholdMs;
  }

  /** Whether the relist is slowed now. */
  get slowed(): boolean {
    return this.#cuesHealthy && this.#endHold === undefined &&
      this.#cuedPeriodMs > this.#basePeriodMs;
  }

  /** Sets the base timing (the relist period when cues are not trusted). */
  setRelistTiming(relistPeriodMs: number, relistThresholdMs: number): void {
    this.#basePeriodMs = relistPeriodMs;
    this.#baseThresholdMs = relistThresholdMs;
    this.#apply();
  }

  /** The relist cues became trusted (true) or stopped being so (false). */
  setCuesHealthy(healthy: boolean): void {
    if (this.#cuesHealthy === healthy) return;
    this.#cuesHealthy = healthy;
    this.#apply();
  }

  /** A cue came: the base period for the next `cueHoldMs` (see the module doc). */
  noteCue(): void {
    const wasSlowed = this.slowed;
    this.#endHold?.();
    const cancel = this.#clock.after(this.#cueHoldMs, () => {
      this.#endHold = undefined;
      this.#apply();
    });
    this.#endHold = cancel;
    if (wasSlowed) this.#apply();
  }

  /** Ends a hold without waiting for it (the agent stops). */
  stop(): void {
    this.#endHold?.();
    this.#endHold = undefined;
  }

  /**
   * One tick: while the relist is slowed, bumps the cache's global
   * timestamp to `now` (see the module doc).
   */
  tick(now: number): void {
    if (this.slowed) this.#cache.updateTime(now);
  }

  /** Ticks every base period until `signal` aborts; a hold still running then ends. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await runEvery((now) => this.tick(now), {
        clock: this.#clock,
        periodMs: () => this.#basePeriodMs,
        signal,
        immediate: false,
      });
    } finally {
      this.stop();
    }
  }

  #apply(): void {
    const period = this.slowed ? this.#cuedPeriodMs : this.#basePeriodMs;
    // GenericPLEG relists at once on a timing change: on a failed stream
    // that is the relist that catches what it did not report.
    this.#pleg.setRelistTiming(period, this.#baseThresholdMs);
  }
}
