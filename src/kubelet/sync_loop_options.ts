/**
 * What the Kubelet sync loop (src/kubelet/kubelet.ts) is built from: its options and the
 * small interfaces it needs from the PLEG, the prober and the runtime state,
 * and the outcome of one worker pass.
 *
 * @module
 */

import type { Pod, PodStatus as V1PodStatus } from "kubernetes-types/core/v1.d.ts";
import type { PodStatusCache } from "../container/cache.ts";
import type { RecordEvent } from "../container/events.ts";
import type { PodStatus, ProbeVerdicts, Runtime } from "../container/runtime.ts";
import type { PodSyncResult } from "../container/sync_result.ts";
import type { PodUpdate, SourcesReady } from "../config/mod.ts";
import type { PodLifecycleEvent } from "../pleg/pleg.ts";
import type { PodObjectSource } from "../objects/types.ts";
import { ReasonCache } from "../status/reason_cache.ts";
import type { StatusManager } from "../status/status_manager.ts";
import { Backoff } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";

/** Node health as the sync loop needs it (src/kubelet/runtime_state.ts implements it). */
export interface RuntimeHealth {
  /** Why the runtime cannot be used now; empty when it is healthy. */
  runtimeErrors(now: number): readonly string[];
}

/** The part of the PLEG the sync loop uses. */
export interface KubeletPleg {
  /** Inspects one pod now into the status cache (after a sync started or killed containers). */
  updateCache(uid: string, options: { name?: string; namespace?: string }): Promise<unknown>;
  /** Lifecycle events until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<PodLifecycleEvent>;
}

/** The part of the prober manager the sync loop uses. */
export interface KubeletProber {
  readonly readinessResults: ProbeVerdicts;
  readonly startupResults: ProbeVerdicts;
  addPod(pod: Pod): void;
  removePod(uid: string): void;
  cleanupPods(desiredUids: Iterable<string>): void;
  updatePodStatus(pod: Pod, status: V1PodStatus): V1PodStatus;
  onUpdate(listener: (update: { podUid: string }) => void): () => void;
}

/** Options for {@linkcode Kubelet}. */
export interface KubeletLoopOptions {
  runtime: Runtime;
  /** The pod status cache the PLEG fills. */
  cache: PodStatusCache;
  pleg: KubeletPleg;
  clock: Clock;
  statusManager: StatusManager;
  /** `allReady()` once every pod source delivered its first state. */
  sourcesReady: SourcesReady;
  /** The merged pod updates, consumed by {@linkcode Kubelet.run}. @default none */
  podUpdates?: (signal: AbortSignal) => AsyncIterable<PodUpdate>;
  /** @default nullLogger */
  logger?: Logger;
  /** @default a new ReasonCache */
  reasonCache?: ReasonCache;
  /** Probe workers and verdicts. @default no probing */
  prober?: KubeletProber;
  /** Events (OutOfpods, ...). @default dropped */
  recordEvent?: RecordEvent;
  /** Node health; while it reports errors pod syncs are skipped. @default always healthy */
  runtimeHealth?: RuntimeHealth;
  /** Remove the sandboxes of removed pods and orphans once killed (else only stop them). @default true */
  removeSandboxes?: boolean;
  /**
   * Removes surplus dead instances after ContainerDied events (the kubelet's
   * podContainerDeletor). @default dead instances wait for container GC
   */
  containerDeletor?: {
    deleteDeadContainers(status: PodStatus, containerId: string): Promise<void>;
  };
  /**
   * Called when a pod's containers are all gone after it was removed or
   * deleted (the API side then deletes a gracefully deleted API pod). @default none
   */
  onPodTerminated?: (pod: Pod) => void;
  /**
   * The ConfigMaps and Secrets pods refer to: a pod is registered when it is
   * admitted or its spec changes, unregistered once it is terminated (the
   * kubelet's configmap/secret manager RegisterPod / UnregisterPod), and its
   * objects resolved before each sync (env and volumes read them). @default none
   */
  objects?: PodObjectSource;
  /** `--max-pods`. @default 110 */
  maxPods?: number;
  /** `--sync-frequency`: resync period of every pod, in ms (0.5 jitter). @default 60_000 */
  syncFrequencyMs?: number;
  /** Housekeeping period in ms. @default 2000 */
  housekeepingPeriodMs?: number;
  /** The node's IPs (hostIP, and podIP of host-network pods). @default [] */
  nodeIps?: string[];
  /** Whether the agent runs without an API server. @default true */
  standalone?: boolean;
  /** Crash-loop back-off. @default 10 s doubling to 300 s, reset after 600 s */
  crashLoopBackOff?: Backoff;
  /** @default Math.random */
  random?: () => number;
}

/** What one {@linkcode Kubelet.syncPod} pass did. */
export type PodSyncOutcome =
  | { kind: "synced"; result: PodSyncResult; nextWakeAt: number }
  | { kind: "terminated"; result: PodSyncResult }
  | { kind: "terminating"; result: PodSyncResult; nextWakeAt: number }
  | { kind: "skipped"; reason: string; nextWakeAt: number }
  | { kind: "unknown" };

/** The options {@linkcode loopDefaults} fills in. */
export interface LoopDefaults {
  maxPods: number;
  syncFrequencyMs: number;
  logger: Logger;
  reasons: ReasonCache;
  random: () => number;
  crashLoopBackOff: Backoff;
}

/**
 * The kubelet's options with their defaults, checked: `maxPods` an integer
 * >= 0 and `syncFrequencyMs` > 0 (RangeError naming the field otherwise).
 */
export function loopDefaults(options: KubeletLoopOptions): LoopDefaults {
  const maxPods = options.maxPods ?? 110;
  if (!Number.isInteger(maxPods) || maxPods < 0) {
    throw new RangeError(`Cannot create kubelet: maxPods must be an integer >= 0, got ${maxPods}`);
  }
  const syncFrequencyMs = options.syncFrequencyMs ?? 60_000;
  if (!(syncFrequencyMs > 0)) {
    throw new RangeError(
      `Cannot create kubelet: syncFrequencyMs must be > 0, got ${syncFrequencyMs}`,
    );
  }
  return {
    maxPods,
    syncFrequencyMs,
    logger: options.logger ?? nullLogger,
    reasons: options.reasonCache ?? new ReasonCache(),
    random: options.random ?? Math.random,
    crashLoopBackOff: options.crashLoopBackOff ??
      new Backoff({ initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }),
  };
}
