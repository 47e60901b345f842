/**
 * When a readiness or startup probe that has not yet succeeded for a
 * container instance is tried again (denolet only; the kubelet waits a full
 * `periodSeconds`): `intervalMs` (20 ms) after a failed probe at first, and
 * later a tenth of the time since the instance's first probe, until that
 * reaches the period (then the period's grid alone). So a port answering
 * soon after the container started makes it Ready within 20 ms, one that
 * takes 30 s within 3 s, and a container that never gets ready costs about
 * 75 extra probes in all, not 50 a second.
 *
 * A failure that took longer than 250 ms (a timeout, an overloaded target)
 * gets no start-up retry: quick retries would only add to the load.
 *
 * These start-up retries never count a failure toward `failureThreshold`
 * (the probes on the period's grid do), so a startup probe still gives a
 * container `failureThreshold * periodSeconds`; they stop at the first
 * success, and are not made for a probe with `successThreshold` above 1
 * (whose successes must be a period apart). Pure: times are arguments.
 *
 * @module
 */

import type { Probe } from "kubernetes-types/core/v1.d.ts";
import type { ProbeType } from "./probe_result.ts";

/** Tuning of the start-up retries. */
export interface StartupRetryOptions {
  /** Shortest time between start-up retries, ms. @default 20 */
  intervalMs?: number;
  /** The retry delay as a fraction of the time since the first probe. @default 0.1 */
  fraction?: number;
}

/** Whether `type`/`probe` gets start-up retries at all. */
export function hasStartupRetries(type: ProbeType, probe: Probe): boolean {
  return type !== "liveness" && (probe.successThreshold ?? 1) <= 1;
}

/**
 * The delay before the next start-up retry after a probe at `now` that did
 * not succeed, for an instance first probed at `firstProbeAt`; undefined
 * once the delay would reach `periodMs` (the period's grid takes over).
 */
export function startupRetryDelay(
  firstProbeAt: number,
  now: number,
  periodMs: number,
  options: StartupRetryOptions = {},
): number | undefined {
  const interval = Math.max(1, options.intervalMs ?? 20);
  const delay = Math.max(interval, Math.max(0, now - firstProbeAt) * (options.fraction ?? 0.1));
  return delay < periodMs ? delay : undefined;
}
