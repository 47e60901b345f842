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
import { isStaticPod } from "./api/pod_helpers.ts";
import type { PodStatus, RuntimePod } from "./container/runtime.ts";
import { PodSyncResult } from "./container/sync_result.ts";
import type { PodUpdate } from "./config/pod_update.ts";
import type { PodLifecycleEvent } from "./pleg/pleg.ts";
import { PodWorkers } from "./pod_workers.ts";
import { generateApiPodStatus } from "./status/generate.ts";
import { ReasonCache } from "./status/reason_cache.ts";
import { Backoff } from "./util/backoff.ts";
import type { Clock } from "./util/clock.ts";
import { type Logger, nullLogger } from "./util/logger.ts";
import {
  ERROR_RETRY_MS,
  errText,
  format,
  formatPod,
  jitter,
  type Termination,
  TRANSIENT_RETRY_MS,
  uidOf,
} from "./kubelet/_helpers.ts";
import { admitPod } from "./kubelet/admit_pod.ts";
import type { KubeletLoopOptions, PodSyncOutcome } from "./kubelet/kubelet_options.ts";
import { terminatePod } from "./kubelet/terminate_pod.ts";

export type * from "./kubelet/kubelet_options.ts";
export { admitPod, type AdmitResult } from "./kubelet/admit_pod.ts";

/** The sync loop and its pod workers. */
export class Kubelet {
  #o: KubeletLoopOptions;
  #clock: Clock;
  #logger: Logger;
  #reasons: ReasonCache;
  #maxPods: number;
  #syncFrequencyMs: number;
  #random: () => number;
  #crashLoop: Backoff;
  #pause = new Backoff({ initialMs: 100, maxMs: 5_000 });
  #runtimeDown = false;
  #workers: PodWorkers;
  /** Admitted pods the sources declare. */
  #pods = new Map<string, Pod>();
  /** Pods refused at admission. */
  #rejected = new Map<string, Pod>();
  /** Pods being killed: removed from the sources, deleted, or orphans. */
  #terminating = new Map<string, Termination>();
  /** Start of each pod's last sync pass. */
  #lastSync = new Map<string, number>();

  constructor(options: KubeletLoopOptions) {
    const maxPods = options.maxPods ?? 110;
    if (!Number.isInteger(maxPods) || maxPods < 0) {
      throw new RangeError(
        `Cannot create kubelet: maxPods must be an integer >= 0, got ${maxPods}`,
      );
    }
    const syncFrequencyMs = options.syncFrequencyMs ?? 60_000;
    if (!(syncFrequencyMs > 0)) {
      throw new RangeError(
        `Cannot create kubelet: syncFrequencyMs must be > 0, got ${syncFrequencyMs}`,
      );
    }
    this.#o = options;
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#reasons = options.reasonCache ?? new ReasonCache();
    this.#maxPods = maxPods;
    this.#syncFrequencyMs = syncFrequencyMs;
    this.#random = options.random ?? Math.random;
    this.#crashLoop = options.crashLoopBackOff ??
      new Backoff({ initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 });
    this.#workers = new PodWorkers(async (uid, signal) => {
      await this.syncPod(uid, signal);
    }, {
      clock: this.#clock,
      logger: this.#logger,
    });
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
    return [...this.#pods.values()];
  }

  /** Whether a source declares the pod with `uid` (and it was admitted). */
  hasPod(uid: string): boolean {
    return this.#pods.has(uid);
  }

  /** UIDs of pods being killed. */
  terminatingPods(): string[] {
    return [...this.#terminating.keys()];
  }

  /**
   * Whether pod syncs are paused because the runtime reported errors at the
   * last check (each pass and each housekeeping checks).
   */
  get runtimeDown(): boolean {
    return this.#runtimeDown;
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
    switch (update.op) {
      case "ADD":
        for (const pod of update.pods) this.#addOrUpdate(pod);
        break;
      case "UPDATE":
        for (const pod of update.pods) this.#addOrUpdate(pod);
        break;
      case "DELETE":
        for (const pod of update.pods) this.#terminate(uidOf(pod), pod);
        break;
      case "REMOVE":
        for (const pod of update.pods) this.#terminate(uidOf(pod), pod);
        break;
      case "RECONCILE":
        for (const pod of update.pods) {
          const uid = uidOf(pod);
          if (this.#pods.has(uid)) this.#pods.set(uid, pod);
        }
        break;
      case "SET":
        this.#set(update);
        break;
    }
  }

  /** Wakes the worker of the pod a PLEG event is about (pods the agent does not know are ignored). */
  handlePlegEvent(event: PodLifecycleEvent): void {
    if (this.#pods.has(event.podUid) || this.#terminating.has(event.podUid)) {
      this.#workers.wake(event.podUid);
    }
    if (event.type === "ContainerDied" && this.#o.containerDeletor) {
      const status = this.#o.cache.get(event.podUid).status;
      void this.#o.containerDeletor.deleteDeadContainers(status, event.data);
    }
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
    const since = this.#lastSync.get(uid) ?? -Infinity;
    const cached = await this.#workers.parked(uid, this.#o.cache.getNewerThan(uid, since, signal));
    const again = this.#skipIfRuntimeDown(uid);
    if (again) return again;
    const start = this.#clock.now();

    const termination = this.#terminating.get(uid);
    if (termination) return await this.#syncTerminating(uid, termination, cached.status, start);
    const pod = this.#pods.get(uid);
    if (!pod) {
      this.#workers.forget(uid);
      return { kind: "unknown" };
    }

    let result = new PodSyncResult();
    let transient = false;
    if (cached.error) {
      result.fail(`failed to inspect pod: ${cached.error.message}`);
      transient = true;
    } else {
      try {
        result = await this.#o.runtime.syncPod(pod, cached.status, {
          backOff: this.#crashLoop,
          signal,
        });
      } catch (err) {
        result.fail(errText(err));
        transient = true;
      }
    }
    this.#reasons.update(uid, result);
    if (result.results.some((r) => !r.error)) {
      await this.#o.pleg.updateCache(uid, {
        name: pod.metadata?.name,
        namespace: pod.metadata?.namespace,
      });
    }
    // The pod may have been removed while the runtime worked.
    if (this.#pods.has(uid)) {
      this.#publishStatus(this.#pods.get(uid)!, this.#o.cache.get(uid).status);
    }
    this.#lastSync.set(uid, start);
    const now = this.#clock.now();
    let nextWakeAt: number;
    if (result.ok()) {
      nextWakeAt = now + jitter(this.#syncFrequencyMs, this.#random);
    } else {
      this.#logger.error("Error syncing pod, skipping", {
        pod: formatPod(pod),
        podUID: uid,
        err: result.errorText(),
      });
      const expiry = result.minBackOffExpiry();
      nextWakeAt = expiry ??
        now + jitter(transient ? TRANSIENT_RETRY_MS : ERROR_RETRY_MS, this.#random);
    }
    if (this.#pods.has(uid) || this.#terminating.has(uid)) this.#workers.wakeAt(uid, nextWakeAt);
    return { kind: "synced", result, nextWakeAt };
  }

  /**
   * Housekeeping (every 2 s in {@linkcode Kubelet.run}): once all sources are
   * ready, pods the runtime runs that no source declares are handed to their
   * workers to be killed; probe workers and statuses of gone pods are
   * dropped; idle back-off entries are forgotten. Returns the orphans found.
   */
  async housekeeping(): Promise<string[]> {
    const orphans: string[] = [];
    const runtimeUp = this.#checkRuntime().length === 0;
    if (!this.#o.sourcesReady.allReady()) {
      this.#logger.debug(4, "Skipping cleanup of orphaned pods because sources aren't ready yet");
    } else if (runtimeUp) {
      let running: RuntimePod[];
      try {
        running = await this.#o.runtime.getPods(true);
      } catch (err) {
        this.#logger.error("Failed to list pods for housekeeping", { err });
        running = [];
      }
      for (const p of running) {
        if (this.#pods.has(p.uid) || this.#terminating.has(p.uid)) continue;
        const live = p.containers.some((c) => c.state === "running" || c.state === "created") ||
          p.sandboxes.some((s) => s.state === "ready");
        if (!live && !this.#o.sandboxRemover) continue;
        if (!live && p.sandboxes.length === 0) continue;
        this.#logger.info("Cleaning up orphaned pod", { pod: format(p.name, p.namespace, p.uid) });
        // A rejected pod's containers (left from before an agent restart) go too;
        // its rejection stays.
        this.#terminating.set(p.uid, { name: p.name, namespace: p.namespace });
        orphans.push(p.uid);
        this.#workers.wake(p.uid);
      }
    }
    const desired = new Set(this.#pods.keys());
    this.#o.prober?.cleanupPods(desired);
    const keep = new Set([...desired, ...this.#rejected.keys(), ...this.#terminating.keys()]);
    this.#o.statusManager.removeOrphanedStatuses(keep);
    this.#crashLoop.gc(this.#clock.now());
    return orphans;
  }

  /**
   * Runs the loop until `signal` aborts: applies pod updates, wakes workers on
   * PLEG events and probe results, runs housekeeping every period. Resolves
   * after the workers stopped.
   */
  async run(signal: AbortSignal): Promise<void> {
    const unsubscribe = this.#o.prober?.onUpdate((u) => {
      if (this.#pods.has(u.podUid)) this.#workers.wake(u.podUid);
    });
    const loops: Promise<void>[] = [];
    loops.push((async () => {
      for await (const event of this.#o.pleg.events(signal)) this.handlePlegEvent(event);
    })());
    if (this.#o.podUpdates) {
      const updates = this.#o.podUpdates(signal);
      loops.push((async () => {
        for await (const update of updates) this.handlePodUpdate(update);
      })());
    }
    loops.push((async () => {
      const period = this.#o.housekeepingPeriodMs ?? 2000;
      while (!signal.aborted) {
        try {
          await this.#clock.sleep(period, signal);
        } catch {
          break;
        }
        try {
          await this.housekeeping();
        } catch (err) {
          this.#logger.error("Failed cleaning pods", { err });
        }
      }
    })());
    try {
      await Promise.all(loops);
    } finally {
      unsubscribe?.();
      await this.#workers.stop();
    }
  }

  #addOrUpdate(pod: Pod): void {
    const uid = uidOf(pod);
    if (pod.metadata?.deletionTimestamp) {
      this.#terminate(uid, pod);
      return;
    }
    if (!this.#pods.has(uid)) {
      const verdict = admitPod(this.#pods.size, this.#maxPods);
      if (!verdict.admit) {
        this.#reject(pod, verdict.reason, verdict.message);
        return;
      }
    }
    this.#rejected.delete(uid);
    this.#terminating.delete(uid);
    this.#pods.set(uid, pod);
    this.#o.prober?.addPod(pod);
    this.#workers.wake(uid);
  }

  #reject(pod: Pod, reason: string, message: string): void {
    const uid = uidOf(pod);
    this.#rejected.set(uid, pod);
    this.#logger.warn("Pod rejected at admission", { pod: formatPod(pod), reason, message });
    this.#o.recordEvent?.({
      type: "Warning",
      reason,
      message,
      pod: `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}`,
      uid,
    });
    this.#o.statusManager.setPodStatus(pod, { phase: "Failed", reason, message });
  }

  #terminate(uid: string, pod: Pod): void {
    if (this.#rejected.delete(uid)) {
      this.#o.statusManager.removePod(uid);
      return;
    }
    const known = this.#pods.get(uid) ?? this.#terminating.get(uid)?.pod;
    if (!known && !this.#terminating.has(uid)) return;
    this.#pods.delete(uid);
    this.#terminating.set(uid, {
      pod: pod.spec ? pod : known,
      name: pod.metadata?.name ?? known?.metadata?.name ?? "",
      namespace: pod.metadata?.namespace ?? known?.metadata?.namespace ?? "",
    });
    this.#o.prober?.removePod(uid);
    this.#workers.wake(uid);
  }

  #set(update: PodUpdate): void {
    const incoming = new Set(update.pods.map(uidOf));
    for (const [uid, pod] of [...this.#pods, ...this.#rejected]) {
      if (incoming.has(uid)) continue;
      const source = pod.metadata?.annotations?.["kubernetes.io/config.source"];
      if (update.source === "*" || source === update.source) this.#terminate(uid, pod);
    }
    for (const pod of update.pods) this.#addOrUpdate(pod);
  }

  async #syncTerminating(
    uid: string,
    t: Termination,
    status: PodStatus,
    start: number,
  ): Promise<PodSyncOutcome> {
    const { result, transient } = await terminatePod(t, status, {
      runtime: this.#o.runtime,
      sandboxRemover: this.#o.sandboxRemover,
    });
    this.#lastSync.set(uid, start);
    if (!this.#terminating.has(uid)) {
      // Re-added while it was being killed: the next pass starts it again.
      if (this.#pods.has(uid)) this.#workers.wake(uid);
      return { kind: "terminated", result };
    }
    if (result.ok()) {
      this.#logger.info("Pod terminated", { pod: format(t.name, t.namespace, uid) });
      this.#terminating.delete(uid);
      this.#lastSync.delete(uid);
      this.#reasons.remove(uid);
      if (!this.#rejected.has(uid)) this.#o.statusManager.removePod(uid);
      this.#workers.forget(uid);
      return { kind: "terminated", result };
    }
    this.#logger.error("Failed to kill pod, will retry", {
      pod: format(t.name, t.namespace, uid),
      err: result.errorText(),
    });
    const nextWakeAt = this.#clock.now() +
      jitter(transient ? TRANSIENT_RETRY_MS : ERROR_RETRY_MS, this.#random);
    this.#workers.wakeAt(uid, nextWakeAt);
    return { kind: "terminating", result, nextWakeAt };
  }

  #publishStatus(pod: Pod, status: PodStatus): void {
    const uid = uidOf(pod);
    let apiStatus = generateApiPodStatus(pod, status, {
      now: this.#clock.now(),
      readiness: this.#o.prober?.readinessResults,
      startup: this.#o.prober?.startupResults,
      standalone: this.#o.standalone ?? true,
      previous: this.#o.statusManager.getPodStatus(uid),
      runtimeType: this.#o.runtime.type() === "unknown" ? undefined : this.#o.runtime.type(),
      nodeIPs: this.#o.nodeIps ?? [],
      reasons: this.#reasons.forPod(uid),
      isStatic: isStaticPod(pod),
    });
    if (this.#o.prober) apiStatus = this.#o.prober.updatePodStatus(pod, apiStatus);
    this.#o.statusManager.setPodStatus(pod, apiStatus);
  }

  #runtimeErrors(): readonly string[] {
    return this.#o.runtimeHealth?.runtimeErrors(this.#clock.now()) ?? [];
  }

  /** The runtime's errors now; logs when pod syncs pause and resume. */
  #checkRuntime(): readonly string[] {
    const errors = this.#runtimeErrors();
    if (errors.length === 0 && this.#runtimeDown) {
      this.#runtimeDown = false;
      this.#logger.info("Container runtime is back, resuming pod synchronization");
    } else if (errors.length > 0 && !this.#runtimeDown) {
      this.#runtimeDown = true;
      this.#logger.error("Skipping pod synchronization", { err: errors.join("; ") });
    }
    return errors;
  }

  #skipIfRuntimeDown(uid: string): PodSyncOutcome | undefined {
    const errors = this.#checkRuntime();
    if (errors.length === 0) {
      this.#pause.reset(uid);
      return undefined;
    }
    const now = this.#clock.now();
    const nextWakeAt = now + this.#pause.next(uid, now);
    this.#workers.wakeAt(uid, nextWakeAt);
    return { kind: "skipped", reason: errors.join("; "), nextWakeAt };
  }
}
