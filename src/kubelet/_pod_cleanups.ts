/**
 * The housekeeping pass of the sync loop (kubelet's HandlePodCleanups): once
 * all sources are ready, pods the runtime runs that no source declares are
 * marked for killing; probe workers and statuses of gone pods are dropped;
 * idle crash-loop back-off entries are forgotten.
 *
 * @module
 */

import type { RuntimePod } from "../container/runtime.ts";
import type { Backoff } from "../util/backoff.ts";
import type { Logger } from "../util/logger.ts";
import { format } from "./_helpers.ts";
import type { RuntimeGate } from "./_runtime_gate.ts";
import type { KubeletLoopOptions } from "./sync_loop_options.ts";
import type { PodStates } from "./pod_states.ts";

/** What {@linkcode handlePodCleanups} needs. */
export type PodCleanupsOptions =
  & Pick<
    KubeletLoopOptions,
    "sourcesReady" | "runtime" | "removeSandboxes" | "prober" | "statusManager" | "clock"
  >
  & {
    logger: Logger;
    /** Checked first: orphans are only looked for while the runtime is up. */
    gate: RuntimeGate;
    crashLoopBackOff: Backoff;
    /** Wakes the worker of an orphan found. */
    wake(uid: string): void;
  };

/** One housekeeping pass over `states`; returns the UIDs of the orphans found. */
export async function handlePodCleanups(
  states: PodStates,
  options: PodCleanupsOptions,
): Promise<string[]> {
  const orphans: string[] = [];
  const runtimeUp = options.gate.check().length === 0;
  if (!options.sourcesReady.allReady()) {
    options.logger.debug(4, "Skipping cleanup of orphaned pods because sources aren't ready yet");
  } else if (runtimeUp) {
    let running: RuntimePod[];
    try {
      running = await options.runtime.getPods(true);
    } catch (err) {
      options.logger.error("Failed to list pods for housekeeping", { err });
      running = [];
    }
    for (const p of running) {
      if (states.isActive(p.uid)) continue;
      const live = p.containers.some((c) => c.state === "running" || c.state === "created") ||
        p.sandboxes.some((s) => s.state === "ready");
      if (!live && options.removeSandboxes === false) continue;
      if (!live && p.sandboxes.length === 0) continue;
      options.logger.info("Cleaning up orphaned pod", { pod: format(p.name, p.namespace, p.uid) });
      // A rejected pod's containers (left from before an agent restart) go too;
      // its rejection stays.
      states.startTermination(p.uid, { name: p.name, namespace: p.namespace });
      orphans.push(p.uid);
      options.wake(p.uid);
    }
  }
  options.prober?.cleanupPods(states.desiredUids());
  options.statusManager.removeOrphanedStatuses(states.uids());
  options.crashLoopBackOff.gc(options.clock.now());
  return orphans;
}
