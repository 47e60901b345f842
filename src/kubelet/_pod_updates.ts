/**
 * The sync loop's pod config handlers (kubelet's HandlePodAdditions,
 * -Updates, -Removes, ...): how one merged pod update moves pods between
 * admitted, rejected and terminating in {@linkcode PodStates}.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodUpdate } from "../config/mod.ts";
import type { Logger } from "../util/logger.ts";
import { formatPod, uidOf } from "./_helpers.ts";
import { admitPod } from "./admit_pod.ts";
import type { KubeletLoopOptions } from "./sync_loop_options.ts";
import type { PodStates } from "./pod_states.ts";

/** What {@linkcode applyPodUpdate} needs besides the states. */
export type PodUpdateOptions =
  & Pick<KubeletLoopOptions, "prober" | "statusManager" | "recordEvent" | "objects">
  & {
    logger: Logger;
    /** `--max-pods`. */
    maxPods: number;
    /** Wakes the worker of a pod whose desired state changed. */
    wake(uid: string): void;
  };

/** Applies one merged pod update (see Kubelet.handlePodUpdate). */
export function applyPodUpdate(
  states: PodStates,
  update: PodUpdate,
  options: PodUpdateOptions,
): void {
  switch (update.op) {
    case "ADD":
    case "UPDATE":
      for (const pod of update.pods) addOrUpdate(states, pod, options);
      break;
    case "DELETE":
    case "REMOVE":
      for (const pod of update.pods) terminate(states, uidOf(pod), pod, options);
      break;
    case "RECONCILE":
      for (const pod of update.pods) states.reconcile(uidOf(pod), pod);
      break;
    case "SET": {
      const incoming = new Set(update.pods.map(uidOf));
      for (const [uid, pod] of states.declared()) {
        if (incoming.has(uid)) continue;
        const source = pod.metadata?.annotations?.["kubernetes.io/config.source"];
        if (update.source === "*" || source === update.source) {
          terminate(states, uid, pod, options);
        }
      }
      for (const pod of update.pods) addOrUpdate(states, pod, options);
      break;
    }
  }
}

function addOrUpdate(states: PodStates, pod: Pod, options: PodUpdateOptions): void {
  const uid = uidOf(pod);
  if (pod.metadata?.deletionTimestamp) {
    terminate(states, uid, pod, options);
    return;
  }
  if (!states.desired(uid)) {
    const verdict = admitPod(states.desiredCount, options.maxPods);
    if (!verdict.admit) {
      reject(states, pod, verdict.reason, verdict.message, options);
      return;
    }
  }
  states.setDesired(uid, pod);
  options.objects?.registerPod(pod);
  options.prober?.addPod(pod);
  options.wake(uid);
}

function reject(
  states: PodStates,
  pod: Pod,
  reason: string,
  message: string,
  options: PodUpdateOptions,
): void {
  const uid = uidOf(pod);
  states.reject(uid, pod);
  options.logger.warn("Pod rejected at admission", { pod: formatPod(pod), reason, message });
  options.recordEvent?.({
    type: "Warning",
    reason,
    message,
    pod: `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}`,
    uid,
  });
  options.statusManager.setPodStatus(pod, { phase: "Failed", reason, message });
}

function terminate(states: PodStates, uid: string, pod: Pod, options: PodUpdateOptions): void {
  if (states.forgetRejection(uid)) {
    options.statusManager.removePod(uid);
    return;
  }
  const terminating = states.termination(uid);
  const known = states.desired(uid) ?? terminating?.pod;
  // A pod first seen already deleted (the API server's, after an agent
  // restart) may still run containers: it is killed too, so its deletion
  // can finish.
  const deletedUnknown = !known && !terminating && pod.spec && pod.metadata?.deletionTimestamp;
  if (!known && !terminating && !deletedUnknown) return;
  states.startTermination(uid, {
    pod: pod.spec ? pod : known,
    name: pod.metadata?.name ?? known?.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? known?.metadata?.namespace ?? "",
  });
  options.prober?.removePod(uid);
  options.wake(uid);
}
