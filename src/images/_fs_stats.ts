/**
 * Capacity and free space of a filesystem, for image GC.
 *
 * @module
 */

import { statfs } from "node:fs/promises";

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
