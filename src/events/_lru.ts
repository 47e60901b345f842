/**
 * A map that keeps at most `max` entries and forgets the least recently used
 * one first (golang/groupcache's lru, which client-go's event caches use).
 *
 * @module
 */

/** A size-bounded map with least-recently-used eviction. */
export class LruMap<K, V> {
  readonly max: number;
  #map = new Map<K, V>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`Cannot make an LRU map: size ${max} must be a positive integer`);
    }
    this.max = max;
  }

  /** The value of `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  /** Sets `key` as the most recently used, evicting the least recently used beyond `max`. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value!);
  }

  get size(): number {
    return this.#map.size;
  }
}
