/**
 * The Watch strategy (the kubelet's `objectCache` in
 * pkg/kubelet/util/manager/watch_based_manager.go): one list+watch per
 * referenced object ({@linkcode ObjectWatch}), started by its first
 * reference and stopped at refcount 0.
 *
 * - A read marks the object used, restarts its watch if the recycler had
 *   stopped it, and waits up to 1 s (on the clock) for the first list; then
 *   the object is found or absent (NotFound), or unavailable (not synced,
 *   naming the last failure).
 * - The recycler (`recycle(now)`, every minute) stops the synced watches not
 *   read for the idle time: 5 × the resync period, at least 1 minute.
 * - An immutable object's watch stops once it is seen; the object is served
 *   from memory while referenced.
 *
 * @module
 */

import type { ObjectResult } from "./_object_result.ts";
import type { ObjectStore, StoreContext } from "./_object_store.ts";
import { ObjectWatch } from "./_object_watch.ts";

/** The kubelet's wait for the first list of a new watch: 1 s. */
export const FIRST_SYNC_WAIT_MS = 1_000;
/** The shortest idle time before a watch is stopped (`minIdleTime`). */
export const MIN_IDLE_MS = 60_000;
/** How often the recycler looks for idle watches (the kubelet's). */
export const RECYCLE_PERIOD_MS = 60_000;

/** The idle time for a resync period: 5 × it, at least {@linkcode MIN_IDLE_MS}. */
export function maxIdleMs(resyncMs: number): number {
  return Math.max(5 * (resyncMs > 0 ? resyncMs : 0), MIN_IDLE_MS);
}

/** One watch per referenced object. */
export class WatchStore implements ObjectStore {
  #ctx: StoreContext;
  #idleMs: number;
  #random: () => number;
  #items = new Map<string, ObjectWatch>();

  constructor(ctx: StoreContext, idleMs: number, random: () => number) {
    this.#ctx = ctx;
    this.#idleMs = idleMs;
    this.#random = random;
  }

  get size(): number {
    return this.#items.size;
  }

  /** Watches that run now, for tests and metrics. */
  get running(): number {
    let n = 0;
    for (const w of this.#items.values()) if (w.running) n++;
    return n;
  }

  addReference(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    let w = this.#items.get(key);
    if (!w) {
      w = new ObjectWatch(this.#ctx, namespace, name, this.#random);
      this.#items.set(key, w);
      w.start();
    }
    w.refCount++;
  }

  deleteReference(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const w = this.#items.get(key);
    if (!w || --w.refCount > 0) return;
    w.stop();
    this.#items.delete(key);
  }

  async get(namespace: string, name: string, signal?: AbortSignal): Promise<ObjectResult> {
    const w = this.#items.get(`${namespace}/${name}`);
    if (!w) {
      return {
        state: "unavailable",
        reason: "it is not registered (no pod on the node refers to it)",
      };
    }
    // Marked used whether or not the read succeeds, so a slow list is not recycled.
    w.lastAccess = this.#ctx.clock.now();
    if (!w.running && !w.immutable) {
      this.#ctx.debug(4, "Restarting the watch of an idle object", w.ref);
      w.start();
    }
    if (!await w.waitSynced(FIRST_SYNC_WAIT_MS, signal)) {
      const why = signal?.aborted
        ? "the read was aborted"
        : w.lastError ?? "the first list has not answered within 1 s";
      return { state: "unavailable", reason: `not synced yet: ${why}` };
    }
    const object = w.object;
    return object === undefined ? { state: "absent" } : { state: "found", object };
  }

  recycle(now: number): void {
    for (const w of this.#items.values()) {
      if (w.running && w.synced && now - w.lastAccess > this.#idleMs) {
        w.stop();
        this.#ctx.debug(4, "Stopped watching for changes: not read for the idle time", w.ref);
      }
    }
  }

  close(): void {
    for (const w of this.#items.values()) w.stop();
    this.#items.clear();
  }
}
