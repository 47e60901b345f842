/**
 * Disk usage of a directory tree, as the kubelet measures volumes and log
 * directories (its `du`): bytes on disk (`st_blocks` × 512, the size where
 * the platform gives no blocks) and the number of inodes, each hard-linked
 * inode once, symlinks not followed, other filesystems not entered. And a
 * cache of it per path, as the kubelet keeps volume usage for
 * `volumeStatsAggPeriod` instead of walking every volume on every request.
 *
 * Needs `--allow-read` of the walked paths.
 *
 * @module
 */

/** Usage of one tree. */
export interface DiskUsage {
  bytes: number;
  inodes: number;
}

/** Options of {@linkcode diskUsage}. */
export interface DiskUsageOptions {
  /** Stops the walk (it rejects with the signal's reason). */
  signal?: AbortSignal;
}

function onDisk(info: Deno.FileInfo): number {
  return info.blocks !== null ? info.blocks * 512 : info.size;
}

/**
 * Walks `path` and adds up its usage; undefined when `path` does not exist.
 * An entry that vanishes during the walk is skipped.
 */
export async function diskUsage(
  path: string,
  options: DiskUsageOptions = {},
): Promise<DiskUsage | undefined> {
  let root: Deno.FileInfo;
  try {
    root = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  const seen = new Set<number>();
  const usage: DiskUsage = { bytes: 0, inodes: 0 };
  const count = (info: Deno.FileInfo) => {
    if (info.ino !== null) {
      if (seen.has(info.ino)) return;
      seen.add(info.ino);
    }
    usage.bytes += onDisk(info);
    usage.inodes += 1;
  };
  count(root);
  const dirs = root.isDirectory ? [path] : [];
  while (dirs.length > 0) {
    options.signal?.throwIfAborted();
    const dir = dirs.pop()!;
    try {
      for await (const entry of Deno.readDir(dir)) {
        const child = `${dir}/${entry.name}`;
        let info: Deno.FileInfo;
        try {
          info = await Deno.lstat(child);
        } catch (err) {
          if (err instanceof Deno.errors.NotFound) continue;
          throw err;
        }
        if (root.dev !== null && info.dev !== root.dev) continue;
        count(info);
        if (info.isDirectory) dirs.push(child);
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
  }
  return usage;
}

/** Options of {@linkcode CachedDiskUsage}. */
export interface CachedDiskUsageOptions {
  /** How long a measured usage is reused (kubelet's volumeStatsAggPeriod). @default 60_000 */
  periodMs?: number;
  /** The measuring function. @default diskUsage */
  measure?: (path: string) => Promise<DiskUsage | undefined>;
}

/** {@linkcode diskUsage} reused per path for a period. */
export class CachedDiskUsage {
  readonly #periodMs: number;
  readonly #measure: (path: string) => Promise<DiskUsage | undefined>;
  readonly #cache = new Map<string, { at: number; usage: Promise<DiskUsage | undefined> }>();

  constructor(options: CachedDiskUsageOptions = {}) {
    this.#periodMs = options.periodMs ?? 60_000;
    this.#measure = options.measure ?? ((p) => diskUsage(p));
  }

  /**
   * The usage of `path` measured at most a period before `now`; concurrent
   * callers share one walk. A failed walk is not kept. Entries older than
   * two periods are forgotten.
   */
  get(path: string, now: number): Promise<DiskUsage | undefined> {
    for (const [p, e] of this.#cache) {
      if (now - e.at >= 2 * this.#periodMs) this.#cache.delete(p);
    }
    const hit = this.#cache.get(path);
    if (hit && now - hit.at < this.#periodMs) return hit.usage;
    const usage = this.#measure(path);
    const entry = { at: now, usage };
    this.#cache.set(path, entry);
    usage.catch(() => {
      if (this.#cache.get(path) === entry) this.#cache.delete(path);
    });
    return usage;
  }
}
