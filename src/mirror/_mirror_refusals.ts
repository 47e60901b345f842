/**
 * Creates of mirror pods the API server refused for a reason that a retry at
 * the next step does not fix: 403 (the static pod references a Secret or
 * ConfigMap, or the node may not create it) and 409 AlreadyExists (a pod that
 * is not this node's mirror pod has the name). Each is held back until the
 * static pod version (UID and config hash) changes, for AlreadyExists also
 * until the API's view of the name changes, or until the retry interval has
 * passed. An AlreadyExists is logged once per static pod version; a 403 only
 * at `--v=4`, since the API client logs every refusal (request, message and
 * the agent's identity) once a minute.
 *
 * @module
 */

import type { Logger } from "../util/logger.ts";

/** Why a create was refused. */
export type RefusalKind = "forbidden" | "exists";

/** One refused create. */
export interface Refusal {
  staticUid: string | undefined;
  hash: string;
  /** What the API pod source showed for the name when it was refused. */
  view: string;
  now: number;
  /** The API server's message. */
  message: string;
}

interface Held extends Refusal {
  kind: RefusalKind;
}

const TEXT: Record<RefusalKind, string> = {
  forbidden:
    "Static pod has no mirror pod: the API server refused to create it (403); the static pod keeps running",
  exists:
    "Static pod has no mirror pod: a pod of that name exists in the API server and is not this node's mirror pod (409); the static pod keeps running",
};

/** The refused creates, by `<namespace>/<name>`. */
export class MirrorRefusals {
  #logger: Logger;
  #retryMs: number;
  #held = new Map<string, Held>();
  /** The last refusal logged per key (kind, static UID, hash). */
  #told = new Map<string, string>();

  constructor(logger: Logger, retryMs: number) {
    this.#logger = logger;
    this.#retryMs = retryMs;
  }

  /** Whether a create for this static pod version is still held back. */
  holds(
    key: string,
    staticUid: string | undefined,
    hash: string,
    view: string,
    now: number,
  ): boolean {
    const r = this.#held.get(key);
    if (!r) return false;
    if (r.staticUid !== staticUid || r.hash !== hash) {
      this.#held.delete(key);
      return false;
    }
    if (now - r.now >= this.#retryMs || now < r.now) return false;
    return r.kind === "forbidden" || r.view === view;
  }

  /** Records a refusal; warns of an AlreadyExists unless this static pod version was told about. */
  refuse(key: string, kind: RefusalKind, refusal: Refusal): void {
    this.#held.set(key, { ...refusal, kind });
    const token = JSON.stringify([kind, refusal.staticUid, refusal.hash]);
    const fields = {
      pod: key,
      podUID: refusal.staticUid,
      apiMessage: refusal.message,
      retry: `when the pod changes or in ${Math.round(this.#retryMs / 60_000)}m`,
    };
    if (kind === "forbidden" || this.#told.get(key) === token) {
      this.#logger.debug(4, TEXT[kind], fields);
      return;
    }
    this.#told.set(key, token);
    this.#logger.warn(TEXT[kind], fields);
  }

  /** The mirror pod of `key` was created. */
  clear(key: string): void {
    this.#held.delete(key);
    this.#told.delete(key);
  }

  /** Forgets keys that are no longer static pods. */
  prune(keys: Set<string>): void {
    for (const key of this.#held.keys()) if (!keys.has(key)) this.#held.delete(key);
    for (const key of this.#told.keys()) if (!keys.has(key)) this.#told.delete(key);
  }
}
