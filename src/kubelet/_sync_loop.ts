/**
 * The sync loop's wiring (kubelet's syncLoop): what wakes pod workers. Pod
 * updates from the sources, PLEG events and probe results are handed to the
 * kubelet as they come; housekeeping runs every period through runEvery.
 * The decisions are the kubelet's (src/kubelet/kubelet.ts); this only feeds
 * them.
 *
 * @module
 */

import type { PodUpdate } from "../config/mod.ts";
import type { PodLifecycleEvent } from "../pleg/pleg.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { runEvery } from "../util/run_every.ts";
import type { KubeletLoopOptions } from "./sync_loop_options.ts";

/** What the loop hands its inputs to. */
export interface SyncLoopHandlers {
  handlePodUpdate(update: PodUpdate): void;
  handlePlegEvent(event: PodLifecycleEvent): void;
  handleProbeUpdate(podUid: string): void;
  housekeeping(): Promise<unknown>;
}

/** Where the loop's inputs come from. */
export type SyncLoopInputs =
  & Pick<KubeletLoopOptions, "pleg" | "podUpdates" | "prober" | "housekeepingPeriodMs">
  & { clock: Clock; logger: Logger };

/** The loop inputs among the kubelet's options. */
export function pickLoopInputs(
  o: KubeletLoopOptions,
): Pick<KubeletLoopOptions, "pleg" | "podUpdates" | "prober" | "housekeepingPeriodMs"> {
  return {
    pleg: o.pleg,
    podUpdates: o.podUpdates,
    prober: o.prober,
    housekeepingPeriodMs: o.housekeepingPeriodMs,
  };
}

/** Feeds `handlers` until `signal` aborts; resolves when every input has ended. */
export async function runSyncLoop(
  handlers: SyncLoopHandlers,
  inputs: SyncLoopInputs,
  signal: AbortSignal,
): Promise<void> {
  const unsubscribe = inputs.prober?.onUpdate((u) => handlers.handleProbeUpdate(u.podUid));
  const loops: Promise<void>[] = [
    (async () => {
      for await (const event of inputs.pleg.events(signal)) handlers.handlePlegEvent(event);
    })(),
    runEvery(() => handlers.housekeeping(), {
      clock: inputs.clock,
      periodMs: inputs.housekeepingPeriodMs ?? 2000,
      signal,
      immediate: false,
      onError: (err) => inputs.logger.error("Failed cleaning pods", { err }),
    }),
  ];
  if (inputs.podUpdates) {
    const updates = inputs.podUpdates(signal);
    loops.push((async () => {
      for await (const update of updates) handlers.handlePodUpdate(update);
    })());
  }
  try {
    await Promise.all(loops);
  } finally {
    unsubscribe?.();
  }
}
