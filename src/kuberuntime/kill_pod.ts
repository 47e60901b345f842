/**
 * Stopping a whole pod the way the kubelet's killPodWithSyncResult does:
 * every live container in parallel (each with its grace period and preStop
 * hook), then every sandbox; and the clean-up of init container instances.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { type PodStatus, type RuntimePod, runtimePodFromStatus } from "../container/runtime.ts";
import { failResult, PodSyncResult, syncResult } from "../container/sync_result.ts";
import { isNotFound } from "../cri/errors.ts";
import { hookIps, type RuntimeContext } from "./_context.ts";
import { errText } from "../util/err_text.ts";
import { killContainer } from "./kill_container.ts";

/** The running part of a pod status (kubelet's ConvertPodStatusToRunningPod). */
export function runningPodOf(status: PodStatus): RuntimePod {
  return runtimePodFromStatus(status, (c) => c.state === "running");
}

/**
 * Kills the live containers of `runningPod` in parallel, then stops its
 * sandboxes. `pod` is undefined for orphans; their grace period and preStop
 * hook come from the container annotations.
 */
export async function killPod(
  ctx: RuntimeContext,
  pod: Pod | undefined,
  runningPod: RuntimePod,
  gracePeriodOverride?: number,
): Promise<PodSyncResult> {
  const result = new PodSyncResult();
  const known = ctx.podIps.get(runningPod.uid) ?? [];
  const podIp = pod?.status?.podIP || (pod ? hookIps(ctx, pod, known) : known)[0] || "";
  const live = runningPod.containers.filter((c) => c.state !== "exited");
  const outcomes = await Promise.all(live.map((c) =>
    killContainer(ctx, pod, {
      containerId: c.id,
      containerName: c.name,
      gracePeriodOverride,
      podIp,
    }).then((err) => ({ c, err }))
  ));
  for (const { c, err } of outcomes) {
    const r = result.add(syncResult("KillContainer", c.name));
    if (err) failResult(r, "KillContainerError", err);
  }
  const r = result.add(syncResult("KillPodSandbox", `${runningPod.name}_${runningPod.namespace}`));
  for (const sb of runningPod.sandboxes) {
    try {
      await ctx.runtime.stopPodSandbox(sb.id);
    } catch (e) {
      if (!isNotFound(e)) failResult(r, "KillPodSandboxError", errText(e));
    }
  }
  return result;
}

/**
 * Removes init container instances: all of them before a new sandbox (so
 * they run again, kubelet's purgeInitContainers), or all but the newest of
 * each when `keepNewest` (kubelet's pruneInitContainersBeforeStart).
 * Failures are logged, not returned.
 */
export async function removeInitContainers(
  ctx: RuntimeContext,
  pod: Pod,
  podStatus: PodStatus,
  keepNewest: boolean,
): Promise<void> {
  for (const init of pod.spec?.initContainers ?? []) {
    let kept = false;
    for (const s of podStatus.containerStatuses) {
      if (s.name !== init.name) continue;
      if (keepNewest && (!kept || s.state !== "exited")) {
        kept = true;
        continue;
      }
      try {
        await ctx.runtime.removeContainer(s.id);
      } catch (e) {
        ctx.logger.warn("Failed to remove init container", { id: s.id, err: e });
      }
    }
  }
}
