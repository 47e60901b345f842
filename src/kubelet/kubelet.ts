/**
 * The sync loop (kubelet's syncLoop and syncPod): where pod updates from the
 * sources, PLEG events, probe results and timers meet. Each pod has one
 * serialized worker ({@linkcode PodWorkers}); a worker pass is
 * {@linkcode Kubelet.syncPod}: wait for pod state newer than the last pass,
 * move the runtime towards the spec, publish the v1 status, and decide when
 * to run again (back-off expiry, error retry, or the jittered resync).
 *
 * - Admission: over `maxPods` a pod is rejected (phase Failed, reason
 *   `OutOfpods`) before anything of it is started.
 * - Pods removed from every source, and once all sources are ready pods no
 *   source declares (orphans), are killed and their sandboxes removed.
 * - Adoption: nothing is carried in memory across agent restarts; the first
 *   pass of every pod waits for the PLEG's first relist, so a restarted agent
 *   sees its running containers (same UID, same spec hash) and keeps them.
 * - While the runtime is down, pod passes are skipped with a per-pod back-off
 *   (100 ms doubling to 5 s); no state is dropped, and when the runtime
 *   answers again every pod is reconciled from fresh state.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { CachedPodStatus } from "../container/cache.ts";
import type { PodStatus } from "../container/runtime.ts";
import type { PodUpdate } from "../config/mod.ts";
import type { PodLifecycleEvent } from "../pleg/pleg.ts";
import { PodWorkers } from "./pod_workers.ts";
import type { ReasonCache } from "../status/reason_cache.ts";
import type { Backoff } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import {
  ERROR_RETRY_MS,
  format,
  formatPod,
  jitter,
  resolvePodObjects,
  syncWithRuntime,
  type Termination,
  TRANSIENT_RETRY_MS,
} from "./_helpers.ts";
import { handlePodCleanups, type PodCleanupsOptions } from "./_pod_cleanups.ts";
import { applyPodUpdate, type PodUpdateOptions } from "./_pod_updates.ts";
import { PodStates } from "./pod_states.ts";
import { publishPodStatus, type PublishPodStatusOptions } from "./_publish_status.ts";
import { RuntimeGate } from "./_runtime_gate.ts";
import { pickLoopInputs, runSyncLoop } from "./_sync_loop.ts";
import { type KubeletLoopOptions, loopDefaults, type PodSyncOutcome } from "./sync_loop_options.ts";
import { terminatePod } from "./terminate_pod.ts";

export type * from "./sync_loop_options.ts";
export { admitPod, type AdmitResult } from "./admit_pod.ts";

/** The sync loop and its pod workers. */
export class Kubelet {
  #o: KubeletLoopOptions;
  #clock: Clock;
  #logger: Logger;
  #reasons: ReasonCache;
  #syncFrequencyMs: number;
  #random: () => number;
  #crashLoop: Backoff;
  #gate: RuntimeGate;
  #workers: PodWorkers;
  /** Every pod's lifecycle state: the one owner. */
  #states = new PodStates();
  #updateOptions: PodUpdateOptions;
  #statusOptions: PublishPodStatusOptions;
  #cleanupOptions: PodCleanupsOptions;

  constructor(options: KubeletLoopOptions) {
    const d = loopDefaults(options);
    this.#o = options;
    this.#clock = options.clock;
    this.#logger = d.logger;
    this.#reasons = d.reasons;
    this.#syncFrequencyMs = d.syncFrequencyMs;
    this.#random = d.random;
    this.#crashLoop = d.crashLoopBackOff;
    this.#gate = new RuntimeGate({
      clock: this.#clock,
      logger: this.#logger,
      runtimeHealth: options.runtimeHealth,
    });
    this.#workers = new PodWorkers(async (uid, signal) => {
      await this.syncPod(uid, signal);
    }, {
      clock: this.#clock,
      logger: this.#logger,
    });
    this.#updateOptions = {
      maxPods: d.maxPods,
      logger: this.#logger,
      prober: options.prober,
      statusManager: options.statusManager,
      recordEvent: options.recordEvent,
      objects: options.objects,
      wake: (uid) => this.#workers.wake(uid),
    };
    this.#statusOptions = {
      clock: this.#clock,
      prober: options.prober,
      standalone: options.standalone,
      statusManager: options.statusManager,
      runtime: options.runtime,
      nodeIps: options.nodeIps,
      reasons: this.#reasons,
    };
    this.#cleanupOptions = {
      sourcesReady: options.sourcesReady,
      runtime: options.runtime,
      removeSandboxes: options.removeSandboxes,
      prober: options.prober,
      statusManager: options.statusManager,
      clock: this.#clock,
      logger: this.#logger,
      gate: this.#gate,
      crashLoopBackOff: this.#crashLoop,
      wake: (uid) => this.#workers.wake(uid),
    };
  }

  /** The pod workers (for wiring checks and tests). */
  get podWorkers(): PodWorkers {
    return this.#workers;
  }

  /** The crash-loop back-off shared by every pod. */
  get crashLoopBackOff(): Backoff {
    return this.#crashLoop;
  }

  /** Admitted pods the sources declare. */
  pods(): Pod[] {
    return this.#states.desiredPods();
  }

  /** Whether a source declares the pod with `uid` (and it was admitted). */
  hasPod(uid: string): boolean {
    return this.#states.desired(uid) !== undefined;
  }

  /** UIDs of pods being killed. */
  terminatingPods(): string[] {
    return this.#states.terminatingUids();
  }

  /**
   * Whether pod syncs are paused because the runtime reported errors at the
   * last check (each pass and each housekeeping checks).
   */
  get runtimeDown(): boolean {
    return this.#gate.down;
  }

  /**
   * Applies one merged pod update: ADD admits (or rejects over `maxPods`),
   * UPDATE replaces the spec (and retries the admission of a rejected pod),
   * DELETE and REMOVE start killing the pod, SET does all of that for a
   * whole source, RECONCILE only stores the pod. Wakes the workers of the
   * pods concerned. Synchronous, so every queued update is applied before a
   * timer runs.
   */
  handlePodUpdate(update: PodUpdate): void {
    applyPodUpdate(this.#states, update, this.#updateOptions);
  }

  /** Wakes the worker of the pod a PLEG event is about (pods the agent does not know are ignored). */
  handlePlegEvent(event: PodLifecycleEvent): void {
    if (this.#states.isActive(event.podUid)) {
      this.#workers.wake(event.podUid);
    }
    if (event.type === "ContainerDied" && this.#o.containerDeletor) {
      const status = this.#o.cache.get(event.podUid).status;
      void this.#o.containerDeletor.deleteDeadContainers(status, event.data);
    }
  }

  /**
   * A probe verdict of a syncing pod changed: its status is published with
   * the verdict at once (the kubelet's SetContainerReadiness), not after the
   * next relist lets its worker sync, and the worker is woken.
   */
  handleProbeUpdate(uid: string): void {
    const pod = this.#states.desired(uid);
    if (!pod) return;
    if (!this.#states.termination(uid)) {
      publishPodStatus(pod, this.#o.cache.get(uid).status, this.#statusOptions);
    }
    this.#workers.wake(uid);
  }

  /**
   * One worker pass of a pod (the pod worker calls it; tests call it when the
   * worker is idle). Waits for state newer than the previous pass, then
   * syncs a desired pod or kills a terminating one, publishes the status and
   * arms the next wake.
   */
  async syncPod(uid: string, signal?: AbortSignal): Promise<PodSyncOutcome> {
    const skipped = this.#skipIfRuntimeDown(uid);
    if (skipped) return skipped;
    const since = this.#states.lastSyncStart(uid);
    const cached = await this.#workers.parked(uid, this.#o.cache.getNewerThan(uid, since, signal));
    const again = this.#skipIfRuntimeDown(uid);
    if (again) return again;
    const start = this.#clock.now();

    const termination = this.#states.termination(uid);
    if (termination) return await this.#syncTerminating(uid, termination, cached.status, start);
    const pod = this.#states.desired(uid);
    if (!pod) {
      this.#workers.forget(uid);
      return { kind: "unknown" };
    }

    return await this.#syncDesired(uid, pod, cached, start, signal);
  }

  /** The sync step of an admitted pod: runtime sync, cache refresh, status, next wake. */
  async #syncDesired(
    uid: string,
    pod: Pod,
    cached: CachedPodStatus,
    start: number,
    signal?: AbortSignal,
  ): Promise<PodSyncOutcome> {
    const { result, transient } = await syncWithRuntime(this.#o.runtime, pod, cached, {
      backOff: this.#crashLoop,
      signal,
      objects: await resolvePodObjects(this.#o.objects, pod, this.#logger, signal),
    });
    this.#reasons.update(uid, result);
    if (result.results.some((r) => !r.error)) {
      await this.#o.pleg.updateCache(uid, {
        name: pod.metadata?.name,
        namespace: pod.metadata?.namespace,
      });
    }
    // The pod may have been removed while the runtime worked.
    const current = this.#states.desired(uid);
    if (current) {
      publishPodStatus(current, this.#o.cache.get(uid).status, this.#statusOptions);
    }
    this.#states.recordSyncStart(uid, start);
    if (!result.ok()) {
      this.#logger.error("Error syncing pod, skipping", {
        pod: formatPod(pod),
        podUID: uid,
        err: result.errorText(),
      });
    }
    const nextWakeAt = result.ok()
      ? this.#clock.now() + jitter(this.#syncFrequencyMs, this.#random)
      : result.minBackOffExpiry() ?? this.#retryAt(transient);
    if (this.#states.isActive(uid)) this.#workers.wakeAt(uid, nextWakeAt);
    return { kind: "synced", result, nextWakeAt };
  }

  /** When a failed pass runs again: soon after a transient failure, else after the error back-off. */
  #retryAt(transient: boolean): number {
    return this.#clock.now() +
      jitter(transient ? TRANSIENT_RETRY_MS : ERROR_RETRY_MS, this.#random);
  }

  /**
   * Housekeeping (every 2 s in {@linkcode Kubelet.run}): once all sources are
   * ready, pods the runtime runs that no source declares are handed to their
   * workers to be killed; probe workers and statuses of gone pods are
   * dropped; idle back-off entries are forgotten. Returns the orphans found.
   */
  housekeeping(): Promise<string[]> {
    return handlePodCleanups(this.#states, this.#cleanupOptions);
  }

  /**
   * Runs the loop until `signal` aborts: applies pod updates, wakes workers on
   * PLEG events and probe results, runs housekeeping every period. Resolves
   * after the workers stopped.
   */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await runSyncLoop(
        {
          handlePodUpdate: (u) => this.handlePodUpdate(u),
          handlePlegEvent: (e) => this.handlePlegEvent(e),
          housekeeping: () => this.housekeeping(),
          handleProbeUpdate: (uid) => this.handleProbeUpdate(uid),
        },
        { ...pickLoopInputs(this.#o), clock: this.#clock, logger: this.#logger },
        signal,
      );
    } finally {
      await this.#workers.stop();
    }
  }

  async #syncTerminating(
    uid: string,
    t: Termination,
    status: PodStatus,
    start: number,
  ): Promise<PodSyncOutcome> {
    const { result, transient } = await terminatePod(t, status, {
      runtime: this.#o.runtime,
      removeSandboxes: this.#o.removeSandboxes,
    });
    this.#states.recordSyncStart(uid, start);
    if (!this.#states.termination(uid)) {
      // Re-added while it was being killed: the next pass starts it again.
      if (this.#states.desired(uid)) this.#workers.wake(uid);
      return { kind: "terminated", result };
    }
    if (result.ok()) {
      this.#logger.info("Pod terminated", { pod: format(t.name, t.namespace, uid) });
      this.#states.terminated(uid);
      this.#reasons.remove(uid);
      if (!this.#states.isRejected(uid)) this.#o.statusManager.removePod(uid);
      this.#workers.forget(uid);
      if (t.pod) {
        this.#o.objects?.unregisterPod(t.pod);
        this.#o.onPodTerminated?.(t.pod);
      }
      return { kind: "terminated", result };
    }
    this.#logger.error("Failed to kill pod, will retry", {
      pod: format(t.name, t.namespace, uid),
      err: result.errorText(),
    });
    const nextWakeAt = this.#retryAt(transient);
    this.#workers.wakeAt(uid, nextWakeAt);
    return { kind: "terminating", result, nextWakeAt };
  }

  #skipIfRuntimeDown(uid: string): PodSyncOutcome | undefined {
    const skip = this.#gate.skip(uid);
    if (!skip) return undefined;
    this.#workers.wakeAt(uid, skip.nextWakeAt);
    return { kind: "skipped", ...skip };
  }
}
