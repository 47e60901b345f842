/**
 * The one shape of every periodic loop in the agent: a thin wrapper that
 * repeats a testable step on the injected clock until a signal aborts.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

/** Options for {@linkcode runEvery}. */
export interface RunEveryOptions {
  clock: Clock;
  /** Time between the end of one step and the start of the next, in ms. */
  periodMs: number;
  /** Stops the loop. */
  signal: AbortSignal;
  /** Run the step once at start, before the first wait (the kubelet's wait.Until). @default true */
  immediate?: boolean;
  /** Called when a step throws; the loop goes on. @default ignore */
  onError?: (err: unknown) => void;
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
  const { clock, periodMs, signal } = options;
  let first = options.immediate ?? true;
  while (!signal.aborted) {
    if (!first) {
      try {
        await clock.sleep(periodMs, signal);
      } catch {
        return;
      }
    }
    first = false;
    try {
      await step(clock.now());
    } catch (err) {
      options.onError?.(err);
    }
  }
}
