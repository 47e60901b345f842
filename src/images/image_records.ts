/**
 * What image GC knows about each image (kubelet's imageRecord map): when it
 * was first detected, when a container last used it, its size and whether
 * the runtime pins it, kept in memory (a restart forgets first-detected
 * times, as in the kubelet), and the eviction order built from them.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { ImageInfo, RuntimePod } from "../container/runtime.ts";

/** What is known about one image. */
export interface ImageRecord {
  /** When the image was first seen (0 = before the agent started watching). */
  firstDetected: number;
  /** When a container last used it (0 = never seen in use). */
  lastUsed: number;
  size: number;
  pinned: boolean;
}

/** An image record with its id: one entry of the eviction order. */
export interface EvictionInfo extends ImageRecord {
  id: string;
}

/** The image records, by image id. */
export class ImageRecords {
  #records = new Map<string, ImageRecord>();

  /**
   * Refreshes the records from what the runtime lists: new images get
   * firstDetected = `detectTime`, images used by any container of `pods` get
   * lastUsed = `now`, vanished images are forgotten. Returns the ids in use.
   */
  update(
    images: readonly ImageInfo[],
    pods: readonly RuntimePod[],
    detectTime: number,
    now: number,
  ): Set<string> {
    const refs = new Set<string>();
    for (const p of pods) {
      for (const c of p.containers) {
        if (c.imageRef) refs.add(c.imageRef);
        if (c.image) refs.add(c.image);
      }
    }
    const inUse = new Set<string>();
    const current = new Set<string>();
    for (const img of images) {
      current.add(img.id);
      let r = this.#records.get(img.id);
      if (!r) {
        r = { firstDetected: detectTime, lastUsed: 0, size: 0, pinned: false };
        this.#records.set(img.id, r);
      }
      // In use by id (the kubelet's rule), or by a tag or digest a container names.
      if (
        refs.has(img.id) || img.repoTags.some((t) => refs.has(t)) ||
        img.repoDigests.some((d) => refs.has(d))
      ) {
        inUse.add(img.id);
        r.lastUsed = now;
      }
      r.size = img.size;
      r.pinned = img.pinned;
    }
    for (const id of [...this.#records.keys()]) if (!current.has(id)) this.#records.delete(id);
    return inUse;
  }

  /** Unused, unpinned images, least recently used first (ties: detected earlier first). */
  evictionOrder(inUse: ReadonlySet<string>): EvictionInfo[] {
    const out: EvictionInfo[] = [];
    for (const [id, r] of this.#records) {
      if (inUse.has(id) || r.pinned) continue;
      out.push({ id, ...r });
    }
    return out.sort((a, b) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
  }

  /** Forgets a removed image. */
  delete(id: string): void {
    this.#records.delete(id);
  }

  /** A copy of the records. */
  copy(): Map<string, ImageRecord> {
    return new Map([...this.#records].map(([k, v]) => [k, { ...v }]));
  }
}
