/**
 * Per-key exponential back-off, as the kubelet keeps it for crash loops and
 * image pulls: the delay starts at `initialMs`, doubles on every `next()` up to
 * `maxMs`, and a key not touched for `2 * maxMs` starts over.
 *
 * Decisions take the time as an argument, so the policy is pure.
 *
 * @module
 */

/** Options for {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay in ms. @default 10_000 */
  initialMs?: number;
  /** Largest delay in ms. @default 300_000 */
  maxMs?: number;
  /** A key idle this long (ms since its last update) is reset. @default 2 * maxMs */
  resetAfterMs?: number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

/** Per-key exponential back-off. */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  #entries = new Map<string, Entry>();

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 10_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.resetAfterMs = options.resetAfterMs ?? 2 * this.maxMs;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new RangeError(
        `Cannot create back-off: initial ${this.initialMs} ms and max ${this.maxMs} ms must satisfy 0 < initial <= max`,
      );
    }
  }

  /** The current delay for `key` in ms (0 when the key has no back-off). */
  get(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /** Records one more failure at `now`: the delay starts or doubles. */
  next(key: string, now: number): number {
    const e = this.#entries.get(key);
    if (!e || now - e.lastUpdate > this.resetAfterMs) {
      this.#entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
      return this.initialMs;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
    e.lastUpdate = now;
    return e.delayMs;
  }

  /**
   * Whether `key` is still backing off at `now` for an event (for example a
   * container's exit) at `eventTime`: true while `now < eventTime + delay`.
   * As in the kubelet, an entry whose last update is more than the reset period
   * before the event no longer counts (the thing ran stably in between).
   */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean {
    const e = this.#entries.get(key);
    if (!e) return false;
    if (eventTime - e.lastUpdate > this.resetAfterMs) return false;
    return now - eventTime < e.delayMs;
  }

  /** When the back-off for an event at `eventTime` ends, or undefined if none. */
  expiry(key: string, eventTime: number): number | undefined {
    const e = this.#entries.get(key);
    return e ? eventTime + e.delayMs : undefined;
  }

  /** Forgets `key`. */
  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops keys idle longer than the reset period. */
  gc(now: number): void {
    for (const [k, e] of this.#entries) {
      if (now - e.lastUpdate > this.resetAfterMs) this.#entries.delete(k);
    }
  }
}
