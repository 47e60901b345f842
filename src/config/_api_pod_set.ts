/**
 * The pods the API-server source holds: checked one by one as they arrive (a
 * list item or a watch event), kept by UID, and split into the node's pods and
 * its mirror pods when delivered. A delivery is skipped when the set it would
 * deliver has not changed since the last one (compared by UID and
 * resourceVersion).
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import { isMirrorPod } from "../api/pod_helpers.ts";

/** What {@linkcode checkPod} found: the pod, or the one problem that rules it out. */
export type PodCheck =
  | { ok: true; pod: Pod; uid: string }
  | { ok: false; problem: string; uid?: string; pod?: string };

function nonEmpty(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

/**
 * Whether `obj` is a Pod of `nodeName` the source can hold: an object (of kind
 * Pod when a kind is set) with `metadata.uid`, `metadata.name`,
 * `metadata.namespace` and `spec.nodeName` equal to the node. A DELETED event
 * needs only the UID (`uidOnly`).
 */
export function checkPod(obj: unknown, nodeName: string, uidOnly = false): PodCheck {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    return { ok: false, problem: "the object is not a Pod" };
  }
  const o = obj as { kind?: unknown; metadata?: unknown; spec?: unknown };
  if (o.kind !== undefined && o.kind !== "Pod") {
    return { ok: false, problem: `the object is a ${String(o.kind)}, not a Pod` };
  }
  if (typeof o.metadata !== "object" || o.metadata === null) {
    return { ok: false, problem: "metadata is missing" };
  }
  const meta = o.metadata as { uid?: unknown; name?: unknown; namespace?: unknown };
  const uid = nonEmpty(meta.uid) ? meta.uid : undefined;
  const named = nonEmpty(meta.name) && nonEmpty(meta.namespace)
    ? `${meta.namespace}/${meta.name}`
    : undefined;
  const where = { ...(uid ? { uid } : {}), ...(named ? { pod: named } : {}) };
  const missing = (["uid", "name", "namespace"] as const)
    .filter((f) => !nonEmpty(meta[f]) && (!uidOnly || f === "uid"))
    .map((f) => `metadata.${f}`);
  if (missing.length) {
    return {
      ok: false,
      problem: `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing`,
      ...where,
    };
  }
  if (!uidOnly) {
    const node = (o.spec as { nodeName?: unknown } | undefined)?.nodeName;
    if (node !== nodeName) {
      const problem = nonEmpty(node)
        ? `spec.nodeName is ${JSON.stringify(node)}, not ${JSON.stringify(nodeName)}`
        : "spec.nodeName is missing";
      return { ok: false, problem, ...where };
    }
  }
  return { ok: true, pod: obj as Pod, uid: uid! };
}

interface Entry {
  pod: Pod;
  /** `uid@resourceVersion`: what a delivery compares. */
  key: string;
}

/** The node's pods from the API, by UID. */
export class ApiPodSet {
  #pods = new Map<string, Entry>();
  #seq = 0;
  #sentPods: string | undefined;
  #sentMirrors: string | undefined;

  /** How many pods (mirror pods included) the set holds. */
  get size(): number {
    return this.#pods.size;
  }

  /** Adds or replaces the pod with `uid`. */
  put(uid: string, pod: Pod): void {
    const rv = pod.metadata?.resourceVersion;
    // A pod without a resourceVersion (never from a real API server) counts as changed.
    this.#pods.set(uid, { pod, key: `${uid}@${rv ? rv : `#${++this.#seq}`}` });
  }

  /** Removes the pod with `uid`; whether it was there. */
  delete(uid: string): boolean {
    return this.#pods.delete(uid);
  }

  /** Empties the set (before a relist fills it again). */
  clear(): void {
    this.#pods.clear();
  }

  /**
   * The node's pods and its mirror pods, each `undefined` when it equals what
   * the last delivery returned (unless forced). What is returned counts as
   * delivered.
   */
  deliver(force: { pods?: boolean; mirrors?: boolean } = {}): {
    pods?: Pod[];
    mirrors?: Pod[];
  } {
    const pods: Entry[] = [];
    const mirrors: Entry[] = [];
    for (const e of this.#pods.values()) (isMirrorPod(e.pod) ? mirrors : pods).push(e);
    const podsKey = signature(pods);
    const mirrorsKey = signature(mirrors);
    const out: { pods?: Pod[]; mirrors?: Pod[] } = {};
    if (force.pods || podsKey !== this.#sentPods) out.pods = pods.map((e) => e.pod);
    if (force.mirrors || mirrorsKey !== this.#sentMirrors) out.mirrors = mirrors.map((e) => e.pod);
    this.#sentPods = podsKey;
    this.#sentMirrors = mirrorsKey;
    return out;
  }
}

function signature(entries: Entry[]): string {
  return entries.map((e) => e.key).sort().join(",");
}
