/**
 * What counts as a change of a pod for {@linkcode PodConfig}, and the operations
 * one source's new admitted pods make against the ones it had: the kubelet's
 * `checkAndUpdatePod` and the ADD/UPDATE/DELETE/REMOVE/RECONCILE split of its
 * `merge` (pkg/kubelet/config/config.go).
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import {
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  podFullName,
} from "../api/pod_helpers.ts";
import { jsonEqual } from "./_json_equal.ts";

/** Annotations the node sets itself; they never make a pod "changed". */
const LOCAL_ANNOTATIONS = [
  CONFIG_SOURCE_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
];

/** A pod a source wants, with the keys it is admitted by. */
export interface Desired {
  pod: Pod;
  uid: string;
  fullName: string;
}

/** The operations of one source's merge, and the pods it has admitted after it. */
export interface SourceDiff {
  removes: Pod[];
  adds: Pod[];
  updates: Pod[];
  deletes: Pod[];
  reconciles: Pod[];
  /** Admitted pods by UID, to be sent downstream from now on. */
  stored: Map<string, Pod>;
}

/**
 * Formats a time in ms as RFC 3339 in UTC with fixed-width nanoseconds, the
 * `kubernetes.io/config.seen` format: `2026-11-23T17:51:56.123000000Z`.
 */
export function formatConfigSeen(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = Math.round((ms - whole) * 1e6);
  return `${new Date(whole).toISOString().slice(0, 23)}${String(nanos).padStart(6, "0")}Z`;
}

/**
 * Compares a source's admitted pods with the newly admitted ones. New pods are
 * stamped with the source and `seen`. With `full` false (a source other than the
 * merging one, whose pods have not changed) only newly admitted pods are looked at.
 */
export function diffSource(
  admitted: Map<string, Pod>,
  incoming: Map<string, Desired>,
  options: { source: string; seen: string; full: boolean },
): SourceDiff {
  const { source, seen, full } = options;
  const diff: SourceDiff = {
    removes: [],
    adds: [],
    updates: [],
    deletes: [],
    reconciles: [],
    stored: new Map(),
  };
  if (full) {
    for (const [uid, old] of admitted) {
      const inc = incoming.get(uid);
      if (!inc || inc.fullName !== podFullName(old)) diff.removes.push(old);
    }
  }
  for (const [uid, { pod: inc, fullName }] of incoming) {
    const old = admitted.get(uid);
    let stored = old;
    if (!old || podFullName(old) !== fullName) {
      stored = structuredClone(inc);
      const meta = stored.metadata ??= {};
      meta.annotations = {
        ...meta.annotations,
        [CONFIG_SOURCE_ANNOTATION]: source,
        [CONFIG_SEEN_ANNOTATION]: seen,
      };
      diff.adds.push(stored);
    } else if (full && semanticallyDifferent(old, inc)) {
      stored = updatedPod(old, inc);
      (stored.metadata?.deletionTimestamp ? diff.deletes : diff.updates).push(stored);
    } else if (full && !jsonEqual(old.status, inc.status)) {
      stored = reconciledPod(old, inc);
      diff.reconciles.push(stored);
    }
    diff.stored.set(uid, stored!);
  }
  return diff;
}

function annotationsWithoutLocal(pod: Pod): Record<string, string> {
  const out: Record<string, string> = { ...pod.metadata?.annotations };
  for (const key of LOCAL_ANNOTATIONS) delete out[key];
  return out;
}

/**
 * The kubelet's "semantically different" check: spec, labels, deletion timestamp
 * and grace period, and annotations other than the local ones. Status is not
 * compared here.
 */
function semanticallyDifferent(a: Pod, b: Pod): boolean {
  return !jsonEqual(a.spec, b.spec) ||
    !jsonEqual(a.metadata?.labels ?? {}, b.metadata?.labels ?? {}) ||
    a.metadata?.deletionTimestamp !== b.metadata?.deletionTimestamp ||
    a.metadata?.deletionGracePeriodSeconds !== b.metadata?.deletionGracePeriodSeconds ||
    !jsonEqual(annotationsWithoutLocal(a), annotationsWithoutLocal(b));
}

/** `obj` without its keys whose value is `undefined` (so deep comparisons stay exact). */
function compact<T extends object>(obj: T): T {
  const out = { ...obj };
  for (const key of Object.keys(out) as (keyof T)[]) {
    if (out[key] === undefined) delete out[key];
  }
  return out;
}

/** The stored pod updated from `incoming`, keeping local annotations and metadata. */
function updatedPod(stored: Pod, incoming: Pod): Pod {
  const inMeta = incoming.metadata ?? {};
  const annotations: Record<string, string> = { ...inMeta.annotations };
  for (const key of LOCAL_ANNOTATIONS) {
    const kept = stored.metadata?.annotations?.[key];
    if (kept !== undefined) annotations[key] = kept;
    else delete annotations[key];
  }
  const metadata = compact({
    ...structuredClone(stored.metadata),
    labels: structuredClone(inMeta.labels),
    deletionTimestamp: inMeta.deletionTimestamp,
    deletionGracePeriodSeconds: inMeta.deletionGracePeriodSeconds,
    annotations,
  });
  return compact({
    ...structuredClone(stored),
    metadata,
    spec: structuredClone(incoming.spec),
    status: structuredClone(incoming.status),
  });
}

/** `stored` with the status of `incoming`. */
function reconciledPod(stored: Pod, incoming: Pod): Pod {
  return compact({ ...structuredClone(stored), status: structuredClone(incoming.status) });
}
