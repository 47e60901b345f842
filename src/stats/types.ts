/**
 * The kubelet's Summary API types (k8s.io/kubelet/pkg/apis/stats/v1alpha1),
 * with the JSON field names `/stats/summary` answers. Optional fields are
 * left out when absent, as the kubelet's `omitempty`. Times (`time`,
 * `startTime`) are held as ms since the epoch and written as RFC 3339 in
 * whole seconds, as `metav1.Time` is, by {@linkcode summaryJson}.
 *
 * @module
 */

/** CPU usage (statsapi.CPUStats). */
export interface CpuStats {
  time: number;
  /** Usage of all cores averaged over the sample window, in nanocores. */
  usageNanoCores?: number;
  /** Cumulative CPU time of all cores since the object was created. */
  usageCoreNanoSeconds?: number;
}

/** Memory usage in bytes (statsapi.MemoryStats). */
export interface MemoryStats {
  time: number;
  /** Limit minus working set; absent without a limit. */
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** Swap usage in bytes (statsapi.SwapStats). */
export interface SwapStats {
  time: number;
  swapAvailableBytes?: number;
  swapUsageBytes?: number;
}

/** Filesystem usage (statsapi.FsStats). */
export interface FsStats {
  time: number;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

/** Usage of one pod volume (statsapi.VolumeStats: FsStats inline plus the name). */
export interface VolumeStats extends FsStats {
  name?: string;
  pvcRef?: { name: string; namespace: string };
}

/** Stats of one container (statsapi.ContainerStats). */
export interface ContainerStats {
  name: string;
  startTime: number;
  cpu?: CpuStats;
  memory?: MemoryStats;
  /** The container's writable layer. */
  rootfs?: FsStats;
  /** The container's log directory. */
  logs?: FsStats;
  swap?: SwapStats;
}

/** Identifies a pod (statsapi.PodReference). */
export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

/** Stats of one pod (statsapi.PodStats). */
export interface PodStats {
  podRef: PodReference;
  /** The sandbox's creation time. */
  startTime: number;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
  volume?: VolumeStats[];
  /** Writable layers, logs and local volumes of the pod together. */
  "ephemeral-storage"?: FsStats;
  swap?: SwapStats;
}

/** The runtime's filesystems (statsapi.RuntimeStats). */
export interface RuntimeStats {
  imageFs?: FsStats;
  containerFs?: FsStats;
}

/** Process limits of the node (statsapi.RlimitStats). */
export interface RlimitStats {
  time: number;
  maxpid?: number;
  curproc?: number;
}

/** Node-level stats (statsapi.NodeStats). */
export interface NodeStats {
  nodeName: string;
  /** The node's boot time. */
  startTime: number;
  cpu?: CpuStats;
  memory?: MemoryStats;
  /** The filesystem of the root dir. */
  fs?: FsStats;
  runtime?: RuntimeStats;
  rlimit?: RlimitStats;
  swap?: SwapStats;
}

/** What `/stats/summary` answers (statsapi.Summary). */
export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

/** A time as `metav1.Time` marshals it: RFC 3339 in UTC, whole seconds. */
export function formatStatsTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** The JSON of a summary, times in the kubelet's format. */
export function summaryJson(summary: Summary): string {
  return JSON.stringify(summary, (key, value) => {
    if ((key === "time" || key === "startTime") && typeof value === "number") {
      return formatStatsTime(value);
    }
    return value;
  });
}
