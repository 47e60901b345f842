/**
 * Builds the pod pipeline: the pod sources (file, URL), their merge
 * (PodConfig), the status manager and the sync loop with its pod workers.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { LocalObjectStore } from "../objects/local_objects.ts";
import type { PodObjectSource } from "../objects/types.ts";
import { FileSource, HttpSource, PodConfig, type PodSource } from "../config/mod.ts";
import { Kubelet } from "../kubelet/kubelet.ts";
import { PodContainerDeletor } from "../kubelet/pod_container_deletor.ts";
import { podStartObserver } from "../metrics/agent_observers.ts";
import { formatPodLine } from "../status/pod_line.ts";
import { StatusManager } from "../status/status_manager.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";
import type { RuntimeSide } from "./runtime_side.ts";

/** The pod pipeline of the agent. */
export interface PodPipeline {
  podConfig: PodConfig;
  statusManager: StatusManager;
  kubelet: Kubelet;
  loops: AgentLoops;
}

/** The configured pod sources (none is allowed; the agent then says so). */
export function podSources(deps: AgentDeps, localObjects?: LocalObjectStore): PodSource[] {
  const { options, clock, logger } = deps;
  const sources: PodSource[] = [];
  if (options.staticPodPath !== "") {
    sources.push(
      new FileSource(options.staticPodPath, {
        nodeName: options.nodeName,
        checkFrequencyMs: options.fileCheckFrequency,
        clock,
        logger,
        onObjects: localObjects ? (objects) => void localObjects.replace(objects) : undefined,
      }),
    );
  }
  if (options.staticPodURL !== "") {
    sources.push(
      new HttpSource(options.staticPodURL, {
        nodeName: options.nodeName,
        headers: options.staticPodURLHeader,
        checkFrequencyMs: options.httpCheckFrequency,
        clock,
        logger,
      }),
    );
  }
  return sources;
}

/** What the cluster and object sides add to the pod pipeline. */
export interface PipelineExtras {
  /** More pod sources (the API server's). */
  sources?: PodSource[];
  /** Called when a pod's containers are all gone after its removal or deletion. */
  onPodTerminated?: (pod: Pod) => void;
  /** Where pods' ConfigMaps and Secrets come from. */
  objects?: PodObjectSource;
  /** Receives the static pod directory's ConfigMaps and Secrets. */
  localObjects?: LocalObjectStore;
}

/** Builds the pod pipeline on the runtime side. */
export function buildPodPipeline(
  deps: AgentDeps,
  rt: RuntimeSide,
  extras: PipelineExtras = {},
): PodPipeline {
  const { options, clock, logger, metrics } = deps;
  const statusManager = new StatusManager();
  statusManager.watch(podStartObserver(metrics, clock));
  statusManager.watch((change) => {
    const line = formatPodLine(change.pod, change.status);
    if (line !== formatPodLine(change.pod, change.previous)) logger.info(line);
  });
  const podConfig = new PodConfig({ clock, logger, recordEvent: rt.recordEvent });
  const sources = [...podSources(deps, extras.localObjects), ...(extras.sources ?? [])];
  for (const source of sources) podConfig.addSource(source.name);
  if (sources.length === 0) {
    logger.warn(
      "No pod source configured: pass --pod-manifest-path or --manifest-url (or staticPodPath / staticPodURL in the config file)",
    );
  }
  const kubelet = new Kubelet({
    runtime: rt.runtime,
    cache: rt.cache,
    pleg: rt.pleg,
    clock,
    logger,
    statusManager,
    sourcesReady: podConfig.sourcesReady,
    podUpdates: (signal) => podConfig.updates(signal),
    prober: rt.prober,
    recordEvent: rt.recordEvent,
    runtimeHealth: rt.runtimeState,
    containerDeletor: new PodContainerDeletor({
      removeContainer: (id) => rt.manager.removeContainer(id),
      keep: options.maxPerPodContainerCount,
      logger,
    }),
    maxPods: options.maxPods,
    syncFrequencyMs: options.syncFrequency,
    nodeIps: rt.nodeIps,
    standalone: options.standalone,
    onPodTerminated: extras.onPodTerminated,
    objects: extras.objects,
  });
  return {
    podConfig,
    statusManager,
    kubelet,
    loops: {
      kubelet: (signal) => kubelet.run(signal),
      sources: (signal) => podConfig.run(sources, signal),
    },
  };
}
