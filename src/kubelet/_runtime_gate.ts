/**
 * The sync loop's runtime gate: while the node's runtime reports errors, pod
 * passes are skipped with a per-pod back-off (100 ms doubling to 5 s), and
 * the pause and the resumption are logged once each.
 *
 * @module
 */

import { Backoff } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { RuntimeHealth } from "./sync_loop_options.ts";

/** Options for {@linkcode RuntimeGate}. */
export interface RuntimeGateOptions {
  clock: Clock;
  logger: Logger;
  /** Node health. @default always healthy */
  runtimeHealth?: RuntimeHealth;
}

/** A pass skipped because the runtime is down. */
export interface RuntimeGateSkip {
  reason: string;
  nextWakeAt: number;
}

/** Whether pod syncs may run now, with the per-pod back-off while they may not. */
export class RuntimeGate {
  #clock: Clock;
  #logger: Logger;
  #health?: RuntimeHealth;
  #pause = new Backoff({ initialMs: 100, maxMs: 5_000 });
  #down = false;

  constructor(options: RuntimeGateOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#health = options.runtimeHealth;
  }

  /** Whether the runtime reported errors at the last check. */
  get down(): boolean {
    return this.#down;
  }

  /** The runtime's errors now; logs when pod syncs pause and resume. */
  check(): readonly string[] {
    const errors = this.#health?.runtimeErrors(this.#clock.now()) ?? [];
    if (errors.length === 0 && this.#down) {
      this.#down = false;
      this.#logger.info("Container runtime is back, resuming pod synchronization");
    } else if (errors.length > 0 && !this.#down) {
      this.#down = true;
      this.#logger.error("Skipping pod synchronization", { err: errors.join("; ") });
    }
    return errors;
  }

  /**
   * Undefined (and the pod's back-off reset) when the runtime is healthy;
   * otherwise why the pod's pass is skipped and when to try it again.
   */
  skip(uid: string): RuntimeGateSkip | undefined {
    const errors = this.check();
    if (errors.length === 0) {
      this.#pause.reset(uid);
      return undefined;
    }
    const now = this.#clock.now();
    return { reason: errors.join("; "), nextWakeAt: now + this.#pause.next(uid, now) };
  }
}
