/**
 * What the API status sync knows of one pod: its newest status and version,
 * what was last acknowledged by the API server and for which object, and the
 * decisions made on that alone (is a status or a delete due, does the server
 * show something else, may this status be sent at all). Pure: no I/O.
 *
 * @module
 */

import type { Pod, PodStatus as V1PodStatus } from "kubernetes-types/core/v1.d.ts";
import { type HeldIPs, ipsOf, kubeletStatusView } from "./_status_patch.ts";

/** The API object that carries a pod's status. */
export interface StatusTarget {
  namespace: string;
  name: string;
  uid: string;
}

/** One pod's sync state. */
export interface PodSyncState {
  uid: string;
  pod: Pod;
  status?: V1PodStatus;
  /** Bumped on each new status. */
  version: number;
  /** The newest version the API server acknowledged. */
  sentVersion: number;
  /** Target UID the last acknowledged status went to, its view and the answer's resourceVersion. */
  sentTo?: string;
  sentView?: string;
  sentRv?: string;
  /** The IPs of the last acknowledged status (the server holds them). */
  sentIPs?: HeldIPs;
  /** The API server shows another status than the one sent: send it again. */
  reconcile: boolean;
  /** Target UID a terminal status was sent to. */
  terminalFor?: string;
  /** Target UID that answered 404 or 409: nothing more goes to it. */
  droppedFor?: string;
  deletion?: StatusTarget & { done: boolean };
  /** Gone from the status manager; kept until its deletion is done. */
  removed: boolean;
  /** The drain of its requests, while one runs. */
  running?: Promise<void>;
}

/** The next request for a pod. */
export type StatusWork = { kind: "status" | "delete"; target: StatusTarget };

/** Whether a phase is Succeeded or Failed. */
export function isTerminal(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed";
}

/** A state for a pod not seen before. */
export function newPodSyncState(uid: string, pod: Pod): PodSyncState {
  return { uid, pod, version: 0, sentVersion: 0, reconcile: false, removed: false };
}

/**
 * Whether the pod's status is due at `target`: "send"; "refused" when it is
 * non-terminal and a terminal one was sent there, or the API pod shows one
 * (the kubelet refuses that transition); undefined when nothing is due.
 */
export function statusDue(s: PodSyncState, target: StatusTarget): "send" | "refused" | undefined {
  if (!s.status || target.uid === s.droppedFor) return undefined;
  if (s.version <= s.sentVersion && s.sentTo === target.uid && !s.reconcile) return undefined;
  const apiTerminal = target.uid === s.pod.metadata?.uid && isTerminal(s.pod.status?.phase);
  if (!isTerminal(s.status.phase) && (s.terminalFor === target.uid || apiTerminal)) {
    return "refused";
  }
  return "send";
}

/** Records that the server acknowledged `status` of `version` at `target`. */
export function markSent(
  s: PodSyncState,
  version: number,
  target: StatusTarget,
  status: V1PodStatus,
  answerRv: string | undefined,
): void {
  if (version > s.sentVersion) s.sentVersion = version;
  s.sentTo = target.uid;
  s.sentView = kubeletStatusView(status);
  s.sentRv = answerRv;
  s.sentIPs = ipsOf(status);
  s.reconcile = false;
  if (isTerminal(status.phase)) s.terminalFor = target.uid;
}

/** Whether resourceVersion `a` is newer than `b` (numeric when both are; else different). */
function newerRv(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}

/**
 * Whether the API pod itself carries the status and shows another one than
 * was sent, in a newer version than the answer to the last patch (so an old
 * copy of the pod, or the echo of the patch, never counts).
 */
export function differsOnServer(s: PodSyncState): boolean {
  if (!s.sentTo || s.sentTo !== s.pod.metadata?.uid || !s.pod.status) return false;
  if (s.version > s.sentVersion || !newerRv(s.pod.metadata.resourceVersion, s.sentRv)) {
    return false;
  }
  return kubeletStatusView(s.pod.status) !== s.sentView;
}
