/**
 * The status manager's API side (the kubelet's pkg/kubelet/status towards
 * the API server): it hears every change of the {@linkcode StatusManager}
 * and patches the `status` subresource of the API object that carries the
 * pod's status (the API pod itself, or a static pod's mirror pod), and it
 * finishes the graceful deletion of API pods the node has stopped.
 *
 * - One request in flight per pod; changes arriving meanwhile are coalesced
 *   into one next patch carrying the newest status. Each change bumps the
 *   pod's version and only the answer to a request marks its own version as
 *   sent, so a late answer never hides a newer status.
 * - A failed request (API down, 5xx, 429, 401/403) is not retried at once:
 *   the resync, every 10 s, retries every pod whose status is not sent yet.
 *   A 404 (the object is gone) or a 409 (another pod has its name now) drops
 *   the pod's updates to that object for good.
 * - The resync also resends a status the API server shows differently from
 *   what was sent, once the server has a newer version of the pod than the
 *   answer to the last patch (the kubelet's periodic reconcile).
 * - Once a terminal status (Succeeded, Failed) was sent to an object, or the
 *   API pod shows one, a non-terminal status is never sent to it.
 * - {@linkcode ApiStatusSync.podTerminated}: an API pod being deleted whose
 *   containers are gone gets its final status (a terminal phase) and is then
 *   deleted with grace period 0 and its UID as precondition.
 *
 * Failures are logged naming the request, one line a minute per kind.
 *
 * @module
 */

import type { Pod, PodStatus as V1PodStatus } from "kubernetes-types/core/v1.d.ts";
import { API_SERVER_SOURCE, podSource } from "../api/pod_helpers.ts";
import type { ApiClient } from "../client/api_client.ts";
import { isConflict, isNotFound } from "../client/api_error.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { runEvery } from "../util/run_every.ts";
import { ThrottledLog } from "../client/throttled_log.ts";
import {
  differsOnServer,
  isTerminal,
  markSent,
  newPodSyncState,
  type PodSyncState as Entry,
  statusDue,
  type StatusTarget,
  type StatusWork as Work,
} from "./_pod_sync_state.ts";
import { type HeldIPs, ipsOf, statusPatch } from "./_status_patch.ts";
import type { PodStatusChange, StatusManager } from "./status_manager.ts";
import { terminatedPodStatus } from "./terminated_status.ts";

export type { StatusTarget };

/** The kubelet's status sync period (status_manager.go syncPeriod). */
export const STATUS_RESYNC_PERIOD_MS = 10_000;

/** Options of {@linkcode ApiStatusSync}. */
export interface ApiStatusSyncOptions {
  client: Pick<ApiClient, "patchStatus" | "delete">;
  statusManager: StatusManager;
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /**
   * The API object carrying `pod`'s status: the API pod itself, a static
   * pod's mirror pod, or undefined while there is none (retried at the next resync).
   */
  target: (pod: Pod) => StatusTarget | undefined;
  /** @default STATUS_RESYNC_PERIOD_MS */
  resyncPeriodMs?: number;
}

/** IPs the target may hold: the last acknowledged ones there, and the API pod's own. */
function heldIPs(e: Entry, target: StatusTarget): HeldIPs[] {
  const held: HeldIPs[] = [];
  if (e.sentTo === target.uid && e.sentIPs) held.push(e.sentIPs);
  if (e.pod.metadata?.uid === target.uid) held.push(ipsOf(e.pod.status));
  return held;
}

const podRef = (t: StatusTarget) => ({ resource: "pods", namespace: t.namespace, name: t.name });
const podName = (t: StatusTarget) => `${t.namespace}/${t.name}`;

/** Sends the pods' statuses to the API server and deletes finished API pods. */
export class ApiStatusSync {
  #client: Pick<ApiClient, "patchStatus" | "delete">;
  #statusManager: StatusManager;
  #clock: Clock;
  #logger: Logger;
  #target: (pod: Pod) => StatusTarget | undefined;
  #periodMs: number;
  #entries = new Map<string, Entry>();
  #running = new Set<Promise<void>>();
  #log: ThrottledLog;
  #signal?: AbortSignal;
  #subscribed = false;
  #patches = 0;
  #deletes = 0;

  constructor(options: ApiStatusSyncOptions) {
    this.#client = options.client;
    this.#statusManager = options.statusManager;
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#target = options.target;
    this.#periodMs = options.resyncPeriodMs ?? STATUS_RESYNC_PERIOD_MS;
    this.#log = new ThrottledLog(this.#logger);
  }

  /** Status patches sent so far (answered or not). */
  get patchesSent(): number {
    return this.#patches;
  }

  /** Pod deletions sent so far. */
  get deletesSent(): number {
    return this.#deletes;
  }

  /** Pods whose current status is not acknowledged by the API server yet. */
  get pendingPods(): number {
    let n = 0;
    for (const e of this.#entries.values()) {
      if (e.status && e.version > e.sentVersion && e.droppedFor === undefined) n++;
    }
    return n;
  }

  /**
   * Listens to the status manager and resyncs every period until `signal`
   * aborts (the first resync at once, for the statuses set before). Resolves
   * then; requests in flight are aborted.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    const stop = this.#statusManager.watch((c) => this.#onChange(c));
    this.#subscribed = true;
    try {
      await runEvery(() => {
        this.syncBatch();
      }, { clock: this.#clock, periodMs: this.#periodMs, signal });
    } finally {
      stop();
      this.#subscribed = false;
    }
  }

  /**
   * One resync: takes in the status manager's pods, then starts a send for
   * every pod with a status not sent yet, a status the API server shows
   * otherwise, or a deletion to finish. Resolves when those sends have
   * ended; never rejects.
   */
  syncBatch(): Promise<void> {
    const live = new Map<string, { pod: Pod; status: V1PodStatus }>();
    for (const p of this.#statusManager.podStatuses()) {
      const uid = p.pod.metadata?.uid;
      if (uid) live.set(uid, p);
    }
    for (const [uid, p] of live) {
      const e = this.#entries.get(uid);
      if (!e) this.#observe(uid, p.pod, p.status);
      else {
        e.pod = p.pod;
        if (JSON.stringify(e.status) !== JSON.stringify(p.status)) {
          this.#observe(uid, p.pod, p.status);
        }
      }
    }
    for (const [uid, e] of this.#entries) {
      if (!live.has(uid)) this.#forget(e);
    }
    const started: Promise<void>[] = [];
    for (const e of this.#entries.values()) {
      if (e.running) continue;
      if (differsOnServer(e)) e.reconcile = true;
      if (this.#nextWork(e)) started.push(this.#sync(e));
    }
    return Promise.all(started).then(() => {});
  }

  /**
   * The agent has stopped `pod` and its containers are gone. An API pod
   * being deleted (`metadata.deletionTimestamp`) gets its final status, then
   * is deleted with grace period 0 and its UID as precondition; a 404 means
   * it is gone already. Failures are retried by the resync. Pods of other
   * sources have nothing to delete. Never rejects.
   */
  async podTerminated(pod: Pod): Promise<void> {
    if (podSource(pod) !== API_SERVER_SOURCE || !pod.metadata?.deletionTimestamp) return;
    const { uid, name, namespace } = pod.metadata;
    if (!uid || !name) {
      this.#logger.warn(
        `Cannot delete pod '${namespace ?? ""}/${name ?? ""}': it has no name or UID`,
      );
      return;
    }
    const current = this.#statusManager.getPodStatus(uid);
    if (current && !isTerminal(current.phase)) {
      const final = terminatedPodStatus(pod, current, this.#clock.now());
      if (this.#statusManager.setPodStatus(pod, final) && !this.#subscribed) {
        this.#observe(uid, pod, final);
      }
    }
    let e = this.#entries.get(uid);
    if (!e) {
      e = this.#observe(uid, pod, this.#statusManager.getPodStatus(uid));
      if (!e.status) e.removed = true;
    }
    e.pod = pod;
    if (!e.deletion) e.deletion = { namespace: namespace ?? "default", name, uid, done: false };
    await this.#sync(e);
  }

  /** Resolves when no request is in flight. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  #onChange(c: PodStatusChange): void {
    if (!c.status) {
      const e = this.#entries.get(c.uid);
      if (e) this.#forget(e);
      return;
    }
    const e = this.#observe(c.uid, c.pod, c.status);
    if (!e.running && this.#nextWork(e)) void this.#sync(e);
  }

  /** Records a new status of the pod (a new version). */
  #observe(uid: string, pod: Pod, status: V1PodStatus | undefined): Entry {
    let e = this.#entries.get(uid);
    if (!e) {
      e = newPodSyncState(uid, pod);
      this.#entries.set(uid, e);
    }
    e.pod = pod;
    if (status) {
      e.status = status;
      e.version++;
      e.removed = false;
    }
    return e;
  }

  /** The pod left the status manager: forgotten, unless its deletion is still to do. */
  #forget(e: Entry): void {
    if (e.deletion && !e.deletion.done) e.removed = true;
    else this.#entries.delete(e.uid);
  }

  #targetOf(e: Entry): StatusTarget | undefined {
    try {
      return this.#target(e.pod);
    } catch (err) {
      const message = `Cannot find where the status of pod '${e.uid}' goes`;
      this.#log.warn("target", this.#clock.now(), message, { err: errText(err) });
      return undefined;
    }
  }

  /** The next request for the pod, if any. */
  #nextWork(e: Entry): Work | undefined {
    const target = e.status ? this.#targetOf(e) : undefined;
    const due = target && statusDue(e, target);
    if (due === "send") return { kind: "status", target: target! };
    if (due === "refused") {
      this.#logger.debug(3, "Not sending a non-terminal status after a terminal one", {
        pod: podName(target!),
        phase: e.status?.phase,
      });
      e.sentVersion = e.version;
      e.reconcile = false;
    }
    const d = e.deletion;
    if (d && !d.done && d.uid !== e.droppedFor) return { kind: "delete", target: d };
    return undefined;
  }

  /** Runs the pod's requests one at a time until none is left or one fails. */
  #sync(e: Entry): Promise<void> {
    if (e.running) return e.running;
    const p: Promise<void> = this.#drain(e)
      .catch((err) => this.#logger.error("Pod status sync failed", { err: errText(err) }))
      .finally(() => this.#running.delete(p));
    e.running = p;
    this.#running.add(p);
    return p;
  }

  async #drain(e: Entry): Promise<void> {
    await undefined; // #sync stores the promise before the first check
    try {
      let last = "";
      for (;;) {
        if (this.#entries.get(e.uid) !== e || this.#signal?.aborted) return;
        const work = this.#nextWork(e);
        // The same request twice in a row would be a loop: leave it to the resync.
        const key = work && `${work.kind} ${e.version} ${work.target.uid}`;
        if (!work || key === last) return;
        last = key!;
        const ok = work.kind === "status"
          ? await this.#sendStatus(e, work.target)
          : await this.#sendDelete(e, work.target);
        if (!ok) return;
      }
    } finally {
      // In the same turn as the last check, so a change after it starts a new drain.
      e.running = undefined;
    }
  }

  /** Patches the status; false when it failed and waits for the resync. */
  async #sendStatus(e: Entry, target: StatusTarget): Promise<boolean> {
    const version = e.version;
    const status = e.status!;
    this.#patches++;
    try {
      const answer = await this.#client.patchStatus<Pod>(
        podRef(target),
        statusPatch(target.uid, status, heldIPs(e, target)),
        "strategic",
        { signal: this.#signal },
      );
      markSent(e, version, target, status, answer?.metadata?.resourceVersion);
      this.#logger.debug(3, "Status for pod updated successfully", {
        pod: podName(target),
        version,
        phase: status.phase,
      });
      return true;
    } catch (err) {
      if (this.#signal?.aborted) return false;
      if (isNotFound(err) || isConflict(err)) {
        e.droppedFor = target.uid;
        this.#logger.debug(2, "Pod is gone or was recreated, not updating its status", {
          pod: podName(target),
          uid: target.uid,
          err: errText(err),
        });
        return true;
      }
      this.#failed("Failed to update status for pod", target, err);
      return false;
    }
  }

  /** Deletes the API pod; false when it failed and waits for the resync. */
  async #sendDelete(e: Entry, target: StatusTarget): Promise<boolean> {
    const d = e.deletion!;
    this.#deletes++;
    try {
      await this.#client.delete(podRef(target), {
        gracePeriodSeconds: 0,
        preconditions: { uid: target.uid },
        signal: this.#signal,
      });
      this.#logger.debug(3, "Pod fully terminated and removed from the API server", {
        pod: podName(target),
      });
    } catch (err) {
      if (this.#signal?.aborted) return false;
      if (!isNotFound(err) && !isConflict(err)) {
        this.#failed("Failed to delete pod", target, err);
        return false;
      }
    }
    d.done = true;
    e.droppedFor = target.uid;
    if (e.removed) this.#entries.delete(e.uid);
    return true;
  }

  /** A failed request about the target: one line a minute per kind; a 401/403 the client logs. */
  #failed(message: string, target: StatusTarget, err: unknown): void {
    const fields = { pod: podName(target), err: errText(err) };
    this.#log.apiWarn(message, this.#clock.now(), message, err, fields);
  }
}
