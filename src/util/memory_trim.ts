/**
 * Gives memory back to the system after a burst of work. V8 keeps the heap
 * pages a burst grew it to: a full GC frees the objects, but the emptied pages
 * stay in V8's pool, resident and not counted in `heapTotal`, and only a
 * memory-reducing GC returns them. V8 starts one itself when the agent looks
 * idle, but an agent that allocates a little every second (relists, status)
 * never looks idle to it, so the pages of the start-up burst (every pod
 * starting at once) stayed for good. Measured on containerd, 110 idle pods:
 * RSS 143 MiB, 99 MiB after one such GC (`heapTotal` 63 → 19 MiB).
 *
 * The trimmer reads the RSS every period and, when it has grown by at least
 * `thresholdBytes` since the last trim (the first step always trims), runs the
 * memory-reducing GC and notes the RSS after it. An agent that stays at the
 * same size never trims again; one that grows trims once per threshold.
 *
 * The GC is V8's `gc({ type: "major", execution: "sync", flavor:
 * "last-resort" })`, there only with `--v8-flags=--expose-gc` (the launcher
 * and the compiled binary set it: scripts/run.ts `AGENT_V8_FLAGS`); see
 * {@linkcode v8MemoryReducingGc}.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { runEvery } from "./run_every.ts";

/** Options of {@linkcode MemoryTrimmer}. */
export interface MemoryTrimmerOptions {
  clock: Clock;
  /** Reads the resident set size in bytes (`() => Deno.memoryUsage().rss`; no permission). */
  rss: () => number;
  /** Runs a memory-reducing full GC ({@linkcode v8MemoryReducingGc}). */
  collect: () => void;
  /** How often the RSS is read, in ms. @default 15_000 */
  periodMs?: number;
  /** Growth of the RSS since the last trim that makes the next step trim, in bytes. @default 8 MiB */
  thresholdBytes?: number;
  /** Called after each trim with the RSS before and after it (bytes) and its duration (ms). */
  onTrim?: (trim: MemoryTrim) => void;
}

/** One trim: the RSS before and after it, bytes, and how long the GC took, ms. */
export interface MemoryTrim {
  rssBefore: number;
  rssAfter: number;
  durationMs: number;
}

/** The default period of {@linkcode MemoryTrimmer}, ms. */
export const MEMORY_TRIM_PERIOD_MS = 15_000;

/** The default growth that triggers a trim, bytes. */
export const MEMORY_TRIM_THRESHOLD_BYTES = 8 * 1024 * 1024;

/** Reads the RSS and, after enough growth, gives V8's free pages back (see the module doc). */
export class MemoryTrimmer {
  readonly #options: MemoryTrimmerOptions;
  readonly #threshold: number;
  /** The RSS right after the last trim; undefined before the first. */
  #afterLastTrim: number | undefined;

  constructor(options: MemoryTrimmerOptions) {
    const threshold = options.thresholdBytes ?? MEMORY_TRIM_THRESHOLD_BYTES;
    if (!(threshold >= 0)) {
      throw new RangeError(`Cannot trim memory: thresholdBytes ${threshold} is not >= 0`);
    }
    this.#options = options;
    this.#threshold = threshold;
  }

  /** The RSS right after the last trim, bytes (undefined before the first). */
  get rssAfterLastTrim(): number | undefined {
    return this.#afterLastTrim;
  }

  /** One step: trims when the RSS grew by the threshold since the last trim; returns the trim, if any. */
  step(): MemoryTrim | undefined {
    const rssBefore = this.#options.rss();
    if (
      this.#afterLastTrim !== undefined && rssBefore < this.#afterLastTrim + this.#threshold
    ) return undefined;
    const started = performance.now();
    this.#options.collect();
    const durationMs = performance.now() - started;
    const rssAfter = this.#options.rss();
    this.#afterLastTrim = rssAfter;
    const trim = { rssBefore, rssAfter, durationMs };
    this.#options.onTrim?.(trim);
    return trim;
  }

  /** Runs {@linkcode step} every period (the first after one period) until `signal` aborts. */
  run(signal: AbortSignal): Promise<void> {
    return runEvery(() => this.step(), {
      clock: this.#options.clock,
      periodMs: this.#options.periodMs ?? MEMORY_TRIM_PERIOD_MS,
      signal,
      immediate: false,
    });
  }
}

/** The shape of V8's `gc` with options (`--expose-gc`). */
type V8Gc = (options?: { type?: string; execution?: string; flavor?: string }) => unknown;

/**
 * V8's memory-reducing full GC (`gc({ type: "major", execution: "sync",
 * flavor: "last-resort" })`: full GCs until nothing more is freed, then the
 * free pages go back to the system), or undefined when the process runs
 * without `--v8-flags=--expose-gc`. `global` is for tests.
 */
export function v8MemoryReducingGc(global: object = globalThis): (() => void) | undefined {
  const gc = (global as { gc?: unknown }).gc;
  if (typeof gc !== "function") return undefined;
  return () => void (gc as V8Gc)({ type: "major", execution: "sync", flavor: "last-resort" });
}
