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
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { runEvery } from "../util/run_every.ts";
import { type FsStats, ImageFsStats, statfsStats } from "./_fs_stats.ts";
import { type ImageGCPolicy, validateImageGCPolicy } from "./image_gc_policy.ts";
import { type EvictionInfo, type ImageRecord, ImageRecords } from "./image_records.ts";

export type { FsStats } from "./_fs_stats.ts";
export { statfsStats } from "./_fs_stats.ts";
export type { ImageRecord } from "./image_records.ts";

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

/**
 * Image garbage collector. Needs the runtime's permissions (the CRI socket), and with the default
 * `fsStats`, `--allow-sys=statfs` and `--allow-read` on the image filesystem.
 */
export class ImageGCManager {
  #runtime: ImageGCRuntime;
  #clock: Clock;
  #policy: ImageGCPolicy;
  #imageFs: ImageFsStats;
  #startedAt: number;
  #periodMs: number;
  #recordEvent: RecordEvent;
  #onImageRemoved?: (reason: ImageGCReason, imageId: string) => void;
  #logger: Logger;
  #records = new ImageRecords();
  #prevFailed = false;

  constructor(runtime: ImageGCRuntime, options: ImageGCManagerOptions) {
    this.#policy = validateImageGCPolicy(options.policy);
    this.#runtime = runtime;
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#imageFs = new ImageFsStats({
      fsStats: options.fsStats ?? statfsStats,
      fallbackPath: options.imageFsPath ?? "/var/lib/containerd",
      logger: this.#logger,
    });
    this.#startedAt = options.startedAt ?? options.clock.now();
    this.#periodMs = options.periodMs ?? 300_000;
    this.#recordEvent = options.recordEvent ?? (() => {});
    this.#onImageRemoved = options.onImageRemoved;
  }

  /** GC is off when the high threshold is 100 and there is no max age. */
  get enabled(): boolean {
    return !(this.#policy.highThresholdPercent === 100 && !(this.#policy.maxAgeMs! > 0));
  }

  /** A copy of the image records, by image id. */
  records(): Map<string, ImageRecord> {
    return this.#records.copy();
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
    return this.#records.update(images, pods, detectTime, this.#clock.now());
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
    const err = result.error;
    if (err === undefined) {
      this.#prevFailed = false;
      if (result.removedImages.length > 0) {
        this.#logger.info("Image garbage collection succeeded", {
          removed: result.removedImages.length,
          freedBytes: result.freedBytes,
        });
      }
      return result;
    }
    if (this.#prevFailed) {
      this.#logger.error("Image garbage collection failed multiple times in a row", { err });
      this.#event("ImageGCFailed", err);
    } else {
      const message =
        "Image garbage collection failed once. Stats initialization may not have completed yet";
      this.#logger.error(message, { err });
    }
    this.#prevFailed = true;
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

  async #garbageCollect(freeTime: number, result: ImageGCResult): Promise<void> {
    let images = await this.#evictionOrder(freeTime);
    const maxAge = this.#policy.maxAgeMs ?? 0;
    if (maxAge > 0 && freeTime - this.#startedAt > maxAge) {
      images = await this.#freeOldImages(images, freeTime, maxAge, result);
    }

    const stats = await this.#runtime.imageStats();
    const fs = await this.#imageFs.read(stats.find((s) => s.mountpoint)?.mountpoint);
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
    return this.#records.evictionOrder(await this.detectImages(freeTime));
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
