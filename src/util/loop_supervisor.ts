/**
 * Runs the agent's long-lived loops by name and keeps it from running
 * half-alive: the first loop that fails (rejects) or cannot start stops every
 * loop, and the agent exits 1 so that its own supervisor (systemd, a container
 * runtime) restarts it, as the kubelet exits when one of its servers or loops
 * cannot run. A loop that returns by design (image GC disabled, the evented
 * PLEG falling back to relisting) is not a failure.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { errText } from "./err_text.ts";
import type { Logger } from "./logger.ts";

/** Options of {@linkcode LoopSupervisor}. */
export interface LoopSupervisorOptions {
  clock: Clock;
  logger: Logger;
  /** Stops every loop when it aborts (SIGTERM, SIGINT, SIGHUP, the parent gone). */
  signal: AbortSignal;
  /** How long loops get to finish once stopped before they are named and left. @default 5000 */
  graceMs?: number;
}

/** The first loop that failed, and how. */
export interface LoopFailure {
  name: string;
  error: unknown;
}

/** How a supervised run ended. */
export interface SupervisedRun {
  /** Set when a loop failed before the agent was told to stop. */
  failure?: LoopFailure;
  /** Loops still running when the grace ran out. */
  stragglers: string[];
}

/**
 * Starts loops with {@linkcode LoopSupervisor.start} and waits for them with
 * {@linkcode LoopSupervisor.wait}. Its {@linkcode LoopSupervisor.signal} is the
 * one every loop runs under: it aborts with the outer signal or at the first
 * failure.
 */
export class LoopSupervisor {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #graceMs: number;
  readonly #stop = new AbortController();
  readonly #running = new Map<string, Promise<void>>();
  #failure?: LoopFailure;

  constructor(options: LoopSupervisorOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#graceMs = options.graceMs ?? 5_000;
    const outer = options.signal;
    if (outer.aborted) this.#stop.abort(outer.reason);
    else outer.addEventListener("abort", () => this.#stop.abort(outer.reason), { once: true });
  }

  /** The signal every supervised loop runs under. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** The first failure, once one happened. */
  get failure(): LoopFailure | undefined {
    return this.#failure;
  }

  /**
   * Starts `run(signal)` as the loop `name`. A throw (also a synchronous one)
   * or a rejection before the stop counts as the loop failing.
   */
  start(name: string, run: (signal: AbortSignal) => Promise<unknown>): void {
    if (this.#running.has(name)) throw new TypeError(`Cannot start loop '${name}' twice`);
    let promise: Promise<unknown>;
    try {
      promise = run(this.#stop.signal);
    } catch (err) {
      promise = Promise.reject(err);
    }
    this.#running.set(
      name,
      promise.then(
        () => this.#logger.debug(2, "Loop ended", { loop: name }),
        (err) => this.#failed(name, err),
      ),
    );
  }

  /**
   * The healthz view: undefined while every loop runs, else the reason. Wired
   * as a healthz check so that `/healthz` never says ok with a loop dead.
   */
  healthCheck(): string | undefined {
    return this.#failure
      ? `loop ${this.#failure.name} failed: ${errText(this.#failure.error)}`
      : undefined;
  }

  #failed(name: string, error: unknown): void {
    if (this.#stop.signal.aborted) {
      this.#logger.debug(2, "Loop ended with an error while stopping", { loop: name, err: error });
      return;
    }
    this.#failure = { name, error };
    this.#logger.error(
      `The ${name} loop failed; stopping denolet (exit 1) so that it is restarted`,
      { err: error },
    );
    this.#stop.abort(new Error(`loop ${name} failed`));
  }

  /**
   * Resolves once every loop has ended, or, after the stop, once the grace has
   * run out (the loops still running are returned as stragglers). Never rejects.
   */
  async wait(): Promise<SupervisedRun> {
    const all = Promise.all(this.#running.values());
    const stopped = new Promise<void>((resolve) => {
      if (this.#stop.signal.aborted) resolve();
      else this.#stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await Promise.race([all, stopped]);
    const done = new Set<string>();
    for (const [name, p] of this.#running) void p.then(() => done.add(name));
    const graceOver = new AbortController();
    const finished = await Promise.race([
      all.then(() => true),
      this.#clock.sleep(this.#graceMs, graceOver.signal).then(() => false, () => true),
    ]);
    graceOver.abort();
    const stragglers = finished ? [] : [...this.#running.keys()].filter((n) => !done.has(n));
    if (stragglers.length > 0) {
      this.#logger.warn("Stopping without waiting longer for", { loops: stragglers.join(",") });
    }
    return { failure: this.#failure, stragglers };
  }
}
