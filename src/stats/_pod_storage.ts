/**
 * The storage part of one pod's summary: each container's writable layer
 * (`rootfs`, from the runtime) and log directory (`logs`), the pod's
 * volumes (`volume`: every `<rootDir>/pods/<uid>/volumes/<plugin>/<name>`,
 * the directories the kubelet's volume plugins measure), and
 * `ephemeral-storage`: writable layers, logs, the `etc-hosts` file and the
 * local ephemeral volumes (emptyDir and configMap not on tmpfs, as the
 * kubelet's IsLocalEphemeralVolume) added up.
 *
 * @module
 */

import type { RuntimeContainerStats } from "../container/runtime.ts";
import type { DiskUsage } from "./disk_usage.ts";
import { type FsInfo, TMPFS_MAGIC } from "./node_resources.ts";
import type { FsStats, PodStats, VolumeStats } from "./types.ts";

/** What the storage part reads; each answers undefined (or []) for what is not there. */
export interface StorageReaders {
  /** The filesystem holding a path; undefined when it cannot be read. */
  fsInfo: (path: string) => Promise<FsInfo | undefined>;
  /** Usage of a log directory or file (measured each time). */
  usage: (path: string) => Promise<DiskUsage | undefined>;
  /** Usage of a volume directory (may be cached). */
  volumeUsage: (path: string) => Promise<DiskUsage | undefined>;
  /** Names of the subdirectories of a directory; [] when it does not exist. */
  subdirectories: (path: string) => Promise<string[]>;
}

/** Where the pod's files are. */
export interface StorageContext {
  now: number;
  rootDir: string;
  podLogsDir: string;
  /** The root dir's filesystem, when it could be read. */
  rootFs?: FsInfo;
  readers: StorageReaders;
}

const EPHEMERAL_PLUGINS = new Set(["kubernetes.io~empty-dir", "kubernetes.io~configmap"]);

/** Capacity, available and inode totals of a filesystem. */
export function fsFields(fs: FsInfo | undefined): Omit<FsStats, "time"> {
  if (!fs) return {};
  return {
    availableBytes: fs.availableBytes,
    capacityBytes: fs.capacityBytes,
    inodesFree: fs.inodesFree,
    inodes: fs.inodes,
  };
}

function usageStats(now: number, usage: DiskUsage | undefined, fs: FsInfo | undefined): FsStats {
  const out: FsStats = { time: now, ...fsFields(fs) };
  if (usage) {
    out.usedBytes = usage.bytes;
    out.inodesUsed = usage.inodes;
  }
  return out;
}

async function rootfsOf(
  s: RuntimeContainerStats,
  ctx: StorageContext,
  layerFs: Map<string, Promise<FsInfo | undefined>>,
): Promise<FsStats | undefined> {
  const w = s.writableLayer;
  if (!w) return undefined;
  let fs: Promise<FsInfo | undefined> | undefined;
  if (w.mountpoint) {
    fs = layerFs.get(w.mountpoint) ?? ctx.readers.fsInfo(w.mountpoint);
    layerFs.set(w.mountpoint, fs);
  }
  const out: FsStats = { time: w.timestamp || ctx.now, ...fsFields(await fs) };
  if (w.usedBytes !== undefined) out.usedBytes = w.usedBytes;
  if (w.inodesUsed !== undefined) out.inodesUsed = w.inodesUsed;
  return out;
}

async function volumesOf(
  uid: string,
  ctx: StorageContext,
): Promise<{ volumes: VolumeStats[]; ephemeral: DiskUsage[] }> {
  const base = `${ctx.rootDir.replace(/\/+$/, "")}/pods/${uid}/volumes`;
  const volumes: VolumeStats[] = [];
  const ephemeral: DiskUsage[] = [];
  for (const plugin of (await ctx.readers.subdirectories(base)).sort()) {
    for (const name of (await ctx.readers.subdirectories(`${base}/${plugin}`)).sort()) {
      const path = `${base}/${plugin}/${name}`;
      const [usage, fs] = await Promise.all([
        ctx.readers.volumeUsage(path),
        ctx.readers.fsInfo(path),
      ]);
      volumes.push({ ...usageStats(ctx.now, usage, fs), name });
      if (usage && EPHEMERAL_PLUGINS.has(plugin) && fs?.type !== TMPFS_MAGIC) ephemeral.push(usage);
    }
  }
  volumes.sort((a, b) => (a.name ?? "") < (b.name ?? "") ? -1 : 1);
  return { volumes, ephemeral };
}

/**
 * Adds `rootfs` and `logs` to the containers of `pod` (built from `group`),
 * and the pod's `volume` and `ephemeral-storage`.
 */
export async function addPodStorage(
  pod: PodStats,
  group: readonly RuntimeContainerStats[],
  ctx: StorageContext,
): Promise<void> {
  const { uid, name, namespace } = pod.podRef;
  const logDir = `${ctx.podLogsDir.replace(/\/+$/, "")}/${namespace}_${name}_${uid}`;
  const layerFs = new Map<string, Promise<FsInfo | undefined>>();
  let used = 0;
  let inodes = 0;
  for (const entry of pod.containers) {
    const s = group.find((g) => g.name === entry.name);
    if (!s) continue;
    const [rootfs, logs] = await Promise.all([
      rootfsOf(s, ctx, layerFs),
      ctx.readers.usage(`${logDir}/${entry.name}`),
    ]);
    if (rootfs) entry.rootfs = rootfs;
    entry.logs = usageStats(ctx.now, logs, ctx.rootFs);
    used += (rootfs?.usedBytes ?? 0) + (logs?.bytes ?? 0);
    inodes += (rootfs?.inodesUsed ?? 0) + (logs?.inodes ?? 0);
  }
  const { volumes, ephemeral } = await volumesOf(uid, ctx);
  if (volumes.length > 0) pod.volume = volumes;
  const hosts = await ctx.readers.usage(
    `${ctx.rootDir.replace(/\/+$/, "")}/pods/${uid}/etc-hosts`,
  );
  for (const u of [...ephemeral, ...(hosts ? [hosts] : [])]) {
    used += u.bytes;
    inodes += u.inodes;
  }
  pod["ephemeral-storage"] = {
    time: ctx.now,
    ...fsFields(ctx.rootFs),
    usedBytes: used,
    inodesUsed: inodes,
  };
}
