/**
 * Builds the housekeeping loops: container (and sandbox and log) GC and
 * image GC, with the kubelet's policies from the options.
 *
 * @module
 */

import type { CriConnection } from "../cri/connect_runtime.ts";
import { ImageGCManager } from "../images/image_gc_manager.ts";
import { ContainerGC } from "../kuberuntime/container_gc.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";
import type { PodPipeline } from "./pod_pipeline.ts";
import type { RuntimeSide } from "./runtime_side.ts";

/** Builds container GC and image GC; returns their loops. */
export function buildHousekeeping(
  deps: AgentDeps,
  cri: CriConnection,
  rt: RuntimeSide,
  pods: PodPipeline,
): AgentLoops {
  const { options, clock, logger, metrics } = deps;
  const containerGC = new ContainerGC(cri.runtime, {
    clock,
    logger,
    recordEvent: rt.recordEvent,
    policy: {
      minAgeMs: options.minimumGCAge,
      maxPerPodContainer: options.maxPerPodContainerCount,
      maxContainers: options.maxContainerCount,
    },
    allSourcesReady: () => pods.podConfig.sourcesReady.allReady(),
    isPodDeleted: (uid) => !pods.kubelet.hasPod(uid),
    podLogsDir: options.podLogsDir,
  });
  const imageGC = new ImageGCManager(rt.manager, {
    clock,
    logger,
    recordEvent: rt.recordEvent,
    policy: {
      highThresholdPercent: options.imageGCHighThresholdPercent,
      lowThresholdPercent: options.imageGCLowThresholdPercent,
      minAgeMs: options.imageMinimumGCAge,
    },
    onImageRemoved: (reason) => metrics.imageGarbageCollected.inc({ reason }),
    imageFsPath: options.rootDir,
  });
  return {
    containerGC: (signal) => containerGC.run(signal),
    imageGC: (signal) => imageGC.run(signal),
  };
}
