/**
 * Keeps one mirror pod in the API server per static pod of the node, the
 * kubelet's mirror handling in `syncPod` and `HandlePodCleanups`
 * (`deleteOrphanedMirrorPods`), as one reconcile step over two full sets: the
 * static pods the node runs and the mirror pods the API pod source sees.
 *
 * - A static pod without a mirror pod of the same namespace/name, with one
 *   whose `kubernetes.io/config.mirror` is not its config hash, or with one
 *   being deleted (someone deleted it): the stale mirror is deleted (grace 0,
 *   `preconditions.uid`) and a fresh one created.
 * - A mirror pod whose static pod is gone is deleted (an orphan).
 * - Nothing is sent before the Node is registered (its UID is needed for the
 *   owner reference the API server requires).
 *
 * Mirror pods are only a view: the static pods themselves are never touched,
 * so deleting a mirror pod (by anyone) never stops its static pod, and a
 * static pod the API server refuses a mirror for (403: it references a Secret
 * or ConfigMap) keeps running without one; the API client logs the refusal
 * (this manager only at `--v=4`), and it is retried when the pod changes or
 * every few minutes. Other failures are logged once a minute per pod and kind.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import {
  type ApiClient,
  ApiStatusError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
} from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { LoopWaker, runEvery } from "../util/run_every.ts";
import { ThrottledLog } from "../client/throttled_log.ts";
import {
  buildMirrorPod,
  isMirrorPod,
  mirrorKey,
  mirrorRefusalReason,
  staticPodHash,
} from "./mirror_pod.ts";
import { MirrorRefusals, type RefusalKind } from "./_mirror_refusals.ts";
import { type KnownMirror, MirrorView } from "./_mirror_view.ts";

export { CREATED_MIRROR_TTL_MS } from "./_mirror_view.ts";

/** The longest wait between two reconciles of {@linkcode MirrorPodManager.run}, in ms. */
export const MIRROR_RESYNC_MS = 10_000;
/** How often a mirror pod the API server refused (403, 409 AlreadyExists) is tried again, in ms. */
export const MIRROR_REFUSED_RETRY_MS = 300_000;

/** Options of {@linkcode MirrorPodManager}. */
export interface MirrorPodManagerOptions {
  /** The API client (pods: create, delete). */
  client: Pick<ApiClient, "create" | "delete">;
  /** This node's name. */
  nodeName: string;
  /** The Node object's UID, or undefined while the Node is not registered. */
  nodeUid: () => string | undefined;
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
}

/** The mirror pod of a static pod, as {@linkcode MirrorPodManager.mirrorFor} answers. */
export interface MirrorRef {
  namespace: string;
  name: string;
  uid: string;
}

const POD_RESOURCE = "pods";

/** Reconciles the node's mirror pods with its static pods. */
export class MirrorPodManager {
  #client: Pick<ApiClient, "create" | "delete">;
  #nodeName: string;
  #nodeUid: () => string | undefined;
  #clock: Clock;
  #logger: Logger;
  #waker = new LoopWaker();
  #log: ThrottledLog;
  #refusals: MirrorRefusals;
  /** Static pods (key → uid/hash) already told they get no mirror pod. */
  #toldNoMirror = new Map<string, string>();
  #statics = new Map<string, Pod>();
  #view: MirrorView;
  #inFlight?: Promise<void>;
  #again = false;
  #toldWaiting = false;

  constructor(options: MirrorPodManagerOptions) {
    this.#client = options.client;
    this.#nodeName = options.nodeName;
    this.#nodeUid = options.nodeUid;
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#log = new ThrottledLog(this.#logger);
    this.#refusals = new MirrorRefusals(this.#logger, MIRROR_REFUSED_RETRY_MS);
    this.#view = new MirrorView(options.nodeName, options.clock);
  }

  /**
   * The full set of mirror pods the API pod source sees for this node. Pods
   * without the mirror annotation or bound to another node are ignored.
   */
  setMirrorPods(pods: Pod[]): void {
    if (this.#view.set(pods)) this.#waker.wake();
  }

  /**
   * The full set of static pods the node runs (file and HTTP sources). Each
   * needs a name, a namespace and a config hash (or a UID); a pod without
   * them, a second pod of the same namespace/name and a mirror pod are
   * rejected with one line.
   */
  setStaticPods(pods: Pod[]): void {
    const next = new Map<string, Pod>();
    for (const pod of pods) {
      const key = mirrorKey(pod);
      const problem = !pod.metadata?.name || !pod.metadata.namespace
        ? "it has no name or namespace"
        : !staticPodHash(pod)
        ? "it has neither a config hash annotation nor a UID"
        : isMirrorPod(pod)
        ? "it is a mirror pod"
        : next.has(key)
        ? "another static pod has the same namespace/name"
        : undefined;
      if (problem) {
        const message = `Cannot mirror static pod '${key}': ${problem}`;
        this.#log.warn(message, this.#clock.now(), message);
        continue;
      }
      next.set(key, pod);
    }
    const sig = (m: Map<string, Pod>) =>
      JSON.stringify([...m].map(([k, p]) => [k, p.metadata?.uid, staticPodHash(p)]).sort());
    const changed = sig(this.#statics) !== sig(next);
    this.#statics = next;
    if (changed) this.#waker.wake();
  }

  /**
   * The current mirror pod of `staticPod`: one whose hash is the static pod's
   * and that is not being deleted, or undefined.
   */
  mirrorFor(staticPod: Pod): MirrorRef | undefined {
    const m = this.#view.current(mirrorKey(staticPod));
    if (!m || m.deleting || m.uid === undefined || m.hash !== staticPodHash(staticPod)) {
      return undefined;
    }
    return { namespace: m.namespace, name: m.name, uid: m.uid };
  }

  /** One reconcile (see the module doc). Never rejects; concurrent calls share one run. */
  reconcile(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    this.#inFlight = (async () => {
      try {
        do {
          this.#again = false;
          try {
            await this.#step();
          } catch (err) {
            const fields = { err: errText(err) };
            this.#log.error(
              `reconcile ${fields.err}`,
              this.#clock.now(),
              "Failed to reconcile mirror pods",
              fields,
            );
          }
        } while (this.#again);
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  /**
   * Reconciles when the static or mirror pods change and at least every
   * {@linkcode MIRROR_RESYNC_MS}, until `signal` aborts; never rejects.
   */
  run(signal: AbortSignal): Promise<void> {
    return runEvery(() => this.reconcile(), {
      clock: this.#clock,
      periodMs: MIRROR_RESYNC_MS,
      signal,
      waker: this.#waker,
    });
  }

  async #step(): Promise<void> {
    const nodeUid = this.#nodeUid();
    if (!nodeUid) {
      const node = this.#nodeName;
      if (!this.#toldWaiting) {
        this.#logger.debug(2, "Waiting for the Node to mirror pods", { node });
      }
      this.#toldWaiting = true;
      return;
    }
    for (const [key, pod] of [...this.#statics]) await this.#syncStatic(key, pod, nodeUid);
    for (const [key, mirror] of this.#view.all()) {
      if (this.#statics.has(key)) continue;
      await this.#delete(key, mirror, "its static pod is gone");
    }
    this.#refusals.prune(new Set(this.#statics.keys()));
    for (const key of [...this.#toldNoMirror.keys()]) {
      if (!this.#statics.has(key)) this.#toldNoMirror.delete(key);
    }
  }

  async #syncStatic(key: string, pod: Pod, nodeUid: string): Promise<void> {
    const hash = staticPodHash(pod)!;
    const uid = pod.metadata?.uid;
    const now = this.#clock.now();
    if (this.#refusals.holds(key, uid, hash, this.#view.shown(key), now)) return;
    const mirror = this.#view.current(key);
    if (mirror && !mirror.deleting && mirror.hash === hash) return;
    if (mirror) {
      const why = mirror.deleting ? "it is being deleted" : "it is outdated";
      if (await this.#delete(key, mirror, why) !== "gone") return;
    }
    const refused = mirrorRefusalReason(pod);
    if (refused) {
      // Not even tried: the API server would refuse it (403) every time.
      const told = `${uid}/${hash}`;
      if (this.#toldNoMirror.get(key) !== told) {
        this.#toldNoMirror.set(key, told);
        this.#logger.info(
          "Static pod has no mirror pod: the API server refuses mirror pods that reference " +
            "Secrets, ConfigMaps, service accounts or PersistentVolumeClaims; it runs all the same",
          { pod: key, why: refused },
        );
      }
      return;
    }
    await this.#create(key, pod, uid, hash, nodeUid);
  }

  /** Deletes a mirror pod: "gone", "replaced" (a pod of another UID has the name now) or "failed". */
  async #delete(
    key: string,
    mirror: KnownMirror,
    why: string,
  ): Promise<"gone" | "replaced" | "failed"> {
    const ref = { resource: POD_RESOURCE, namespace: mirror.namespace, name: mirror.name };
    const preconditions = mirror.uid === undefined ? undefined : { uid: mirror.uid };
    let result: "gone" | "replaced";
    try {
      await this.#client.delete(ref, { gracePeriodSeconds: 0, preconditions });
      this.#logger.info(`Deleted mirror pod because ${why}`, { pod: key, podUID: mirror.uid });
      result = "gone";
    } catch (err) {
      if (isNotFound(err)) result = "gone";
      else if (isConflict(err)) result = "replaced";
      else {
        this.#apiFailed("Failed deleting mirror pod", key, err);
        return "failed";
      }
    }
    this.#view.deleted(key, mirror);
    return result;
  }

  async #create(
    key: string,
    pod: Pod,
    staticUid: string | undefined,
    hash: string,
    nodeUid: string,
  ): Promise<void> {
    const body = buildMirrorPod(pod, { nodeName: this.#nodeName, nodeUid });
    try {
      const made = await this.#client.create<Pod>(
        { resource: POD_RESOURCE, namespace: body.metadata!.namespace },
        body,
      );
      const mirrorUid = made?.metadata?.uid;
      const { name, namespace } = body.metadata!;
      this.#view.created(key, {
        name: name!,
        namespace: namespace!,
        uid: mirrorUid,
        hash,
        deleting: false,
      });
      this.#refusals.clear(key);
      this.#logger.info("Created mirror pod", { pod: key, podUID: mirrorUid });
    } catch (err) {
      const kind: RefusalKind | undefined = isForbidden(err)
        ? "forbidden"
        : isAlreadyExists(err)
        ? "exists"
        : undefined;
      if (!kind || !(err instanceof ApiStatusError)) {
        this.#apiFailed("Failed creating mirror pod", key, err);
        return;
      }
      this.#refusals.refuse(key, kind, {
        staticUid,
        hash,
        view: this.#view.shown(key),
        now: this.#clock.now(),
        message: err.status.message || err.message,
      });
    }
  }

  /** A failed request about `key`: one line a minute per pod and kind; a 401/403 the client logs. */
  #apiFailed(message: string, key: string, err: unknown): void {
    const fields = { pod: key, err: errText(err) };
    this.#log.apiError(`${message} ${key}`, this.#clock.now(), message, err, fields);
  }
}
