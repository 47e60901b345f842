/**
 * The sync loop's pod bookkeeping (kubelet's pod manager and its pod config
 * handlers): which pods are admitted, which were refused at admission, and
 * which are being killed, and how each merged pod update moves pods between
 * them.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodUpdate } from "../config/pod_update.ts";
import type { Logger } from "../util/logger.ts";
import { formatPod, type Termination, uidOf } from "./_helpers.ts";
import { admitPod } from "./admit_pod.ts";
import type { KubeletLoopOptions } from "./kubelet_options.ts";

/** Options for {@linkcode PodTable}. */
export type PodTableOptions =
  & Pick<KubeletLoopOptions, "prober" | "statusManager" | "recordEvent">
  & {
    logger: Logger;
    /** `--max-pods`. */
    maxPods: number;
    /** Wakes the worker of a pod whose desired state changed. */
    wake(uid: string): void;
  };

/** The admitted, rejected and terminating pods, keyed by UID. */
export class PodTable {
  /** Admitted pods the sources declare. */
  readonly pods = new Map<string, Pod>();
  /** Pods refused at admission. */
  readonly rejected = new Map<string, Pod>();
  /** Pods being killed: removed from the sources, deleted, or orphans. */
  readonly terminating = new Map<string, Termination>();
  #o: PodTableOptions;

  constructor(options: PodTableOptions) {
    this.#o = options;
  }

  /** Applies one merged pod update (see Kubelet.handlePodUpdate). */
  apply(update: PodUpdate): void {
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
          if (this.pods.has(uid)) this.pods.set(uid, pod);
        }
        break;
      case "SET":
        this.#set(update);
        break;
    }
  }

  #addOrUpdate(pod: Pod): void {
    const uid = uidOf(pod);
    if (pod.metadata?.deletionTimestamp) {
      this.#terminate(uid, pod);
      return;
    }
    if (!this.pods.has(uid)) {
      const verdict = admitPod(this.pods.size, this.#o.maxPods);
      if (!verdict.admit) {
        this.#reject(pod, verdict.reason, verdict.message);
        return;
      }
    }
    this.rejected.delete(uid);
    this.terminating.delete(uid);
    this.pods.set(uid, pod);
    this.#o.prober?.addPod(pod);
    this.#o.wake(uid);
  }

  #reject(pod: Pod, reason: string, message: string): void {
    const uid = uidOf(pod);
    this.rejected.set(uid, pod);
    this.#o.logger.warn("Pod rejected at admission", { pod: formatPod(pod), reason, message });
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
    if (this.rejected.delete(uid)) {
      this.#o.statusManager.removePod(uid);
      return;
    }
    const known = this.pods.get(uid) ?? this.terminating.get(uid)?.pod;
    if (!known && !this.terminating.has(uid)) return;
    this.pods.delete(uid);
    this.terminating.set(uid, {
      pod: pod.spec ? pod : known,
      name: pod.metadata?.name ?? known?.metadata?.name ?? "",
      namespace: pod.metadata?.namespace ?? known?.metadata?.namespace ?? "",
    });
    this.#o.prober?.removePod(uid);
    this.#o.wake(uid);
  }

  #set(update: PodUpdate): void {
    const incoming = new Set(update.pods.map(uidOf));
    for (const [uid, pod] of [...this.pods, ...this.rejected]) {
      if (incoming.has(uid)) continue;
      const source = pod.metadata?.annotations?.["kubernetes.io/config.source"];
      if (update.source === "*" || source === update.source) this.#terminate(uid, pod);
    }
    for (const pod of update.pods) this.#addOrUpdate(pod);
  }
}
