/**
 * The body of a pod status update as the kubelet sends it, and the part of a
 * status the kubelet owns, for comparing what was sent with what the API
 * server shows.
 *
 * The update is a strategic merge patch of the `status` subresource carrying
 * `metadata.uid` (the server refuses it, 409 "Precondition failed", when the
 * pod of that name is another one) and the whole status the kubelet owns:
 *
 * - `conditions` merge by `type`, so only the kubelet's own conditions are
 *   sent and every other component's (a readiness gate's, DisruptionTarget)
 *   stays as its owner set it; in each, a `reason` or `message` the kubelet
 *   leaves out is sent as null, since a merge keeps fields a patch does not
 *   name (times it leaves out stay as they are);
 * - `podIPs` and `hostIPs` merge by `ip`: an IP the server may still hold (the
 *   last one sent, or the API pod's) that the new status lacks is removed with
 *   a `{ip, $patch: delete}` element, so a new sandbox IP replaces the old one
 *   instead of joining it (what the kubelet's two-way merge patch sends; a
 *   `$patch: replace` element is kept as an empty IP by kube-apiserver 1.20
 *   and the patch refused with 422);
 * - a field the kubelet owns and does not set now (`reason` after an
 *   eviction is over, `podIP` before the sandbox has one) is sent as null.
 *
 * @module
 */

import type { PodCondition, PodStatus as V1PodStatus } from "kubernetes-types/core/v1.d.ts";
import { KUBELET_CONDITIONS } from "./_conditions.ts";

/** Status fields the kubelet owns that a patch clears when the status leaves them out. */
const CLEARED_WHEN_UNSET = [
  "reason",
  "message",
  "hostIP",
  "hostIPs",
  "podIP",
  "podIPs",
  "startTime",
  "initContainerStatuses",
  "containerStatuses",
] as const;

const CONDITION_FIELDS = ["reason", "message"] as const;

function ownConditions(status: V1PodStatus): PodCondition[] {
  return (status.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type));
}

/** IPs the API server may hold for a pod, per list. */
export interface HeldIPs {
  podIPs?: readonly string[];
  hostIPs?: readonly string[];
}

/** The IPs of a status's `podIPs` and `hostIPs`. */
export function ipsOf(status: V1PodStatus | undefined): HeldIPs {
  return {
    podIPs: (status?.podIPs ?? []).map((p) => p.ip ?? "").filter((ip) => ip !== ""),
    hostIPs: (status?.hostIPs ?? []).map((p) => p.ip ?? "").filter((ip) => ip !== ""),
  };
}

/**
 * The strategic merge patch that sets `status` on the pod with `uid`; `held`
 * are IPs the server may hold, removed when the status no longer has them.
 */
export function statusPatch(
  uid: string,
  status: V1PodStatus,
  held: readonly HeldIPs[] = [],
): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) {
    if (v !== undefined && k !== "conditions") s[k] = structuredClone(v);
  }
  s.conditions = ownConditions(status).map((c) => {
    const out: Record<string, unknown> = { ...c };
    for (const f of CONDITION_FIELDS) out[f] = c[f] ?? null;
    return out;
  });
  for (const k of CLEARED_WHEN_UNSET) if (s[k] === undefined) s[k] = null;
  for (const k of ["podIPs", "hostIPs"] as const) {
    const now = new Set((status[k] ?? []).map((p) => p.ip));
    const gone = [...new Set(held.flatMap((h) => h[k] ?? []))].filter((ip) => !now.has(ip));
    // A list the status leaves out is cleared whole (null) already.
    if (gone.length === 0 || !Array.isArray(s[k])) continue;
    s[k] = [...(s[k] as unknown[]), ...gone.map((ip) => ({ ip, $patch: "delete" }))];
  }
  return { metadata: { uid }, status: s };
}

/** Drops nulls, empty strings, empty objects and empty arrays, and sorts keys. */
function normalize(v: unknown): unknown {
  if (v === null || v === undefined || v === "") return undefined;
  if (Array.isArray(v)) {
    const items = v.map(normalize).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const n = normalize((v as Record<string, unknown>)[k]);
    if (n !== undefined) out[k] = n;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The status the kubelet owns as canonical text: the fields it sends and its
 * own conditions by type (status, reason and message; the times are the
 * server's to keep), with empty values dropped as the API server drops them.
 * Two statuses the server would show alike give the same text.
 */
export function kubeletStatusView(status: V1PodStatus | undefined): string {
  if (!status) return "";
  const view: Record<string, unknown> = {};
  for (const k of [...CLEARED_WHEN_UNSET, "phase", "qosClass"] as const) view[k] = status[k];
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  view.containerStatuses = [...(status.containerStatuses ?? [])].sort(byName);
  view.conditions = ownConditions(status)
    .map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }))
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return JSON.stringify(normalize(view) ?? {});
}
