/**
 * Keeps the agent from outliving the process that started it: when the
 * launcher (`deno task start`, scripts/run.ts) is killed — even with SIGKILL,
 * which it cannot forward — the agent is re-parented, its parent PID changes,
 * and the agent stops as if told to. Started directly by systemd (parent 1) it
 * never fires.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { runEvery } from "./run_every.ts";

/** Options of {@linkcode watchParent}. */
export interface WatchParentOptions {
  clock: Clock;
  signal: AbortSignal;
  /** Reads the current parent PID (`() => Deno.ppid`; needs no permission). */
  ppid: () => number;
  /** Called once when the parent PID differs from the one at start. */
  onParentGone: (startedBy: number, now: number) => void;
  /** How often the parent PID is read, in ms. @default 1000 */
  periodMs?: number;
}

/**
 * Reads the parent PID every period until `signal` aborts or the parent is
 * gone (then calls `onParentGone` once and resolves).
 */
export async function watchParent(options: WatchParentOptions): Promise<void> {
  const startedBy = options.ppid();
  const gone = new AbortController();
  const stop = () => gone.abort();
  options.signal.addEventListener("abort", stop, { once: true });
  try {
    await runEvery(() => {
      const now = options.ppid();
      if (now === startedBy) return;
      gone.abort();
      options.onParentGone(startedBy, now);
    }, {
      clock: options.clock,
      periodMs: options.periodMs ?? 1_000,
      signal: gone.signal,
      immediate: false,
    });
  } finally {
    options.signal.removeEventListener("abort", stop);
  }
}
