/**
 * A {@linkcode Clock} whose timers due at the same millisecond share one
 * timer of the clock beneath. Probe workers wake on the same 10 ms
 * boundaries and their probes' timeouts start together, so a thousand
 * workers arm about a hundred timers a second instead of a thousand, and
 * each timer of the clock beneath costs more than a slot's bookkeeping.
 *
 * Timers fire exactly when they would on the clock beneath (nothing is
 * rounded); timers of one slot fire in the order they were made. A delay
 * longer than {@linkcode MAX_TIMER_MS}, or `Infinity`, goes to the clock
 * beneath unshared.
 *
 * @module
 */

import { type CancelTimer, type Clock, MAX_TIMER_MS, sleepWith, timerDelay } from "./clock.ts";

interface Slot {
  fns: Set<{ fn: () => void }>;
  cancel: CancelTimer;
}

/** Timers of `clock`, shared by due time (see the module doc). */
export class SharedTimers implements Clock {
  readonly #clock: Clock;
  readonly #slots = new Map<number, Slot>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The clock beneath. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Timers of the clock beneath currently armed for shared slots (for tests and benches). */
  get armedSlots(): number {
    return this.#slots.size;
  }

  now(): number {
    return this.#clock.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  after(ms: number, fn: () => void): CancelTimer {
    const delay = timerDelay(ms);
    if (!(delay <= MAX_TIMER_MS)) return this.#clock.after(ms, fn);
    const at = this.#clock.now() + delay;
    let slot = this.#slots.get(at);
    if (!slot) {
      const fns = new Set<{ fn: () => void }>();
      const cancel = this.#clock.after(delay, () => {
        this.#slots.delete(at);
        for (const entry of fns) {
          try {
            entry.fn();
          } catch (err) {
            // As from a timer of its own: reported, and the slot's others still run.
            queueMicrotask(() => {
              throw err;
            });
          }
        }
      });
      slot = { fns, cancel };
      this.#slots.set(at, slot);
    }
    const entry = { fn };
    const { fns } = slot;
    fns.add(entry);
    return () => {
      if (!fns.delete(entry) || fns.size > 0) return;
      const current = this.#slots.get(at);
      if (current?.fns === fns) {
        this.#slots.delete(at);
        current.cancel();
      }
    };
  }
}
