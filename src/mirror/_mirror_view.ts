/**
 * Which mirror pods exist, as the node knows it: the API pod source's view
 * (the last full set it delivered), corrected by what the node itself just
 * did and the view does not show yet. A mirror pod the node created counts as
 * existing until the view shows it (or {@linkcode CREATED_MIRROR_TTL_MS}
 * passes); one it deleted counts as gone while the view still shows it. So a
 * watch that lags behind the node's own writes makes neither a second create
 * (409 AlreadyExists) nor a second delete.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import type { Clock } from "../util/clock.ts";
import { isMirrorPod, mirrorKey, mirrorPodHash } from "./mirror_pod.ts";

/**
 * How long a mirror pod the node created counts as existing before the API
 * pod source shows it, in ms.
 */
export const CREATED_MIRROR_TTL_MS = 60_000;

/** A mirror pod as the node knows it. */
export interface KnownMirror {
  namespace: string;
  name: string;
  uid: string | undefined;
  /** Its `kubernetes.io/config.mirror` annotation. */
  hash: string | undefined;
  /** It has a deletionTimestamp. */
  deleting: boolean;
}

interface Created {
  mirror: KnownMirror;
  at: number;
}

/** The node's mirror pods by `<namespace>/<name>`. */
export class MirrorView {
  #nodeName: string;
  #clock: Clock;
  #seen = new Map<string, KnownMirror>();
  #created = new Map<string, Created>();
  #deleted = new Set<string>();

  constructor(nodeName: string, clock: Clock) {
    this.#nodeName = nodeName;
    this.#clock = clock;
  }

  /**
   * Takes the API pod source's full set (pods without the mirror annotation,
   * a name and a namespace, or bound to another node are left out). Returns
   * whether the view changed.
   */
  set(pods: Pod[]): boolean {
    const next = new Map<string, KnownMirror>();
    for (const pod of pods) {
      const meta = pod.metadata;
      if (!isMirrorPod(pod) || !meta?.name || !meta.namespace) continue;
      if (pod.spec?.nodeName !== undefined && pod.spec.nodeName !== this.#nodeName) continue;
      next.set(mirrorKey(pod), {
        namespace: meta.namespace,
        name: meta.name,
        uid: meta.uid,
        hash: mirrorPodHash(pod),
        deleting: meta.deletionTimestamp != null,
      });
    }
    const uids = new Set([...next.values()].map((m) => m.uid));
    for (const uid of this.#deleted) if (!uids.has(uid)) this.#deleted.delete(uid);
    for (const [key, c] of this.#created) {
      if (c.mirror.uid !== undefined && next.get(key)?.uid === c.mirror.uid) {
        this.#created.delete(key);
      }
    }
    const changed = fingerprint(this.#seen) !== fingerprint(next);
    this.#seen = next;
    return changed;
  }

  /** The node created this mirror pod. */
  created(key: string, mirror: KnownMirror): void {
    this.#created.set(key, { mirror, at: this.#clock.now() });
  }

  /** The node deleted this mirror pod (or found it gone). */
  deleted(key: string, mirror: KnownMirror): void {
    if (mirror.uid !== undefined) this.#deleted.add(mirror.uid);
    if (this.#created.get(key)?.mirror.uid === mirror.uid) this.#created.delete(key);
  }

  /** The mirror pod of `key`: one the node just created, or the one the view shows. */
  current(key: string): KnownMirror | undefined {
    const created = this.#created.get(key);
    if (created && this.#clock.now() - created.at < CREATED_MIRROR_TTL_MS) return created.mirror;
    if (created) this.#created.delete(key);
    const seen = this.#seen.get(key);
    return seen && !(seen.uid !== undefined && this.#deleted.has(seen.uid)) ? seen : undefined;
  }

  /** Every mirror pod the node knows of. */
  all(): [string, KnownMirror][] {
    const out: [string, KnownMirror][] = [];
    for (const key of new Set([...this.#created.keys(), ...this.#seen.keys()])) {
      const m = this.current(key);
      if (m) out.push([key, m]);
    }
    return out;
  }

  /** What the API pod source shows for `key`, as text. */
  shown(key: string): string {
    const m = this.#seen.get(key);
    return m ? JSON.stringify([m.uid, m.hash, m.deleting]) : "-";
  }
}

function fingerprint(mirrors: Map<string, KnownMirror>): string {
  return JSON.stringify([...mirrors].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}
