/**
 * CPU usage rates from cumulative counters: what the kubelet's CRI stats
 * provider keeps in its `cpuUsageCache` to fill `usageNanoCores` when the
 * runtime does not. One record per key (a container id, or the node): the
 * previous sample and the rate computed at it.
 *
 * A sample replaces the kept one when it is at least `minWindowMs` newer,
 * and the rate is the counter difference over the time difference; a
 * sample closer than that returns the kept rate and leaves the kept sample,
 * so two scrapes a moment apart do not report a spike. A counter that went
 * backwards (a restarted container under the same key) starts over without
 * a rate. Records not updated for `maxAgeMs` are dropped by
 * {@linkcode CpuUsageRates.prune}.
 *
 * @module
 */

/** One cumulative CPU sample. */
export interface CpuCounterSample {
  /** ms since the epoch (fractional allowed). */
  timestamp: number;
  /** Cumulative CPU time of all cores, in nanoseconds. */
  usageCoreNanoSeconds: number;
}

/** Options of {@linkcode CpuUsageRates}. */
export interface CpuUsageRatesOptions {
  /** Shortest window a rate is computed over. @default 1000 */
  minWindowMs?: number;
  /** Records older than this are pruned (the kubelet's defaultCachePeriod). @default 600_000 */
  maxAgeMs?: number;
}

interface RateRecord {
  sample: CpuCounterSample;
  nanoCores?: number;
}

/** Rates of cumulative CPU counters, by key. */
export class CpuUsageRates {
  readonly #records = new Map<string, RateRecord>();
  readonly #minWindowMs: number;
  readonly #maxAgeMs: number;

  constructor(options: CpuUsageRatesOptions = {}) {
    this.#minWindowMs = Math.max(0, options.minWindowMs ?? 1000);
    this.#maxAgeMs = options.maxAgeMs ?? 600_000;
  }

  /**
   * Feeds a sample of `key` and returns its usage in nanocores (an
   * integer), or undefined while there is no earlier sample to compare with.
   */
  update(key: string, sample: CpuCounterSample): number | undefined {
    const kept = this.#records.get(key);
    if (!kept || sample.usageCoreNanoSeconds < kept.sample.usageCoreNanoSeconds) {
      this.#records.set(key, { sample });
      return undefined;
    }
    const windowMs = sample.timestamp - kept.sample.timestamp;
    if (!(windowMs > 0) || windowMs < this.#minWindowMs) return kept.nanoCores;
    const used = sample.usageCoreNanoSeconds - kept.sample.usageCoreNanoSeconds;
    const nanoCores = Math.floor(used / (windowMs * 1e6) * 1e9);
    this.#records.set(key, { sample, nanoCores });
    return nanoCores;
  }

  /** The rate last computed for `key`, without feeding a sample. */
  peek(key: string): number | undefined {
    return this.#records.get(key)?.nanoCores;
  }

  /** Drops the records whose sample is older than `maxAgeMs` at `now`. */
  prune(now: number): void {
    for (const [key, r] of this.#records) {
      if (now - r.sample.timestamp > this.#maxAgeMs) this.#records.delete(key);
    }
  }

  /** How many keys have a record. */
  get size(): number {
    return this.#records.size;
  }
}
