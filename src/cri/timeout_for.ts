/**
 * Per-call time limits of CRI RPCs, as the kubelet's CRI client sets them,
 * and the one place their deadlines are made: every limit is clamped by
 * {@linkcode clampTimeoutMs} and every gRPC deadline comes from
 * {@linkcode deadlineAfter}, so a user's number (a grace period of 10^15 s is
 * a valid int64) can never reach grpc-js as a deadline it throws on
 * ("Deadline is too far in the future") or an invalid `Date`.
 *
 * @module
 */

import { MAX_TIMER_MS } from "../util/clock.ts";
import type { CriMethod } from "./types.ts";

/**
 * The longest CRI call limit: 2^31-1 ms, about 24.8 days, the longest timer
 * grpc-js (and Deno) can hold. A longer limit (a StopContainer with a grace
 * period of more than 24.8 days) is cut to it: the call then ends with
 * DeadlineExceeded after 24.8 days instead of running on.
 */
export const MAX_CRI_TIMEOUT_MS = MAX_TIMER_MS;

/**
 * A call limit made safe: `ms` itself, at most {@linkcode MAX_CRI_TIMEOUT_MS}
 * (also for `Infinity`), and 0 for NaN or a negative number.
 */
export function clampTimeoutMs(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_CRI_TIMEOUT_MS) : 0;
}

/**
 * The gRPC deadline of a call limited to `timeoutMs` from `now`, clamped by
 * {@linkcode clampTimeoutMs}: always a valid `Date` that grpc-js accepts.
 */
export function deadlineAfter(timeoutMs: number, now: number = Date.now()): Date {
  return new Date(now + clampTimeoutMs(timeoutMs));
}

/** The default per-call limit: the kubelet's `--runtime-request-timeout` (2m). */
export const DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS = 120_000;

/** Options of {@linkcode timeoutFor}. */
export interface TimeoutOptions {
  /**
   * The default per-call limit in milliseconds.
   * @default {120000}
   */
  runtimeRequestTimeoutMs?: number;
}

/** The request fields that change a call's limit. */
export interface TimeoutRequest {
  /** StopContainer grace, ExecSync or CheckpointContainer timeout, in seconds. */
  timeout?: number;
}

/**
 * The time limit in milliseconds of one call of `method`, or `null` for a
 * call without a deadline:
 * - RunPodSandbox: twice the default;
 * - StopContainer: the default plus the grace period;
 * - ExecSync: the default plus the command's timeout, `null` when that is 0;
 * - CheckpointContainer: the larger of its timeout and the default;
 * - PullImage and GetContainerEvents: `null` (cancelled by signal only);
 * - everything else: the default.
 *
 * The limit is clamped by {@linkcode clampTimeoutMs}; an infinite default or
 * `request.timeout` is clamped the same way.
 *
 * @throws {RangeError} when the default is not positive, or `request.timeout`
 *   is negative or NaN.
 */
export function timeoutFor(
  method: CriMethod,
  request: TimeoutRequest = {},
  options: TimeoutOptions = {},
): number | null {
  const base = options.runtimeRequestTimeoutMs ?? DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS;
  if (!(base > 0)) {
    throw new RangeError(`runtimeRequestTimeoutMs must be a positive number: got ${base}`);
  }
  const seconds = request.timeout ?? 0;
  if (!(seconds >= 0)) {
    throw new RangeError(
      `${method} timeout must be a non-negative number of seconds: got ${seconds}`,
    );
  }
  const limit = limitOf(method, base, seconds * 1000);
  return limit === null ? null : clampTimeoutMs(limit);
}

function limitOf(method: CriMethod, base: number, extraMs: number): number | null {
  switch (method) {
    case "RunPodSandbox":
      return 2 * base;
    case "StopContainer":
      return base + extraMs;
    case "ExecSync":
      return extraMs === 0 ? null : base + extraMs;
    case "CheckpointContainer":
      return Math.max(extraMs, base);
    case "PullImage":
    case "GetContainerEvents":
      return null;
    default:
      return base;
  }
}
