/**
 * The kill step of a pod that is going away (removed from its sources,
 * deleted, or an orphan): stop what still runs, then remove its sandboxes
 * (and with them their containers).
 *
 * @module
 */

import type { PodStatus, Runtime } from "../container/runtime.ts";
import { PodSyncResult } from "../container/sync_result.ts";
import { errText, runningPodOf, type Termination } from "./_helpers.ts";

/** What {@linkcode terminatePod} needs. */
export interface TerminatePodOptions {
  runtime: Pick<Runtime, "killPod" | "removePodSandbox">;
  /** Removes the stopped sandboxes (and their containers) after the kill. @default true */
  removeSandboxes?: boolean;
}

/** The outcome of {@linkcode terminatePod}. */
export interface TerminatePodResult {
  result: PodSyncResult;
  /** The runtime did not answer (retry soon rather than after the error back-off). */
  transient: boolean;
}

/**
 * Kills every container and sandbox of the pod in `status` with the pod's
 * grace period (or the termination's override), then removes its sandboxes
 * when a remover is given. A sandbox already gone counts as removed.
 */
export async function terminatePod(
  termination: Termination,
  status: PodStatus,
  options: TerminatePodOptions,
): Promise<TerminatePodResult> {
  const running = runningPodOf(status);
  running.name ||= termination.name;
  running.namespace ||= termination.namespace;
  let result: PodSyncResult;
  try {
    result = await options.runtime.killPod(
      termination.pod,
      running,
      termination.gracePeriodOverride,
    );
  } catch (err) {
    result = new PodSyncResult();
    result.fail(errText(err));
    return { result, transient: true };
  }
  if (!result.ok() || options.removeSandboxes === false) return { result, transient: false };
  for (const sb of status.sandboxStatuses) {
    try {
      await options.runtime.removePodSandbox(sb.id);
    } catch (err) {
      result.fail(`failed to remove sandbox ${sb.id}: ${errText(err)}`);
    }
  }
  return { result, transient: false };
}
