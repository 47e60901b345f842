/**
 * The limiter of the kubelet's event client: `eventRecordQPS` /
 * `eventBurst` (defaults 50 / 100). A qps of 0 means no limit, as the
 * KubeletConfiguration documents it (client-go itself reads a 0 as its
 * default 5, kubernetes/kubernetes#117101); a burst of 0 is client-go's
 * default 10.
 *
 * @module
 */

import { type RateLimiter, TokenBucket, UNLIMITED } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";

/**
 * The limiter for `eventRecordQPS` / `eventBurst` on the injected clock:
 * none for a qps of 0, else a token bucket.
 * @throws {RangeError} for a negative or non-finite qps or a negative burst.
 */
export function eventRateLimiter(qps: number, burst: number, clock: Clock): RateLimiter {
  if (!(qps >= 0) || !Number.isFinite(qps) || !(burst >= 0)) {
    throw new RangeError(
      `Cannot make the event rate limiter: eventRecordQPS ${qps} and eventBurst ${burst} must be >= 0`,
    );
  }
  if (qps === 0) return UNLIMITED;
  return new TokenBucket({ qps, burst: burst === 0 ? 10 : Math.max(1, Math.floor(burst)), clock });
}
