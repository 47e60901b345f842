/**
 * A short-lived cache of the runtime's running pods (kubelet's RuntimeCache),
 * so that housekeeping and the HTTP endpoints do not list the runtime on
 * every call.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import type { RuntimePod } from "./runtime.ts";

/** What the cache lists: the part of the Runtime it needs. */
export interface PodLister {
  getPods(all: boolean): Promise<RuntimePod[]>;
}

/** Options for {@linkcode RuntimeCache}. */
export interface RuntimeCacheOptions {
  /** Clock giving the cache time. */
  clock: Clock;
  /**
   * How old the cached list may be before {@linkcode RuntimeCache.getPods}
   * refetches it, in ms (kubelet: housekeeping 2 s + 1 s).
   * @default 3000
   */
  cachePeriodMs?: number;
}

/**
 * Caches `getPods(false)` (running pods only). The cache time is taken before
 * each fetch, so it is never newer than the data it labels.
 */
export class RuntimeCache {
  #lister: PodLister;
  #clock: Clock;
  #periodMs: number;
  #pods: RuntimePod[] = [];
  /** Cache time; -Infinity until the first fetch. */
  #cacheTime = -Infinity;

  constructor(lister: PodLister, options: RuntimeCacheOptions) {
    const period = options.cachePeriodMs ?? 3000;
    if (!(period >= 0)) {
      throw new RangeError(
        `Cannot create runtime cache: cachePeriodMs must be >= 0, got ${period}`,
      );
    }
    this.#lister = lister;
    this.#clock = options.clock;
    this.#periodMs = period;
  }

  /** The time of the data in the cache (ms), or -Infinity before the first fetch. */
  get cacheTime(): number {
    return this.#cacheTime;
  }

  /** The running pods, refetched when the cache is older than the period. */
  async getPods(): Promise<RuntimePod[]> {
    if (this.#clock.now() - this.#cacheTime > this.#periodMs) await this.#update();
    return this.#pods;
  }

  /** Refetches only when the cache time is before `t` (ms). */
  async forceUpdateIfOlder(t: number): Promise<void> {
    if (this.#cacheTime < t) await this.#update();
  }

  async #update(): Promise<void> {
    const timestamp = this.#clock.now();
    const pods = await this.#lister.getPods(false);
    this.#pods = pods;
    this.#cacheTime = timestamp;
  }
}
