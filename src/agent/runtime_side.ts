/**
 * Builds what watches and drives the container runtime: the Runtime on the
 * CRI (timed for metrics), the prober, the pod status cache with the generic
 * and evented PLEGs (and, on containerd, its task exits as relist cues), the
 * event recorder, and the runtime's health.
 *
 * @module
 */

import type { ExecResult } from "../container/container_event.ts";
import { PodStatusCache } from "../container/cache.ts";
import { EventRecorder, type RecordEvent, toRecordEvent } from "../container/events.ts";
import type { Runtime } from "../container/runtime.ts";
import { EventStreamUnsupportedError } from "../container/runtime_errors.ts";
import type { CriConnection } from "../cri/connect_runtime.ts";
import { containerdTaskExits, isTaskEventsUnsupported } from "../cri/containerd_task_exits.ts";
import { RuntimeState } from "../kubelet/runtime_state.ts";
import { KubeRuntimeManager } from "../kuberuntime/kuberuntime_manager.ts";
import { eventCounter, timedRuntime } from "../metrics/agent_observers.ts";
import { EventedPLEG } from "../pleg/evented.ts";
import { GenericPLEG } from "../pleg/generic.ts";
import { EventChannel } from "../pleg/pleg.ts";
import { reuseRelistListing } from "../pleg/listing_reuse.ts";
import { CUED_RELIST_PERIOD_MS, CuedRelistTiming } from "../pleg/cued_relist_timing.ts";
import { followRelistCues } from "../pleg/relist_cues.ts";
import { ProberManager } from "../prober/prober_manager.ts";
import { runtimeStatusSource } from "../prober/status_source.ts";
import type { TokenSource } from "../volumes/projected_payload.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";

/**
 * How old a relist's listing housekeeping reuses, ms, while the relist runs
 * at its base period (the kubelet's runtime cache allows 3 s).
 */
const LISTING_REUSE_MS = 2000;

/** The runtime side of the agent. */
export interface RuntimeSide {
  /** The runtime as the sync loop uses it (syncs and kills timed into metrics). */
  runtime: Runtime;
  /** The same runtime, untimed (GC and image GC). */
  manager: KubeRuntimeManager;
  cache: PodStatusCache;
  pleg: GenericPLEG;
  prober: ProberManager;
  runtimeState: RuntimeState;
  recordEvent: RecordEvent;
  /** The recorder behind recordEvent (the API event sink listens to it). */
  events: EventRecorder;
  /** The node's IPs (`--node-ip`, else the Node's address in a cluster, else 127.0.0.1). */
  nodeIps: string[];
  loops: AgentLoops;
}

/**
 * Builds the runtime side on an open CRI connection. `nodeIps` are the
 * node's IPs (in a cluster, the Node's InternalIP); standalone they are
 * `--node-ip`, else 127.0.0.1.
 */
export function buildRuntimeSide(
  deps: AgentDeps,
  cri: CriConnection,
  nodeIps: string[] = deps.options.nodeIP ? deps.options.nodeIP.split(",") : ["127.0.0.1"],
  extras: { tokens?: TokenSource } = {},
): RuntimeSide {
  const { options, clock, logger, metrics } = deps;
  const events = new EventRecorder({ clock, logger, host: options.nodeName });
  const recordEvent = toRecordEvent(events);
  const countEvent = eventCounter(metrics);
  events.watch((e) => countEvent({ reason: e.reason, fieldPath: e.involvedObject.fieldPath }));
  const cache = new PodStatusCache({ dropOlderUpdates: true });
  let tmpfsWarned = false;
  const prober = new ProberManager({
    clock,
    // Bound late: the runtime is built next, with the prober's verdicts.
    runtimeService: { execSync: (id, cmd, o): Promise<ExecResult> => manager.execSync(id, cmd, o) },
    statusSource: runtimeStatusSource(cache),
    recordEvent,
    onProbe: (labels, outcome) => {
      metrics.proberProbeTotal.inc({ ...labels });
      logger.debug(4, "Probe", { ...labels, output: outcome.output });
    },
    onError: (err) => logger.error("Probe worker failed", { err }),
  });
  const manager: KubeRuntimeManager = new KubeRuntimeManager({
    runtimeService: cri.runtime,
    imageService: cri.image,
    clock,
    logger,
    rootDir: options.rootDir,
    podLogsDir: options.podLogsDir,
    livenessResults: prober.livenessResults,
    startupResults: prober.startupResults,
    recordEvent,
    serializeImagePulls: options.serializeImagePulls,
    maxParallelImagePulls: options.maxParallelImagePulls ?? undefined,
    registryPullQPS: options.registryPullQPS,
    registryBurst: options.registryBurst,
    env: { nodeName: options.nodeName, hostIps: nodeIps },
    parallelContainerStarts: options.parallelContainerStarts,
    maxConcurrentPodStarts: options.maxConcurrentPodStarts,
    podStartRamp: options.podStartRamp,
    tokens: extras.tokens,
    onTmpfsUnavailable: (message) => {
      // Once: every secret volume falls back the same way.
      if (tmpfsWarned) return logger.debug(2, message);
      tmpfsWarned = true;
      logger.warn(message);
    },
  });
  const channel = new EventChannel({ onDiscard: () => metrics.plegDiscardEvents.inc() });
  // With the evented PLEG the generic one only relists every 5 minutes (the
  // kubelet's settings); the evented PLEG sets it to --pleg-relist-period
  // (1 s, the kubelet's) / 3 min when the runtime has no event stream
  // (containerd 1.6) or the stream keeps failing. A relist is two List calls
  // and inspects only the pods that changed.
  const pleg = new GenericPLEG(manager, {
    clock,
    cache,
    channel,
    logger,
    relistPeriodMs: 300_000,
    relistThresholdMs: 600_000,
    onRelist: (durationMs, intervalMs) => {
      metrics.plegRelistDuration.observe({}, durationMs / 1000);
      if (intervalMs !== undefined) metrics.plegRelistInterval.observe({}, intervalMs / 1000);
      metrics.plegLastSeen.set({}, clock.now() / 1000);
    },
  });
  // While containerd's task events (below) are trusted and none came for 30 s,
  // the generic PLEG relists every 10 s instead of every period
  // (src/pleg/cued_relist_timing.ts);
  // the evented PLEG's fallback sets the base timing through it.
  const relistTiming = new CuedRelistTiming(pleg, { clock, cache });
  const evented = new EventedPLEG(manager, {
    clock,
    cache,
    generic: {
      relist: () => pleg.relist(),
      setRelistTiming: (period, threshold) => relistTiming.setRelistTiming(period, threshold),
    },
    channel,
    logger,
    relistPeriodMs: options.plegRelistPeriod,
    onStreamError: (err) => {
      if (!(err instanceof EventStreamUnsupportedError)) {
        logger.warn("Container event stream failed", { err });
      }
    },
  });
  // containerd (1.6 has no CRI event stream) tells of task exits on its own
  // event API: each one makes the generic PLEG relist at once.
  const endpoint = options.containerRuntimeEndpoint;
  const relistCues = cri.version.runtimeName === "containerd" && !options.embeddedRuntime
    ? (signal: AbortSignal) =>
      followRelistCues((s) => containerdTaskExits(endpoint, s), pleg, signal, {
        clock,
        logger,
        isUnsupported: isTaskEventsUnsupported,
        onStreamHealth: (healthy) => relistTiming.setCuesHealthy(healthy),
        onCue: () => relistTiming.noteCue(),
      })
    : undefined;
  const runtimeState = new RuntimeState(manager, { clock, logger });
  runtimeState.addHealthCheck("PLEG", (now) => pleg.healthy(now));
  return {
    // Housekeeping's listing comes from the last relist when it is recent
    // and nothing the agent changed since can be missing from it.
    // While the relist is slowed (containerd's task events trusted, no exit for 30 s),
    // housekeeping trusts its listing as long as the relist does: an outsider's removal
    // is seen up to one slowed period later by both.
    runtime: reuseRelistListing(timedRuntime(manager, metrics, clock), pleg, {
      clock,
      maxAgeMs: () =>
        relistTiming.slowed ? CUED_RELIST_PERIOD_MS + LISTING_REUSE_MS : LISTING_REUSE_MS,
    }),
    manager,
    cache,
    pleg,
    prober,
    runtimeState,
    recordEvent,
    events,
    nodeIps,
    loops: {
      pleg: (signal) => pleg.run(signal),
      eventedPleg: (signal) => evented.run(signal),
      ...(relistCues ? { relistCues, cuedRelistTiming: (signal) => relistTiming.run(signal) } : {}),
      runtimeState: (signal) => runtimeState.run(signal),
      prober: async (signal) => {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        await prober.stop();
      },
    },
  };
}
