/**
 * What the node itself uses, read with what Deno offers under the agent's
 * scoped permissions (it cannot open /proc or /sys, which Deno grants only
 * when every permission is granted, so there is no cgroup to read as cAdvisor does):
 * - CPU: the sum of user, nice, system and irq time of every CPU from
 *   `node:os` `cpus()` (`--allow-sys=cpus`);
 * - memory: `Deno.systemMemoryInfo()` (`--allow-sys=systemMemoryInfo`);
 * - boot time: now minus `node:os` `uptime()` (`--allow-sys=osUptime`);
 * - filesystems: `statfs(2)` (`--allow-sys=statfs` and read access to the path).
 *
 * The only Deno I/O of src/stats besides disk_usage.ts.
 *
 * @module
 */

import { cpus, uptime } from "node:os";
import { statfs } from "node:fs/promises";

/** The node's cumulative CPU time at one moment. */
export interface NodeCpuSample {
  /** ms since the epoch. */
  timestamp: number;
  /** Busy time of all CPUs together, in nanoseconds. */
  usageCoreNanoSeconds: number;
}

/** The node's memory at one moment, in bytes (the fields of /proc/meminfo Deno reads). */
export interface NodeMemorySample {
  timestamp: number;
  total: number;
  free: number;
  /** MemAvailable: free plus what the kernel can reclaim (page cache, slab). */
  available: number;
  swapTotal: number;
  swapFree: number;
}

/** Size and inodes of one filesystem. */
export interface FsInfo {
  capacityBytes: number;
  /** Bytes available to unprivileged users. */
  availableBytes: number;
  /** Bytes free (including the root reserve): capacity minus free is used. */
  freeBytes: number;
  inodes: number;
  inodesFree: number;
  /** The filesystem type's magic number (`statfs.f_type`). */
  type: number;
}

/** The statfs `f_type` of tmpfs (TMPFS_MAGIC). */
export const TMPFS_MAGIC = 0x01021994;

/** What the summary reads about the node; each may be left out. */
export interface NodeResources {
  cpu?: (now: number) => NodeCpuSample;
  memory?: (now: number) => NodeMemorySample;
  /** Boot time in ms since the epoch. */
  bootTime?: (now: number) => number;
}

/** The node's CPU time from `node:os` `cpus()`. Needs `--allow-sys=cpus`. */
export function osCpuSample(now: number): NodeCpuSample {
  let busyMs = 0;
  for (const c of cpus()) busyMs += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return { timestamp: now, usageCoreNanoSeconds: busyMs * 1e6 };
}

/** The node's memory from `Deno.systemMemoryInfo()`. Needs `--allow-sys=systemMemoryInfo`. */
export function systemMemorySample(now: number): NodeMemorySample {
  const m = Deno.systemMemoryInfo();
  return {
    timestamp: now,
    total: m.total,
    free: m.free,
    available: m.available,
    swapTotal: m.swapTotal,
    swapFree: m.swapFree,
  };
}

/** Boot time from `node:os` `uptime()`, to the second. Needs `--allow-sys=osUptime`. */
export function osBootTime(now: number): number {
  return Math.floor((now - uptime() * 1000) / 1000) * 1000;
}

/** The node as Deno sees it: {@linkcode osCpuSample}, {@linkcode systemMemorySample}, {@linkcode osBootTime}. */
export const denoNodeResources: NodeResources = {
  cpu: osCpuSample,
  memory: systemMemorySample,
  bootTime: osBootTime,
};

/** `statfs(2)` of the filesystem holding `path`. Needs `--allow-sys=statfs` and `--allow-read=<path>`. */
export async function statfsInfo(path: string): Promise<FsInfo> {
  const s = await statfs(path);
  return {
    capacityBytes: s.blocks * s.bsize,
    availableBytes: s.bavail * s.bsize,
    freeBytes: s.bfree * s.bsize,
    inodes: s.files,
    inodesFree: s.ffree,
    type: s.type,
  };
}
