/**
 * The back-off of a list+watch (the API pod source, the ConfigMap and Secret
 * watches), client-go's reflector's: 800 ms
 * doubling to 30 s, each wait lengthened by up to as much again (jitter 1.0, so
 * the waits settle in [30 s, 60 s)), started over after 2 minutes without a
 * failure. A 429's Retry-After is waited for when it is longer (at most the
 * cap, so a server cannot park the node for an hour).
 *
 * @module
 */

import { isTooManyRequests } from "./api_error.ts";
import { Backoff } from "../util/backoff.ts";

/** The back-off of the API pod source; client-go's reflector values by default. */
export interface ApiPodSourceBackoff {
  /** @default 800 */
  initialMs?: number;
  /** @default 30_000 */
  maxMs?: number;
  /** The back-off starts over after this long without a failure. @default 120_000 */
  resetMs?: number;
  /** Each wait is lengthened by up to `jitter` times itself (random). @default 1 */
  jitter?: number;
}

/** The waits after failures. */
export class ApiRetry {
  #backoff: Backoff;
  #jitter: number;
  #random: () => number;

  /** @throws {RangeError} for `initialMs` not in (0, maxMs] or a negative jitter. */
  constructor(options: ApiPodSourceBackoff, random: () => number) {
    this.#backoff = new Backoff({
      initialMs: options.initialMs ?? 800,
      maxMs: options.maxMs ?? 30_000,
      resetAfterMs: options.resetMs ?? 120_000,
    });
    this.#jitter = options.jitter ?? 1;
    if (!(this.#jitter >= 0)) {
      throw new RangeError(`Cannot create API pod source: jitter ${this.#jitter} must be >= 0`);
    }
    this.#random = random;
  }

  /** Records a failure at `now` and returns the wait before the next try, in ms. */
  next(error: unknown, now: number): number {
    const base = this.#backoff.next("api", now);
    const wait = Math.round(base * (1 + this.#jitter * this.#random()));
    if (isTooManyRequests(error) && error.retryAfterSeconds !== undefined) {
      return Math.max(wait, Math.min(error.retryAfterSeconds * 1000, this.#backoff.maxMs));
    }
    return wait;
  }
}
