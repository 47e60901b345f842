/**
 * The generic PLEG's "PLEG" health check (kubelet's GenericPLEG.Healthy),
 * as a pure function of the last successful relist and the time.
 *
 * @module
 */

import { formatGoDuration } from "../util/go_duration.ts";
import type { PlegHealth } from "./pleg.ts";

/**
 * Unhealthy until a relist succeeded (`relistTime` undefined), or when the
 * last successful relist started more than `thresholdMs` before `now`.
 */
export function relistHealth(
  relistTime: number | undefined,
  thresholdMs: number,
  now: number,
): PlegHealth {
  if (relistTime === undefined) {
    return { ok: false, message: "pleg has yet to be successful" };
  }
  const elapsed = now - relistTime;
  if (elapsed > thresholdMs) {
    return {
      ok: false,
      message: `pleg was last seen active ${formatGoDuration(elapsed)} ago; threshold is ${
        formatGoDuration(thresholdMs)
      }`,
    };
  }
  return { ok: true, message: "" };
}
