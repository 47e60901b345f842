/**
 * Per-call time limits of CRI RPCs, as the kubelet's CRI client sets them.
 *
 * @module
 */

import type { CriMethod } from "./types.ts";

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
 * @throws {RangeError} when the default or `request.timeout` is negative or
 *   not finite.
 */
export function timeoutFor(
  method: CriMethod,
  request: TimeoutRequest = {},
  options: TimeoutOptions = {},
): number | null {
  const base = options.runtimeRequestTimeoutMs ?? DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(base) || base <= 0) {
    throw new RangeError(`runtimeRequestTimeoutMs must be a positive number: got ${base}`);
  }
  const seconds = request.timeout ?? 0;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(
      `${method} timeout must be a non-negative number of seconds: got ${seconds}`,
    );
  }
  switch (method) {
    case "RunPodSandbox":
      return 2 * base;
    case "StopContainer":
      return base + seconds * 1000;
    case "ExecSync":
      return seconds === 0 ? null : base + seconds * 1000;
    case "CheckpointContainer":
      return Math.max(seconds * 1000, base);
    case "PullImage":
    case "GetContainerEvents":
      return null;
    default:
      return base;
  }
}
