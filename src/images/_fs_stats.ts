/**
 * Capacity and free space of a filesystem, for image GC: `statfs`, and the
 * image filesystem's reader that falls back to a path the agent may read.
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import type { Logger } from "../util/logger.ts";

/** Size and free space of a filesystem, in bytes. */
export interface FsStats {
  capacity: number;
  /** Bytes available to unprivileged users. */
  available: number;
}

/**
 * `statfs(2)` of the filesystem holding `path`.
 *
 * Needs `--allow-sys=statfs` and `--allow-read=<path>`.
 */
export async function statfsStats(path: string): Promise<FsStats> {
  const s = await statfs(path);
  return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
}

/** Options for {@linkcode ImageFsStats}. */
export interface ImageFsStatsOptions {
  /** Capacity and available bytes of the filesystem holding a path. */
  fsStats: (path: string) => Promise<FsStats>;
  /** Path whose filesystem stands in for one the agent cannot read. */
  fallbackPath: string;
  /** Where the fall-back is logged, once. */
  logger: Logger;
}

/** The capacity of the runtime's image filesystem, with a stand-in. */
export class ImageFsStats {
  #options: ImageFsStatsOptions;
  #warnedFallback = false;

  constructor(options: ImageFsStatsOptions) {
    this.#options = options;
  }

  /**
   * Capacity of the image filesystem at `mountpoint`. When the runtime
   * reports no mountpoint, or the agent may not read it (its permissions are
   * scoped to its own directories) or it does not exist here, the filesystem
   * of the fallback path stands in, logged once.
   */
  async read(mountpoint: string | undefined): Promise<FsStats> {
    const { fsStats, fallbackPath, logger } = this.#options;
    if (mountpoint) {
      try {
        return await fsStats(mountpoint);
      } catch (err) {
        const unreadable = err instanceof Deno.errors.NotCapable ||
          err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotFound;
        if (!unreadable) throw err;
        if (!this.#warnedFallback) {
          this.#warnedFallback = true;
          logger.info(
            "Cannot read the image filesystem the runtime reports; using the filesystem of the fallback path",
            { mountpoint, fallback: fallbackPath, err },
          );
        }
      }
    }
    return await fsStats(fallbackPath);
  }
}
