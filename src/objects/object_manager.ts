/**
 * The kubelet's configmap and secret managers (pkg/kubelet/configmap,
 * pkg/kubelet/secret, pkg/kubelet/util/manager) as one class per kind: the
 * ConfigMaps or the Secrets the node's pods refer to, read from the API
 * server with one of the three `configMapAndSecretChangeDetectionStrategy`
 * strategies:
 *
 * - `Watch` (default): one list+watch per referenced object, by name only
 *   (`fieldSelector=metadata.name=<name>` in its namespace: a node may not
 *   list a namespace); a read waits up to 1 s for the first list. Watches
 *   stop for immutable objects and for objects not read for the idle time
 *   (5 × `resyncMs`, at least 1 minute; the recycler runs every minute in
 *   {@linkcode ObjectManager.run}), and restart on the next read.
 * - `Cache`: a GET when the cached answer is older than the TTL
 *   (`ttlMs()`, asked on every read: 1 minute, or the node annotation
 *   `node.alpha.kubernetes.io/ttl`, see {@linkcode nodeObjectTtlMs}).
 * - `Get`: a GET on every read.
 *
 * Pods are registered by (namespace, name, uid) with the names they refer
 * to ({@linkcode podObjectRefs}); each object keeps a reference count, and at
 * 0 it is forgotten (its watch stopped). A re-register adds the new names
 * and releases the dropped ones (and, as in the kubelet, does not touch the
 * others: their cache is kept).
 *
 * A read never throws: an object is found, absent (NotFound), or
 * unavailable with a reason (API down, 401/403, not synced, or data over
 * the API server's 1 MiB limit). Failures are logged through
 * {@linkcode ThrottledLog} (one line per kind and minute; 401/403 at
 * `--v=4`, the client logs those). Only object names are logged, never
 * their data.
 *
 * Requires `--allow-net` for the API server's host.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import type { Node } from "kubernetes-types/core/v1.d.ts";
import type { ApiClient } from "../client/mod.ts";
import { ThrottledLog } from "../client/throttled_log.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { runEvery } from "../util/run_every.ts";
import { CacheStore, DEFAULT_CACHE_TTL_MS } from "./_cache_store.ts";
import { GetStore } from "./_get_store.ts";
import {
  type KubeObject,
  lookupOf,
  type ObjectResult,
  readErrText,
  tooLarge,
} from "./_object_result.ts";
import type { ObjectStore, StoreContext } from "./_object_store.ts";
import { maxIdleMs, RECYCLE_PERIOD_MS, WatchStore } from "./_watch_store.ts";
import { objectKey, podKey, podNamespace, podObjectRefs } from "./pod_refs.ts";
import {
  formatObjectRef,
  type ObjectKind,
  type ObjectLookup,
  type ObjectRef,
  type PodObjectSource,
} from "./types.ts";

export type { KubeObject, ObjectResult };
export { DEFAULT_CACHE_TTL_MS } from "./_cache_store.ts";
export { MAX_OBJECT_DATA_BYTES } from "./_object_result.ts";
export { FIRST_SYNC_WAIT_MS, MIN_IDLE_MS, RECYCLE_PERIOD_MS } from "./_watch_store.ts";

/** `configMapAndSecretChangeDetectionStrategy`. */
export type ChangeDetectionStrategy = "Watch" | "Cache" | "Get";

/** Every strategy, for validation and flags. */
export const CHANGE_DETECTION_STRATEGIES: readonly ChangeDetectionStrategy[] = [
  "Watch",
  "Cache",
  "Get",
];

/** The node annotation that overrides the Cache strategy's TTL, in seconds. */
export const OBJECT_TTL_ANNOTATION = "node.alpha.kubernetes.io/ttl";

/**
 * The TTL the node annotation `node.alpha.kubernetes.io/ttl` asks for, in ms,
 * or undefined when it is absent or not a whole number of seconds >= 0.
 */
export function nodeObjectTtlMs(node: Node | undefined): number | undefined {
  const v = node?.metadata?.annotations?.[OBJECT_TTL_ANNOTATION];
  if (v === undefined || !/^\d{1,9}$/.test(v.trim())) return undefined;
  return Number(v.trim()) * 1000;
}

/** Options of {@linkcode ObjectManager}. */
export interface ObjectManagerOptions {
  /** `ConfigMap` or `Secret`. */
  kind: ObjectKind;
  client: Pick<ApiClient, "get" | "list" | "watch">;
  clock: Clock;
  /** @default "Watch" */
  strategy?: ChangeDetectionStrategy;
  /** @default nullLogger */
  logger?: Logger;
  /** Cache: the TTL in ms, asked on every read. @default () => 60_000 */
  ttlMs?: () => number;
  /** Watch: the sync period (`syncFrequency`); idle time = 5 × it, at least 1 min. @default 60_000 */
  resyncMs?: number;
  /** In [0, 1): back-off jitter and watch timeouts. @default Math.random */
  random?: () => number;
}

/** The ConfigMaps or the Secrets of the node's pods, from the API server. */
export class ObjectManager implements PodObjectSource {
  /** The kind of objects managed. */
  readonly kind: ObjectKind;
  /** The strategy in use. */
  readonly strategy: ChangeDetectionStrategy;
  #clock: Clock;
  #logger: Logger;
  #log: ThrottledLog;
  #store: ObjectStore;
  #pods = new Map<string, { namespace: string; names: Set<string> }>();
  #listeners = new Set<(ref: ObjectRef) => void>();
  #refused = new WeakMap<KubeObject, string | null>();

  /** @throws {TypeError} for an unknown kind or strategy. */
  constructor(options: ObjectManagerOptions) {
    const { kind, client, clock } = options;
    if (kind !== "ConfigMap" && kind !== "Secret") {
      throw new TypeError(
        `Cannot create object manager: kind ${JSON.stringify(kind)} is not ConfigMap or Secret`,
      );
    }
    const strategy = options.strategy ?? "Watch";
    if (!CHANGE_DETECTION_STRATEGIES.includes(strategy)) {
      throw new TypeError(
        `Cannot create object manager: configMapAndSecretChangeDetectionStrategy ${
          JSON.stringify(strategy)
        } is not one of ${CHANGE_DETECTION_STRATEGIES.join(", ")}`,
      );
    }
    this.kind = kind;
    this.strategy = strategy;
    this.#clock = clock;
    this.#logger = options.logger ?? nullLogger;
    this.#log = new ThrottledLog(this.#logger);
    const ctx: StoreContext = {
      kind,
      resource: kind === "ConfigMap" ? "configmaps" : "secrets",
      client,
      clock,
      failed: (op, ref, err) => this.#failed(op, ref, err),
      changed: (ref) => this.#changed(ref),
      debug: (level, message, ref) =>
        this.#logger.debug(level, message, {
          kind: ref.kind,
          object: `${ref.namespace}/${ref.name}`,
        }),
    };
    const random = options.random ?? Math.random;
    this.#store = strategy === "Get"
      ? new GetStore(ctx)
      : strategy === "Cache"
      ? new CacheStore(ctx, options.ttlMs ?? (() => DEFAULT_CACHE_TTL_MS))
      : new WatchStore(ctx, maxIdleMs(options.resyncMs ?? 60_000), random);
  }

  /** Objects with references (0 for Get, which keeps none). */
  get size(): number {
    return this.#store.size;
  }

  /** Watches that run now (Watch only). */
  get runningWatches(): number {
    return this.#store instanceof WatchStore ? this.#store.running : 0;
  }

  /**
   * Registers `pod`'s references of this kind (the kubelet's RegisterPod);
   * `refs` replaces {@linkcode podObjectRefs}(pod) when given (the pod
   * object source leaves out the local objects of static pods).
   */
  registerPod(pod: Pod, refs?: readonly ObjectRef[]): void {
    const namespace = podNamespace(pod);
    const names = new Set(
      (refs ?? podObjectRefs(pod)).filter((r) => r.kind === this.kind).map((r) => r.name),
    );
    const key = podKey(pod);
    const prev = this.#pods.get(key);
    this.#pods.set(key, { namespace, names });
    for (const name of names) {
      if (!prev?.names.has(name)) this.#store.addReference(namespace, name);
    }
    for (const name of prev?.names ?? []) {
      if (!names.has(name)) this.#store.deleteReference(prev!.namespace, name);
    }
  }

  /** Releases every reference of `pod` (the kubelet's UnregisterPod). */
  unregisterPod(pod: Pod): void {
    const key = podKey(pod);
    const prev = this.#pods.get(key);
    if (!prev) return;
    this.#pods.delete(key);
    for (const name of prev.names) this.#store.deleteReference(prev.namespace, name);
  }

  /** Reads one object per the strategy. Never rejects. */
  async get(namespace: string, name: string, signal?: AbortSignal): Promise<ObjectResult> {
    const r = await this.#store.get(namespace, name, signal);
    if (r.state !== "found") return r;
    let refusal = this.#refused.get(r.object);
    if (refusal === undefined) {
      refusal = tooLarge(this.kind, r.object) ?? null;
      this.#refused.set(r.object, refusal);
    }
    if (refusal === null) return r;
    const ref = { kind: this.kind, namespace, name };
    this.#log.warn(
      `${this.kind} too large ${namespace}/${name}`,
      this.#clock.now(),
      `Refusing ${formatObjectRef(ref)}: ${refusal}`,
    );
    return { state: "unavailable", reason: `refused: ${refusal}` };
  }

  /** Reads every object of this kind `pod` refers to; the lookup answers for those only. */
  async resolve(pod: Pod, signal?: AbortSignal): Promise<ObjectLookup> {
    const refs = podObjectRefs(pod).filter((r) => r.kind === this.kind);
    const results = new Map<string, ObjectResult>();
    await Promise.all(refs.map(async (ref) => {
      results.set(objectKey(ref), await this.get(ref.namespace, ref.name, signal));
    }));
    signal?.throwIfAborted();
    return lookupOf(results);
  }

  /**
   * Calls `listener` when a watched object changes (created, modified,
   * deleted; Watch only). Returns the function that removes it.
   */
  onChange(listener: (ref: ObjectRef) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The recycler's step: stops the watches not read for the idle time. */
  recycle(now: number): void {
    this.#store.recycle(now);
  }

  /** Runs the recycler every minute until `signal` aborts, then stops every watch. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await runEvery((now) => this.recycle(now), {
        clock: this.#clock,
        periodMs: RECYCLE_PERIOD_MS,
        signal,
        immediate: false,
      });
    } finally {
      this.close();
    }
  }

  /** Stops every watch and forgets every pod. */
  close(): void {
    this.#store.close();
    this.#pods.clear();
  }

  #failed(op: "get" | "list" | "watch", ref: ObjectRef, err: unknown): void {
    const text = readErrText(this.kind, err);
    this.#log.apiWarn(
      `${this.kind} ${op}`,
      this.#clock.now(),
      op === "get"
        ? `Cannot get ${formatObjectRef(ref)}`
        : `Cannot ${op} ${formatObjectRef(ref)}, retrying`,
      err,
      { err: text },
    );
  }

  #changed(ref: ObjectRef): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(ref);
      } catch (err) {
        this.#logger.error(`A listener of ${formatObjectRef(ref)} changes failed`, {
          err: errText(err),
        });
      }
    }
  }
}
