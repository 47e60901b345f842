/**
 * The clock every timer-driven part of the agent is given, so that back-off,
 * probe periods, GC ages and relists can be tested without sleeping.
 *
 * Times are milliseconds since the Unix epoch, as `Date.now()` returns them.
 *
 * Every timer of the agent is made here, so this is where delays that come
 * from users (probe periods, grace periods, sleep hooks, resync periods) are
 * made safe, in one place: a NaN or negative delay is 0, `Infinity` never
 * fires, and a delay longer than {@linkcode MAX_TIMER_MS} (the most one
 * `setTimeout` holds; Deno turns a longer one into 1 ms) is waited for in
 * chained timeouts of at most that length, so it fires neither early nor in
 * a busy loop. {@linkcode FakeClock} follows the same rules.
 *
 * @module
 */

/** A cancel function returned by {@linkcode Clock.after}. */
export type CancelTimer = () => void;

/**
 * The longest delay one `setTimeout` holds: 2^31-1 ms, about 24.8 days.
 * Longer delays are chained out of timeouts of at most this length.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The delay a timer of `ms` milliseconds waits for: `ms` itself, 0 for NaN or
 * a negative number; `Infinity` stays (a timer that never fires).
 */
export function timerDelay(ms: number): number {
  return ms > 0 ? ms : 0;
}

/** Source of time and timers. */
export interface Clock {
  /** The current time in milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with the signal's reason when
   * the signal aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` once after `ms` milliseconds (see {@linkcode timerDelay}); the
   * returned function cancels it.
   */
  after(ms: number, fn: () => void): CancelTimer;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/**
 * `clock.sleep` built on `clock.after`: resolves after `ms`, rejects with the
 * signal's reason when it aborts first. For Clock implementations.
 */
export function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(abortReason(signal!));
    };
    const cancel = clock.after(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The timer functions {@linkcode RealClock} uses (the global ones by default). */
export interface RealClockOptions {
  /** Arms a timer of at most {@linkcode MAX_TIMER_MS}. @default globalThis.setTimeout */
  setTimeout?: (fn: () => void, ms: number) => number;
  /** @default globalThis.clearTimeout */
  clearTimeout?: (id: number) => void;
}

/**
 * The wall clock, backed by `Date.now()` and `setTimeout`. A delay longer
 * than {@linkcode MAX_TIMER_MS} is waited for in chained timeouts.
 */
export class RealClock implements Clock {
  #setTimeout: (fn: () => void, ms: number) => number;
  #clearTimeout: (id: number) => void;

  constructor(options: RealClockOptions = {}) {
    // Deno's timers return numbers (the Node types in scope say otherwise).
    this.#setTimeout = options.setTimeout ?? ((fn, ms) => setTimeout(fn, ms) as unknown as number);
    this.#clearTimeout = options.clearTimeout ?? ((id) => clearTimeout(id));
  }

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  after(ms: number, fn: () => void): CancelTimer {
    let remaining = timerDelay(ms);
    let id = 0;
    const arm = () => {
      const chunk = Math.min(remaining, MAX_TIMER_MS);
      remaining -= chunk;
      id = this.#setTimeout(remaining > 0 ? arm : fn, chunk);
    };
    arm();
    return () => this.#clearTimeout(id);
  }
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when a test moves it. Timers fire in time order
 * (and in creation order for equal times) during {@linkcode FakeClock.step}
 * or {@linkcode FakeClock.advance}. Delays follow {@linkcode timerDelay}: a
 * delay of any finite length fires once, exactly when it is due.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  /** @param start the initial time in ms since the epoch. @default 1_700_000_000_000 */
  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  after(ms: number, fn: () => void): CancelTimer {
    const timer = { at: this.#now + timerDelay(ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      const i = this.#timers.indexOf(timer);
      if (i >= 0) this.#timers.splice(i, 1);
    };
  }

  /** The number of timers (including sleeps) not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Time of the earliest pending timer, or undefined. */
  nextTimerAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /**
   * Moves time forward by `ms` synchronously, firing every timer due on the way.
   * Work that a fired timer schedules through promises runs only after the caller
   * yields; use {@linkcode FakeClock.advance} to let it run between timers.
   */
  step(ms: number): void {
    const target = this.#now + ms;
    for (let t = this.#earliest(); t && t.at <= target; t = this.#earliest()) {
      this.#timers.splice(this.#timers.indexOf(t), 1);
      this.#now = t.at;
      t.fn();
    }
    this.#now = target;
  }

  /**
   * Moves time forward by `ms`, firing due timers one by one and letting the
   * promise chains they start settle after each, so loops that sleep again are
   * rescheduled within the same advance.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (let t = this.#earliest(); t && t.at <= target; t = this.#earliest()) {
      this.#timers.splice(this.#timers.indexOf(t), 1);
      this.#now = t.at;
      t.fn();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  /** Sets the time without firing timers (for tests of pure policies). */
  set(ms: number): void {
    this.#now = ms;
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/**
 * Lets pending promise callbacks run: one macrotask turn, which drains the
 * microtask queue several times over. Used by tests and by FakeClock; it does
 * not wait for any timer.
 */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
