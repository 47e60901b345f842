/**
 * The Cache strategy (the kubelet's TTL-based `objectStore` in
 * pkg/kubelet/util/manager/cache_based_manager.go): one entry per (namespace,
 * name) with a reference count; a read serves the cached answer while it is
 * younger than the TTL (asked on every read, so the node annotation
 * `node.alpha.kubernetes.io/ttl` can change it), else GETs the object.
 *
 * - `addReference` clears the cached answer, so a pod added or changed reads
 *   the object afresh.
 * - NotFound is cached as an answer, but, as in the kubelet, a cached
 *   NotFound is read again on the next read (an object created since is
 *   seen at once); when that read fails, the NotFound is served.
 * - A failed GET serves the cached answer if there is one (stale but known);
 *   with none, the object is unavailable and nothing is cached.
 * - An answer older (lower resourceVersion) than the cached object is
 *   ignored.
 * - Concurrent reads of one object share one GET.
 *
 * @module
 */

import type { KubeObject, ObjectResult } from "./_object_result.ts";
import { fetchObject, type ObjectStore, resultOf, type StoreContext } from "./_object_store.ts";

/** The kubelet's default TTL of the Cache strategy: 1 minute. */
export const DEFAULT_CACHE_TTL_MS = 60_000;

interface Cached {
  /** undefined: NotFound. */
  object: KubeObject | undefined;
  at: number;
}

interface Entry {
  refCount: number;
  data: Cached | undefined;
  inflight: Promise<ObjectResult> | undefined;
}

function rvNumber(obj: KubeObject | undefined): number | undefined {
  const rv = Number(obj?.metadata?.resourceVersion);
  return Number.isFinite(rv) && obj?.metadata?.resourceVersion !== "" ? rv : undefined;
}

/** Whether `next` is older than `prev` (both with numeric resourceVersions). */
function isOlder(next: KubeObject, prev: KubeObject | undefined): boolean {
  const a = rvNumber(next);
  const b = rvNumber(prev);
  return a !== undefined && b !== undefined && a < b;
}

/** TTL-cached reads. */
export class CacheStore implements ObjectStore {
  #ctx: StoreContext;
  #ttlMs: () => number;
  #entries = new Map<string, Entry>();

  constructor(ctx: StoreContext, ttlMs: () => number) {
    this.#ctx = ctx;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  addReference(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    let e = this.#entries.get(key);
    if (!e) this.#entries.set(key, e = { refCount: 0, data: undefined, inflight: undefined });
    e.refCount++;
    e.data = undefined;
  }

  deleteReference(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const e = this.#entries.get(key);
    if (e && --e.refCount <= 0) this.#entries.delete(key);
  }

  get(namespace: string, name: string, signal?: AbortSignal): Promise<ObjectResult> {
    const e = this.#entries.get(`${namespace}/${name}`);
    if (!e) {
      return Promise.resolve({
        state: "unavailable",
        reason: "it is not registered (no pod on the node refers to it)",
      });
    }
    const d = e.data;
    if (d && d.object !== undefined && this.#fresh(d)) return Promise.resolve(cachedResult(d));
    e.inflight ??= this.#refresh(e, namespace, name, signal).finally(() => {
      e.inflight = undefined;
    });
    return e.inflight;
  }

  recycle(): void {}

  close(): void {}

  #fresh(d: Cached): boolean {
    const ttl = this.#ttlMs();
    return this.#ctx.clock.now() < d.at + (Number.isFinite(ttl) && ttl >= 0 ? ttl : 0);
  }

  async #refresh(
    e: Entry,
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<ObjectResult> {
    const r = await fetchObject(this.#ctx, namespace, name, signal);
    const now = this.#ctx.clock.now();
    if (r.ok) {
      if (!isOlder(r.object, e.data?.object)) e.data = { object: r.object, at: now };
    } else if (r.notFound) {
      e.data = { object: undefined, at: now };
    } else if (!e.data) {
      return resultOf(r);
    }
    // A failed read serves what is known (stale), as the kubelet does.
    return cachedResult(e.data!);
  }
}

function cachedResult(d: Cached): ObjectResult {
  return d.object === undefined ? { state: "absent" } : { state: "found", object: d.object };
}
