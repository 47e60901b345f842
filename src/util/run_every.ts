/**
 * The one shape of every periodic loop in the agent: a thin wrapper that
 * repeats a testable step on the injected clock until a signal aborts.
 *
 * The shape, for every loop (housekeeping, GC, image GC, the runtime status
 * poll, relisting, probe workers, the evented PLEG's cache ticker):
 *
 * - the work is a step the loop's owner exposes and tests call directly
 *   (`relist()`, `probeOnce()`, `collectGarbage(now)`); the loop is
 *   `run(signal)` = `runEvery(step, { clock, periodMs, signal })`;
 * - the step runs at once (or after a first wait with `immediate: false`),
 *   then again after each wait; the wait starts when the step has ended;
 * - a throwing step is reported through `onError` and the loop goes on;
 * - the loop ends when `signal` aborts, also during a wait, and resolves
 *   (it never rejects for the abort);
 * - `periodMs` is a number, or a function asked before each wait: a period
 *   that may change (the generic PLEG's relist period) or a wait the step
 *   decides (a probe worker's next tick or the end of an initial delay);
 * - a {@linkcode LoopWaker} ends the current wait early, so "run now" is a
 *   call, not a second loop.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

/** Keys of the {@linkcode LoopWaker} methods only {@linkcode runEvery} calls. */
const TAKE = Symbol("take");
const SLEEP = Symbol("sleep");

/**
 * Wakes a {@linkcode runEvery} loop early. `wake()` during a wait ends the
 * wait, so the next step runs now; `wake()` during a step makes the loop skip
 * the wait after it. Wakes before a step starts are served by that step. Give
 * one waker to one loop.
 */
export class LoopWaker {
  #pending = false;
  #interrupt?: () => void;

  /** Runs the loop's next step now (or as soon as the current one ends). */
  wake(): void {
    this.#pending = true;
    this.#interrupt?.();
  }

  /** A step is about to run: it serves every wake so far. */
  [TAKE](): void {
    this.#pending = false;
  }

  /**
   * Sleeps `ms` on the clock unless woken; rejects only when `signal` aborts.
   * One timer and one abort listener per wait, no controller: probe workers
   * wait a thousand times a second.
   */
  [SLEEP](clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#pending) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let cancel: (() => void) | undefined;
      const end = () => {
        cancel?.();
        signal.removeEventListener("abort", onAbort);
        this.#interrupt = undefined;
      };
      const onAbort = () => {
        end();
        reject(signal.reason);
      };
      this.#interrupt = () => {
        end();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      cancel = clock.after(ms, () => {
        cancel = undefined;
        end();
        resolve();
      });
    });
  }
}

/** Options for {@linkcode runEvery}. */
export interface RunEveryOptions {
  clock: Clock;
  /**
   * The wait between the end of one step and the start of the next, in ms;
   * a function is asked before each wait (so the period may change, or the
   * step may decide the next wait).
   */
  periodMs: number | (() => number);
  /** Stops the loop. */
  signal: AbortSignal;
  /** Run the step once at start, before the first wait (the kubelet's wait.Until). @default true */
  immediate?: boolean;
  /** Called when a step throws; the loop goes on. @default ignore */
  onError?: (err: unknown) => void;
  /** Ends a wait early (see {@linkcode LoopWaker}). @default no early wakes */
  waker?: LoopWaker;
}

/**
 * Calls `step(now)` every `periodMs` on the clock until the signal aborts;
 * resolves then (never rejects for the abort). A step that throws is reported
 * through `onError` and the loop goes on.
 */
export async function runEvery(
  step: (now: number) => unknown,
  options: RunEveryOptions,
): Promise<void> {
  const { clock, periodMs, signal, waker } = options;
  let first = options.immediate ?? true;
  while (!signal.aborted) {
    if (!first) {
      const ms = typeof periodMs === "function" ? periodMs() : periodMs;
      try {
        if (waker) await waker[SLEEP](clock, ms, signal);
        else await clock.sleep(ms, signal);
      } catch {
        return;
      }
    }
    first = false;
    waker?.[TAKE]();
    try {
      await step(clock.now());
    } catch (err) {
      options.onError?.(err);
    }
  }
}
