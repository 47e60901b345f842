/**
 * The status step of a pod pass: the v1 status generated from the runtime
 * status, with the prober's readiness and startup verdicts, handed to the
 * status manager.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { isStaticPod } from "../api/pod_helpers.ts";
import type { PodStatus } from "../container/runtime.ts";
import { generateApiPodStatus } from "../status/generate.ts";
import type { ReasonCache } from "../status/reason_cache.ts";
import { uidOf } from "./_helpers.ts";
import type { KubeletLoopOptions } from "./sync_loop_options.ts";

/** What {@linkcode publishPodStatus} needs. */
export type PublishPodStatusOptions =
  & Pick<
    KubeletLoopOptions,
    "clock" | "prober" | "standalone" | "statusManager" | "runtime" | "nodeIps"
  >
  & {
    /** The reasons of the last failed starts. */
    reasons: ReasonCache;
  };

/** Generates the v1 status of `pod` from `status` and sets it in the status manager. */
export function publishPodStatus(
  pod: Pod,
  status: PodStatus,
  options: PublishPodStatusOptions,
): void {
  const uid = uidOf(pod);
  let apiStatus = generateApiPodStatus(pod, status, {
    now: options.clock.now(),
    readiness: options.prober?.readinessResults,
    startup: options.prober?.startupResults,
    standalone: options.standalone ?? true,
    previous: options.statusManager.getPodStatus(uid),
    runtimeType: options.runtime.type() === "unknown" ? undefined : options.runtime.type(),
    nodeIPs: options.nodeIps ?? [],
    reasons: options.reasons.forPod(uid),
    isStatic: isStaticPod(pod),
  });
  if (options.prober) apiStatus = options.prober.updatePodStatus(pod, apiStatus);
  options.statusManager.setPodStatus(pod, apiStatus);
}
