/**
 * The kubelet's summary provider (pkg/kubelet/server/stats/summary.go with
 * the CRI stats provider): `/stats/summary` assembled from the runtime's
 * container stats and what the node reports, every source injected.
 *
 * - Node: CPU from the node's busy time, `usageNanoCores` from two samples;
 *   memory from the system's meminfo (`usageBytes` = total − free,
 *   `workingSetBytes` = total − available, standing in for cAdvisor's usage
 *   minus inactive file pages; `availableBytes` = available; no rss or page
 *   faults, which need /proc); swap; `fs` = the root dir's filesystem;
 *   `runtime.imageFs` (and `containerFs`, the same as the kubelet's CRI
 *   provider reports) = the runtime's image usage on its filesystem. There
 *   is no `rlimit` (pid_max and the process count need /proc) and no
 *   `systemContainers` (no cgroups to read).
 * - Pods: one per sandbox with running containers that have stats, from
 *   {@linkcode Runtime.listContainerStats}; pod CPU and memory summed from
 *   the containers.
 * - `onlyCpuAndMemory` (metrics-server's `only_cpu_and_memory=true`)
 *   leaves out node `fs`, `runtime`, and the pods' storage.
 *
 * Every read is also a CPU sample: the kubelet's eviction manager samples
 * every 10 s and `/stats/summary` reads the rates it left; here the
 * requests sample, and samples less than `minWindowMs` apart keep the
 * earlier window (see cpu_usage_rates.ts). A node source, a filesystem or
 * the image stats that fail are left out of the summary, logged once each;
 * container stats that cannot be listed fail the summary (the kubelet's 500).
 *
 * @module
 */

import type { Runtime, RuntimeContainerStats } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { CpuUsageRates, type CpuUsageRatesOptions } from "./cpu_usage_rates.ts";
import { CachedDiskUsage, type DiskUsage, diskUsage } from "./disk_usage.ts";
import {
  denoNodeResources,
  type FsInfo,
  type NodeResources,
  statfsInfo,
} from "./node_resources.ts";
import { groupBySandbox, podCpuAndMemory } from "./_pod_stats.ts";
import { addPodStorage, fsFields, type StorageReaders } from "./_pod_storage.ts";
import type { FsStats, NodeStats, PodStats, RuntimeStats, Summary } from "./types.ts";

/** Options of {@linkcode SummaryProvider}. */
export interface SummaryProviderOptions {
  /** The node's name (`node.nodeName`). */
  nodeName: string;
  /** The runtime's container and image stats. */
  runtime: Pick<Runtime, "listContainerStats" | "imageStats">;
  clock: Clock;
  /** `--root-dir`: its filesystem is `node.fs`; pod volumes are under it. */
  rootDir: string;
  /** `--pod-logs-dir`: the containers' `logs`. @default "/var/log/pods" */
  podLogsDir?: string;
  /** The node's CPU, memory and boot time. @default denoNodeResources */
  node?: NodeResources;
  /** statfs of a path. @default statfsInfo */
  fsInfo?: (path: string) => Promise<FsInfo>;
  /** Usage of a directory tree (undefined when missing). @default diskUsage */
  diskUsage?: (path: string) => Promise<DiskUsage | undefined>;
  /** Subdirectory names of a directory, [] when missing. @default Deno.readDir */
  subdirectories?: (path: string) => Promise<string[]>;
  /** How long a volume's measured usage is reused (`volumeStatsAggPeriod`). @default 60_000 */
  volumeStatsAggPeriodMs?: number;
  /** Windows of the CPU rates. @default {} */
  cpuRates?: CpuUsageRatesOptions;
  /** @default nullLogger */
  logger?: Logger;
}

/** Options of {@linkcode SummaryProvider.get}. */
export interface SummaryGetOptions {
  /** Only CPU and memory (and swap): what metrics-server asks for. @default false */
  onlyCpuAndMemory?: boolean;
}

/** Subdirectory names of `path`; [] when it does not exist. Needs `--allow-read=<path>`. */
export async function readSubdirectories(path: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(path)) if (e.isDirectory) out.push(e.name);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  return out;
}

const NODE_KEY = "\0node";

/** Builds summaries; keeps the CPU samples between calls. */
export class SummaryProvider {
  readonly #o: SummaryProviderOptions;
  readonly #node: NodeResources;
  readonly #logger: Logger;
  readonly #rates: CpuUsageRates;
  readonly #volumes: CachedDiskUsage;
  readonly #warned = new Set<string>();

  constructor(options: SummaryProviderOptions) {
    this.#o = options;
    this.#node = options.node ?? denoNodeResources;
    this.#logger = options.logger ?? nullLogger;
    this.#rates = new CpuUsageRates(options.cpuRates);
    this.#volumes = new CachedDiskUsage({
      periodMs: options.volumeStatsAggPeriodMs,
      measure: options.diskUsage ?? ((p) => diskUsage(p)),
    });
  }

  /** The summary now; rejects when the runtime's stats cannot be listed. */
  async get(options: SummaryGetOptions = {}): Promise<Summary> {
    const only = options.onlyCpuAndMemory === true;
    const now = this.#o.clock.now();
    const stats = await this.#o.runtime.listContainerStats();
    const rootFs = only ? undefined : await this.#fsInfo(this.#o.rootDir, "root dir");
    const pods = await this.#pods(stats, now, only, rootFs);
    const node = await this.#nodeStats(now, only, rootFs);
    this.#rates.prune(now);
    return { node, pods };
  }

  async #pods(
    stats: readonly RuntimeContainerStats[],
    now: number,
    only: boolean,
    rootFs: FsInfo | undefined,
  ): Promise<PodStats[]> {
    const pods: PodStats[] = [];
    const readers: StorageReaders = {
      fsInfo: (path) => this.#fsInfo(path),
      usage: this.#o.diskUsage ?? ((p) => diskUsage(p)),
      volumeUsage: (path) => this.#volumes.get(path, now),
      subdirectories: this.#o.subdirectories ?? readSubdirectories,
    };
    const ctx = {
      now,
      rootDir: this.#o.rootDir,
      podLogsDir: this.#o.podLogsDir ?? "/var/log/pods",
      rootFs,
      readers,
    };
    for (const group of groupBySandbox(stats).values()) {
      const pod = podCpuAndMemory(group, now, this.#rates);
      if (!only) {
        try {
          await addPodStorage(pod, group, ctx);
        } catch (err) {
          this.#warnOnce("pod storage", "Cannot measure pod storage; leaving it out", {
            pod: `${pod.podRef.namespace}/${pod.podRef.name}`,
            err,
          });
        }
      }
      pods.push(pod);
    }
    const key = (p: PodStats) => `${p.podRef.namespace}/${p.podRef.name}/${p.podRef.uid}`;
    return pods.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  }

  async #nodeStats(now: number, only: boolean, rootFs: FsInfo | undefined): Promise<NodeStats> {
    const node: NodeStats = {
      nodeName: this.#o.nodeName,
      startTime: this.#read("boot time", () => this.#node.bootTime?.(now)) ?? 0,
    };
    const cpu = this.#read("node CPU", () => this.#node.cpu?.(now));
    if (cpu) {
      const nanoCores = this.#rates.update(NODE_KEY, cpu);
      node.cpu = { time: cpu.timestamp, usageCoreNanoSeconds: cpu.usageCoreNanoSeconds };
      if (nanoCores !== undefined) node.cpu.usageNanoCores = nanoCores;
    }
    const mem = this.#read("node memory", () => this.#node.memory?.(now));
    if (mem) {
      const workingSet = Math.max(0, mem.total - mem.available);
      node.memory = {
        time: mem.timestamp,
        availableBytes: Math.max(0, mem.total - workingSet),
        usageBytes: Math.max(0, mem.total - mem.free),
        workingSetBytes: workingSet,
      };
      node.swap = {
        time: mem.timestamp,
        swapAvailableBytes: mem.swapFree,
        swapUsageBytes: Math.max(0, mem.swapTotal - mem.swapFree),
      };
    }
    if (only) return node;
    if (rootFs) {
      node.fs = {
        time: now,
        ...fsFields(rootFs),
        usedBytes: Math.max(0, rootFs.capacityBytes - rootFs.freeBytes),
        inodesUsed: Math.max(0, rootFs.inodes - rootFs.inodesFree),
      };
    }
    const runtime = await this.#runtimeStats(now);
    if (runtime) node.runtime = runtime;
    return node;
  }

  async #runtimeStats(now: number): Promise<RuntimeStats | undefined> {
    let images;
    try {
      images = await this.#o.runtime.imageStats();
    } catch (err) {
      this.#warnOnce("image fs", "Cannot read the runtime's image filesystem; leaving it out", {
        err,
      });
      return undefined;
    }
    if (images.length === 0) return undefined;
    const first = images[0];
    const fs = first.mountpoint ? await this.#fsInfo(first.mountpoint, "image fs") : undefined;
    const imageFs: FsStats = { time: now, ...fsFields(fs), usedBytes: first.usedBytes };
    return { imageFs, containerFs: { ...imageFs } };
  }

  /** statfs of `path`, undefined (logged once per `what`) when it fails. */
  async #fsInfo(path: string, what?: string): Promise<FsInfo | undefined> {
    try {
      return await (this.#o.fsInfo ?? statfsInfo)(path);
    } catch (err) {
      if (what) {
        this.#warnOnce(what, "Cannot read a filesystem's size; leaving it out", { path, err });
      }
      return undefined;
    }
  }

  #read<T>(what: string, read: () => T | undefined): T | undefined {
    try {
      return read();
    } catch (err) {
      this.#warnOnce(what, `Cannot read the ${what}; leaving it out of the summary`, { err });
      return undefined;
    }
  }

  #warnOnce(what: string, message: string, fields: Record<string, unknown>): void {
    if (this.#warned.has(what)) return;
    this.#warned.add(what);
    this.#logger.warn(message, fields);
  }
}
