/**
 * The client-side rate limit of the API client (`kubeAPIQPS` / `kubeAPIBurst`):
 * a token bucket like client-go's `flowcontrol.NewTokenBucketRateLimiter`
 * (golang.org/x/time/rate underneath). The bucket starts full with `burst`
 * tokens and refills at `qps` tokens a second; each request takes one, and
 * one that finds the bucket empty reserves the next token and waits for it,
 * so waiting requests go in arrival order and nothing polls.
 *
 * Time comes from the injected {@linkcode Clock}; tests step a FakeClock.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";

/** What the API client waits on before each request. */
export interface RateLimiter {
  /**
   * Resolves when the caller may send one request. Rejects with the signal's
   * reason when it aborts first (the reserved token is given back).
   */
  wait(signal?: AbortSignal): Promise<void>;
}

/** Options of {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second; must be positive and finite. */
  qps: number;
  /** Bucket size (and the initial tokens); a positive integer. */
  burst: number;
  clock: Clock;
}

/** A token bucket rate limiter on an injected clock. */
export class TokenBucket implements RateLimiter {
  readonly qps: number;
  readonly burst: number;
  #clock: Clock;
  #tokens: number;
  #last: number;

  /** @throws {RangeError} when `qps` is not positive and finite or `burst` is not a positive integer. */
  constructor(options: TokenBucketOptions) {
    const { qps, burst, clock } = options;
    if (!(qps > 0) || !Number.isFinite(qps)) {
      throw new RangeError(`Cannot make a token bucket: qps ${qps} must be positive`);
    }
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`Cannot make a token bucket: burst ${burst} must be a positive integer`);
    }
    this.qps = qps;
    this.burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Tokens available at `now` (negative while reservations wait). */
  tokensAt(now: number): number {
    const elapsed = Math.max(0, now - this.#last);
    return Math.min(this.burst, this.#tokens + (elapsed * this.qps) / 1000);
  }

  /**
   * Takes one token at `now` and returns how many ms the caller must wait
   * before using it (0 when one was in the bucket).
   */
  reserve(now: number = this.#clock.now()): number {
    this.#tokens = this.tokensAt(now) - 1;
    this.#last = Math.max(this.#last, now);
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.qps);
  }

  /** Gives back a token reserved and not used (an aborted wait). */
  cancel(now: number = this.#clock.now()): void {
    this.#tokens = Math.min(this.burst, this.tokensAt(now) + 1);
    this.#last = Math.max(this.#last, now);
  }

  async wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const delay = this.reserve();
    if (delay === 0) return;
    try {
      await this.#clock.sleep(delay, signal);
    } catch (e) {
      this.cancel();
      throw e;
    }
  }
}

/** A limiter that never waits: the kubelet's heartbeat client runs unthrottled (QPS -1). */
export const UNLIMITED: RateLimiter = {
  wait(signal?: AbortSignal): Promise<void> {
    return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  },
};

/**
 * The limiter for `kubeAPIQPS` / `kubeAPIBurst` with client-go's rules: a qps
 * of 0 means client-go's default 5 and a burst of 0 its default 10; a
 * negative qps means no limit.
 */
export function apiRateLimiter(qps: number, burst: number, clock: Clock): RateLimiter {
  if (qps < 0) return UNLIMITED;
  return new TokenBucket({ qps: qps === 0 ? 5 : qps, burst: burst === 0 ? 10 : burst, clock });
}
