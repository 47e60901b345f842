/**
 * Per-key throttling of log lines, for things that repeat (the same warning
 * event about the same pod): in each window of `windowMs` per key, the first
 * `burst` lines are shown and the others are demoted (the caller logs them at
 * a higher `--v`). The first shown line of the next window carries how many
 * were demoted in the one before.
 *
 * Like the kubelet's event aggregator (10 similar events in 10 minutes), and
 * like every policy here the decision takes the time as an argument.
 *
 * @module
 */

/** What {@linkcode LogThrottle.admit} decided for one line. */
export interface ThrottleDecision {
  /** Whether the line is shown at its own level. */
  show: boolean;
  /** Shown lines only: the key's demoted lines in its previous window. */
  demotedBefore: number;
  /** Shown lines only: whether this is the window's last shown line. */
  lastInWindow: boolean;
}

/** Options of {@linkcode LogThrottle}. */
export interface LogThrottleOptions {
  /** Lines shown per key and window. @default 10 */
  burst?: number;
  /** The window, in ms. @default 600_000 (10 minutes) */
  windowMs?: number;
  /** Keys kept before expired ones are dropped. @default 4096 */
  maxKeys?: number;
}

interface Window {
  start: number;
  shown: number;
  demoted: number;
}

/** Per-key windows of shown and demoted lines. */
export class LogThrottle {
  readonly burst: number;
  readonly windowMs: number;
  #maxKeys: number;
  #windows = new Map<string, Window>();

  constructor(options: LogThrottleOptions = {}) {
    this.burst = options.burst ?? 10;
    this.windowMs = options.windowMs ?? 600_000;
    this.#maxKeys = options.maxKeys ?? 4096;
    if (!Number.isInteger(this.burst) || this.burst < 1 || !(this.windowMs > 0)) {
      throw new RangeError(
        `Cannot create log throttle: burst ${this.burst} must be an integer >= 1 and window ${this.windowMs} ms > 0`,
      );
    }
  }

  /** Decides whether a line for `key` at `now` is shown or demoted. */
  admit(key: string, now: number): ThrottleDecision {
    let w = this.#windows.get(key);
    let demotedBefore = 0;
    if (!w || now - w.start >= this.windowMs || now < w.start) {
      demotedBefore = w?.demoted ?? 0;
      w = { start: now, shown: 0, demoted: 0 };
      this.#windows.set(key, w);
      if (this.#windows.size > this.#maxKeys) this.#prune(now);
    }
    if (w.shown >= this.burst) {
      w.demoted++;
      return { show: false, demotedBefore: 0, lastInWindow: false };
    }
    w.shown++;
    return { show: true, demotedBefore, lastInWindow: w.shown === this.burst };
  }

  /** Number of keys with a window. */
  get size(): number {
    return this.#windows.size;
  }

  #prune(now: number): void {
    for (const [k, w] of this.#windows) {
      if (now - w.start >= this.windowMs) this.#windows.delete(k);
    }
    // Still too many live keys: drop the oldest (Map order is insertion order).
    for (const k of this.#windows.keys()) {
      if (this.#windows.size <= this.#maxKeys) break;
      this.#windows.delete(k);
    }
  }
}
