/**
 * A whole agent in-process, built the way main.ts builds it: real clock, CRI
 * client, KubeRuntimeManager, PLEG, runtime state, prober, file source,
 * PodConfig and the Kubelet sync loop. Each {@linkcode startAgent} call is a
 * fresh agent: nothing is carried over in memory from an earlier instance.
 *
 * Needs the permissions of the agent: read/write of the manifest and root
 * dirs and the runtime socket, net to the socket, env for grpc-js.
 */

import { PodStatusCache } from "../../src/container/cache.ts";
import { EventRecorder, toRecordEvent } from "../../src/container/events.ts";
import { FileSource } from "../../src/config/file.ts";
import { PodConfig } from "../../src/config/pod_config.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { Kubelet } from "../../src/kubelet.ts";
import { KubeRuntimeManager } from "../../src/kuberuntime/kuberuntime_manager.ts";
import { GenericPLEG } from "../../src/pleg/generic.ts";
import { ProberManager } from "../../src/prober/prober_manager.ts";
import { RuntimeState } from "../../src/runtime_state.ts";
import { StatusManager } from "../../src/status/status_manager.ts";
import { RealClock } from "../../src/util/clock.ts";
import { createLogger, type Logger, nullLogger } from "../../src/util/logger.ts";

/** Options for {@linkcode startAgent}. */
export interface AgentFixtureOptions {
  /** CRI endpoint, `unix://...`. */
  endpoint: string;
  /** The watched manifest directory (`--pod-manifest-path`); undefined = no file source (merge into `podConfig`). */
  manifestDir?: string;
  /** `--root-dir`; pod logs go to `<rootDir>/pod-logs`. */
  rootDir: string;
  /** @default "e2e-node" */
  nodeName?: string;
  /** @default 110 */
  maxPods?: number;
  /** @default 60_000 */
  syncFrequencyMs?: number;
  /** @default 1000 */
  relistPeriodMs?: number;
  /** Print the agent's log at this verbosity; undefined = silent. @default undefined */
  verbosity?: number;
  /** @default ["127.0.0.1"] */
  nodeIps?: string[];
  /** Called after each relist with its duration (ms). @default undefined */
  onRelist?: (durationMs: number) => void;
  /** Runtime reported down when its last good Status is older than this. @default 30_000 */
  runtimeSyncThresholdMs?: number;
  /** Period of the runtime Status poll. @default 5000 */
  runtimeStatePeriodMs?: number;
}

/** A running in-process agent. */
export interface RunningAgent {
  kubelet: Kubelet;
  statusManager: StatusManager;
  runtimeState: RuntimeState;
  pleg: GenericPLEG;
  /** The pod merge; with no manifest dir, a test merges its pods here as source "file". */
  podConfig: PodConfig;
  events: EventRecorder;
  /** The agent's own CRI client (closed by stop). */
  runtime: RemoteRuntimeService;
  /** Stops every loop and closes the CRI connections. */
  stop(): Promise<void>;
}

/**
 * Builds and starts an agent on `endpoint`, watching `manifestDir`.
 *
 * The composition main.ts is expected to use (see the H9 report).
 */
export function startAgent(options: AgentFixtureOptions): RunningAgent {
  const clock = new RealClock();
  const logger: Logger = options.verbosity === undefined
    ? nullLogger
    : createLogger({ verbosity: options.verbosity });
  const nodeName = options.nodeName ?? "e2e-node";
  const nodeIps = options.nodeIps ?? ["127.0.0.1"];
  const runtime = new RemoteRuntimeService(options.endpoint, { runtimeRequestTimeoutMs: 10_000 });
  const images = new RemoteImageService(options.endpoint, { runtimeRequestTimeoutMs: 10_000 });
  const events = new EventRecorder({ clock, logger, host: nodeName });
  const recordEvent = toRecordEvent(events);
  const prober = new ProberManager({ clock, runtimeService: runtime });
  const manager = new KubeRuntimeManager({
    runtimeService: runtime,
    imageService: images,
    clock,
    logger,
    rootDir: options.rootDir,
    podLogsDir: `${options.rootDir}/pod-logs`,
    livenessResults: prober.livenessResults,
    startupResults: prober.startupResults,
    recordEvent,
    env: { nodeName, hostIps: nodeIps },
  });
  const cache = new PodStatusCache();
  const pleg = new GenericPLEG(manager, {
    clock,
    cache,
    logger,
    relistPeriodMs: options.relistPeriodMs ?? 1000,
    onRelist: options.onRelist,
  });
  const runtimeState = new RuntimeState(manager, {
    clock,
    logger,
    baseRuntimeSyncThresholdMs: options.runtimeSyncThresholdMs,
    periodMs: options.runtimeStatePeriodMs,
  });
  runtimeState.addHealthCheck("PLEG", (now) => pleg.healthy(now));
  const statusManager = new StatusManager();
  const podConfig = new PodConfig({ clock, logger, recordEvent });
  const sources = options.manifestDir === undefined
    ? []
    : [new FileSource(options.manifestDir, { nodeName, clock, logger })];
  podConfig.addSource("file");
  const kubelet = new Kubelet({
    runtime: manager,
    cache,
    pleg,
    clock,
    logger,
    statusManager,
    sourcesReady: podConfig.sourcesReady,
    podUpdates: (signal) => podConfig.updates(signal),
    prober,
    recordEvent,
    runtimeHealth: runtimeState,
    sandboxRemover: runtime,
    maxPods: options.maxPods,
    syncFrequencyMs: options.syncFrequencyMs,
    nodeIps,
    standalone: true,
  });

  const controller = new AbortController();
  const signal = controller.signal;
  // The kubelet subscribes to the updates before the sources start sending.
  const loops = [
    kubelet.run(signal),
    pleg.run(signal),
    runtimeState.run(signal),
    podConfig.run(sources, signal),
  ];
  return {
    kubelet,
    statusManager,
    runtimeState,
    pleg,
    podConfig,
    events,
    runtime,
    async stop() {
      controller.abort();
      await Promise.allSettled(loops);
      await prober.stop();
      runtime.close();
      images.close();
    },
  };
}
