/**
 * The answer cache of the TokenReview and SubjectAccessReview webhooks: each
 * answer is kept for a TTL chosen from the answer (the kubelet keeps allowed
 * and denied SubjectAccessReviews for different times), concurrent lookups of
 * the same key share one request (like the kubelet's singleflight), failures
 * are never cached, and the cache holds at most `maxEntries` answers (the
 * oldest go first). Time comes from the caller's clock.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";

interface Entry<V> {
  value: V;
  expires: number;
}

/** A bounded TTL cache with shared in-flight loads. */
export class TtlCache<V> {
  #clock: Clock;
  #maxEntries: number;
  #entries = new Map<string, Entry<V>>();
  #inflight = new Map<string, Promise<V>>();

  constructor(clock: Clock, maxEntries = 4096) {
    this.#clock = clock;
    this.#maxEntries = maxEntries;
  }

  /** Number of cached answers (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The cached answer for `key`, else the result of `load()` kept for
   * `ttlOf(answer)` ms (0 or less: not kept). A rejected load is not kept.
   */
  async get(key: string, load: () => Promise<V>, ttlOf: (value: V) => number): Promise<V> {
    const now = this.#clock.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.#entries.delete(key);
    const pending = this.#inflight.get(key);
    if (pending) return await pending;
    const p = load();
    this.#inflight.set(key, p);
    try {
      const value = await p;
      const ttl = ttlOf(value);
      if (ttl > 0) this.#put(key, { value, expires: this.#clock.now() + ttl });
      return value;
    } finally {
      this.#inflight.delete(key);
    }
  }

  #put(key: string, entry: Entry<V>): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size <= this.#maxEntries) return;
    const now = this.#clock.now();
    for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }
}
