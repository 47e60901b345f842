/**
 * Image garbage collection (kubelet's realImageGCManager): in-memory records
 * of every image (first detected, last used, size, pinned), and every five
 * minutes a pass that removes unused images, least recently used first, until
 * the image filesystem is back under the low threshold once it reached the
 * high one. Images in use by any container (running or exited) and images
 * the runtime pins are never removed; images detected less than MinAge ago
 * are kept. With MaxAge set, images unused for longer are removed too.
 *
 * Capacity and available bytes of the image filesystem come from an injected
 * `fsStats(path)` (default: `statfs` of the mountpoint the runtime reports),
 * so tests use fixed numbers. The records live in memory: a restart forgets
 * first-detected times, as in the kubelet.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { RecordEvent } from "../container/events.ts";
import type { Runtime } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { type FsStats, statfsStats } from "./_fs_stats.ts";
import { runEvery } from "../util/run_every.ts";

export type { FsStats } from "./_fs_stats.ts";
export { statfsStats } from "./_fs_stats.ts";

/** Image GC policy (`--image-gc-high-threshold`, `--image-gc-low-threshold`, `--minimum-image-ttl-duration`). */
export interface ImageGCPolicy {
  /** Usage percent at or above which GC frees space. */
  highThresholdPercent: number;
  /** Usage percent GC frees down to. */
  lowThresholdPercent: number;
  /** Images detected less than this many ms ago are kept. */
  minAgeMs: number;
  /** Images unused for longer are removed; 0 = off (`imageMaximumGCAge`). @default 0 */
  maxAgeMs?: number;
}

/**
 * Returns `policy` when valid; throws RangeError when a threshold is outside
 * 0..100, low exceeds high, or an age is negative.
 */
export function validateImageGCPolicy(policy: ImageGCPolicy): ImageGCPolicy {
  const { highThresholdPercent: high, lowThresholdPercent: low } = policy;
  if (!(high >= 0 && high <= 100)) {
    throw new RangeError(
      `Cannot use image GC policy: invalid HighThresholdPercent ${high}, must be in range [0-100]`,
    );
  }
  if (!(low >= 0 && low <= 100)) {
    throw new RangeError(
      `Cannot use image GC policy: invalid LowThresholdPercent ${low}, must be in range [0-100]`,
    );
  }
  if (low > high) {
    throw new RangeError(
      `Cannot use image GC policy: LowThresholdPercent ${low} can not be higher than HighThresholdPercent ${high}`,
    );
  }
  if (!(policy.minAgeMs >= 0) || !((policy.maxAgeMs ?? 0) >= 0)) {
    throw new RangeError(
      `Cannot use image GC policy: ages must be >= 0, got minAge ${policy.minAgeMs} ms and maxAge ${policy.maxAgeMs} ms`,
    );
  }
  return policy;
}

/** What is known about one image. */
export interface ImageRecord {
  /** When the image was first seen (0 = before the agent started watching). */
  firstDetected: number;
  /** When a container last used it (0 = never seen in use). */
  lastUsed: number;
  size: number;
  pinned: boolean;
}

/** The runtime calls image GC makes. */
export type ImageGCRuntime = Pick<Runtime, "listImages" | "removeImage" | "imageStats" | "getPods">;

/** Why an image was removed (label `reason` of kubelet_image_garbage_collected_total). */
export type ImageGCReason = "age" | "space";

/** Options for {@linkcode ImageGCManager}. */
export interface ImageGCManagerOptions {
  clock: Clock;
  policy: ImageGCPolicy;
  /** Capacity and available bytes of the filesystem holding `path`. @default statfsStats */
  fsStats?: (path: string) => Promise<FsStats>;
  /**
   * Path whose filesystem stands in when the runtime reports no image filesystem
   * mountpoint or the agent cannot read it. @default "/var/lib/containerd"
   */
  imageFsPath?: string;
  /** When GC began watching (for MaxAge). @default clock.now() at construction */
  startedAt?: number;
  /** Time between passes in `run`. @default 300000 */
  periodMs?: number;
  /** Receives InvalidDiskCapacity, FreeDiskSpaceFailed and ImageGCFailed node events. @default drops them */
  recordEvent?: RecordEvent;
  /** Called after each removed image (metric kubelet_image_garbage_collected_total). @default undefined */
  onImageRemoved?: (reason: ImageGCReason, imageId: string) => void;
  /** @default nullLogger */
  logger?: Logger;
}

/** The outcome of one pass. */
export interface ImageGCResult {
  /** Image ids removed, in order. */
  removedImages: string[];
  /** Bytes freed by the disk-usage step. */
  freedBytes: number;
  /** Bytes the disk-usage step wanted to free (0 when under the high threshold). */
  bytesToFree: number;
  /** Image filesystem usage in percent, when it was measured. */
  usagePercent?: number;
  /** Why the pass failed, if it did. */
  error?: string;
}

interface EvictionInfo extends ImageRecord {
  id: string;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Image garbage collector. Needs the CRI permissions, and with the default
 * `fsStats`, `--allow-sys=statfs` and `--allow-read` on the image filesystem.
 */
export class ImageGCManager {
  #runtime: ImageGCRuntime;
  #clock: Clock;
  #policy: ImageGCPolicy;
  #fsStats: (path: string) => Promise<FsStats>;
  #imageFsPath: string;
  #warnedFallback = false;
  #startedAt: number;
  #periodMs: number;
  #recordEvent: RecordEvent;
  #onImageRemoved?: (reason: ImageGCReason, imageId: string) => void;
  #logger: Logger;
  #records = new Map<string, ImageRecord>();
  #prevFailed = false;

  constructor(runtime: ImageGCRuntime, options: ImageGCManagerOptions) {
    this.#policy = validateImageGCPolicy(options.policy);
    this.#runtime = runtime;
    this.#clock = options.clock;
    this.#fsStats = options.fsStats ?? statfsStats;
    this.#imageFsPath = options.imageFsPath ?? "/var/lib/containerd";
    this.#startedAt = options.startedAt ?? options.clock.now();
    this.#periodMs = options.periodMs ?? 300_000;
    this.#recordEvent = options.recordEvent ?? (() => {});
    this.#onImageRemoved = options.onImageRemoved;
    this.#logger = options.logger ?? nullLogger;
  }

  /** GC is off when the high threshold is 100 and there is no max age. */
  get enabled(): boolean {
    return !(this.#policy.highThresholdPercent === 100 && !(this.#policy.maxAgeMs! > 0));
  }

  /** A copy of the image records, by image id. */
  records(): Map<string, ImageRecord> {
    return new Map([...this.#records].map(([k, v]) => [k, { ...v }]));
  }

  /**
   * Refreshes the records: new images get firstDetected = `detectTime`, images
   * used by any container (from `getPods(true)`) get lastUsed = now, vanished
   * images are forgotten. Resolves to the ids in use.
   */
  async detectImages(detectTime: number): Promise<Set<string>> {
    const [images, pods] = await Promise.all([
      this.#runtime.listImages(),
      this.#runtime.getPods(true),
    ]);
    const refs = new Set<string>();
    for (const p of pods) {
      for (const c of p.containers) {
        if (c.imageRef) refs.add(c.imageRef);
        if (c.image) refs.add(c.image);
      }
    }
    const now = this.#clock.now();
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

  /**
   * One pass at `now` (kubelet's GarbageCollect plus its failure events):
   * removes old images when MaxAge is set, then frees space when usage is at or
   * above the high threshold. A second failure in a row also records ImageGCFailed.
   */
  async collectGarbage(now: number): Promise<ImageGCResult> {
    const result: ImageGCResult = { removedImages: [], freedBytes: 0, bytesToFree: 0 };
    try {
      await this.#garbageCollect(now, result);
    } catch (e) {
      result.error = errText(e);
    }
    if (result.error !== undefined) {
      if (this.#prevFailed) {
        this.#logger.error("Image garbage collection failed multiple times in a row", {
          err: result.error,
        });
        this.#event("ImageGCFailed", result.error);
      } else {
        this.#logger.error(
          "Image garbage collection failed once. Stats initialization may not have completed yet",
          {
            err: result.error,
          },
        );
      }
      this.#prevFailed = true;
    } else {
      this.#prevFailed = false;
      if (result.removedImages.length > 0) {
        this.#logger.info("Image garbage collection succeeded", {
          removed: result.removedImages.length,
          freedBytes: result.freedBytes,
        });
      }
    }
    return result;
  }

  /**
   * Detects images once (their first-detected time unknown, i.e. 0), then runs
   * {@linkcode collectGarbage} every period until `signal` aborts. Returns at
   * once when GC is disabled.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.enabled) {
      this.#logger.debug(2, "ImageGCHighThresholdPercent is set 100, Disable image GC");
      return;
    }
    try {
      await this.detectImages(0);
    } catch (e) {
      this.#logger.info("Failed to monitor images", { err: e });
    }
    await runEvery((now) => this.collectGarbage(now), {
      clock: this.#clock,
      periodMs: this.#periodMs,
      signal,
    });
  }

  /**
   * Capacity of the runtime's image filesystem. When the runtime reports no
   * mountpoint, or the agent may not read it (its permissions are scoped to its
   * own directories) or it does not exist here, the filesystem of
   * `imageFsPath` stands in, logged once.
   */
  async #imageFsStats(mountpoint: string | undefined): Promise<FsStats> {
    if (mountpoint) {
      try {
        return await this.#fsStats(mountpoint);
      } catch (err) {
        const unreadable = err instanceof Deno.errors.NotCapable ||
          err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotFound;
        if (!unreadable) throw err;
        if (!this.#warnedFallback) {
          this.#warnedFallback = true;
          this.#logger.info(
            "Cannot read the image filesystem the runtime reports; using the filesystem of the fallback path",
            {
              mountpoint,
              fallback: this.#imageFsPath,
              err,
            },
          );
        }
      }
    }
    return await this.#fsStats(this.#imageFsPath);
  }

  async #garbageCollect(freeTime: number, result: ImageGCResult): Promise<void> {
    let images = await this.#evictionOrder(freeTime);
    const maxAge = this.#policy.maxAgeMs ?? 0;
    if (maxAge > 0 && freeTime - this.#startedAt > maxAge) {
      images = await this.#freeOldImages(images, freeTime, maxAge, result);
    }

    const stats = await this.#runtime.imageStats();
    const fs = await this.#imageFsStats(stats.find((s) => s.mountpoint)?.mountpoint);
    const capacity = Math.max(0, Math.floor(fs.capacity));
    let available = Math.max(0, Math.floor(fs.available));
    if (available > capacity) {
      this.#logger.info("Availability is larger than capacity", { available, capacity });
      available = capacity;
    }
    if (capacity === 0) {
      const message = "invalid capacity 0 on image filesystem";
      this.#event("InvalidDiskCapacity", message);
      throw new Error(message);
    }
    const usage = 100 - Math.floor((available * 100) / capacity);
    result.usagePercent = usage;
    if (usage < this.#policy.highThresholdPercent) return;

    const toFree = Math.floor((capacity * (100 - this.#policy.lowThresholdPercent)) / 100) -
      available;
    result.bytesToFree = toFree;
    this.#logger.info(
      "Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold",
      {
        usage,
        highThreshold: this.#policy.highThresholdPercent,
        amountToFree: toFree,
        lowThreshold: this.#policy.lowThresholdPercent,
      },
    );
    const errors: string[] = [];
    for (const img of images) {
      if (result.freedBytes >= toFree) break;
      // In-use images were just given lastUsed = now.
      if (img.lastUsed >= freeTime) continue;
      if (freeTime - img.firstDetected < this.#policy.minAgeMs) continue;
      try {
        await this.#freeImage(img, "space", result);
        result.freedBytes += img.size;
      } catch (e) {
        errors.push(errText(e));
      }
    }
    if (errors.length > 0) {
      throw new Error(
        `wanted to free ${toFree} bytes, but freed ${result.freedBytes} bytes space with errors in image deletion: ${
          errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`
        }`,
      );
    }
    if (result.freedBytes < toFree) {
      const message =
        `Failed to garbage collect required amount of images. Attempted to free ${toFree} bytes, but only found ${result.freedBytes} bytes eligible to free.`;
      this.#event("FreeDiskSpaceFailed", message);
      throw new Error(message);
    }
  }

  /** Unused, unpinned images, least recently used first (ties: detected earlier first). */
  async #evictionOrder(freeTime: number): Promise<EvictionInfo[]> {
    const inUse = await this.detectImages(freeTime);
    const out: EvictionInfo[] = [];
    for (const [id, r] of this.#records) {
      if (inUse.has(id) || r.pinned) continue;
      out.push({ id, ...r });
    }
    return out.sort((a, b) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
  }

  async #freeOldImages(
    images: EvictionInfo[],
    freeTime: number,
    maxAge: number,
    result: ImageGCResult,
  ): Promise<EvictionInfo[]> {
    const remaining: EvictionInfo[] = [];
    const errors: string[] = [];
    for (const img of images) {
      if (freeTime - img.lastUsed > maxAge) {
        try {
          await this.#freeImage(img, "age", result);
          continue;
        } catch (e) {
          errors.push(errText(e));
        }
      }
      remaining.push(img);
    }
    if (errors.length > 0) {
      throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(", ")}]`);
    }
    return remaining;
  }

  async #freeImage(img: EvictionInfo, reason: ImageGCReason, result: ImageGCResult): Promise<void> {
    this.#logger.info("Removing image to free bytes", { imageID: img.id, size: img.size, reason });
    try {
      await this.#runtime.removeImage(img.id);
    } catch (e) {
      throw new Error(`failed to remove image "${img.id}": ${errText(e)}`);
    }
    this.#records.delete(img.id);
    result.removedImages.push(img.id);
    this.#onImageRemoved?.(reason, img.id);
  }

  #event(reason: string, message: string): void {
    this.#recordEvent({ type: "Warning", reason, message });
  }
}
