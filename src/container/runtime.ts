/**
 * The runtime-neutral model of what runs on the node: the {@linkcode Runtime}
 * interface the sync loop drives, and the pod/container shapes it sees. The
 * CRI implementation lives in src/kuberuntime/; tests may implement it too.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { ContainerEvent, ExecResult } from "./container_event.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { ObjectLookup } from "../objects/types.ts";
import type { Backoff } from "../util/backoff.ts";
import type { PodSyncResult } from "./sync_result.ts";

/** A container's state as the runtime reports it (kubelet's ContainerState). */
export type ContainerState = "created" | "running" | "exited" | "unknown";

/** A pod sandbox's state. */
export type SandboxState = "ready" | "notready";

/** One container as listed by {@linkcode Runtime.getPods} (kubelet's Container). */
export interface RuntimeContainer {
  /** The runtime's container id. */
  id: string;
  /** The container name from the pod spec (label io.kubernetes.container.name). */
  name: string;
  /** The image as the spec names it. */
  image: string;
  /** The image id / ref the runtime resolved it to. */
  imageRef: string;
  /** The spec hash recorded at creation (annotation io.kubernetes.container.hash). */
  hash: string;
  state: ContainerState;
  createdAt: number;
  /** The CRI metadata attempt (restart count at creation). */
  attempt: number;
}

/** One sandbox as listed by {@linkcode Runtime.getPods}. */
export interface RuntimeSandbox {
  id: string;
  state: SandboxState;
  createdAt: number;
  attempt: number;
}

/** A pod as the runtime knows it: grouped by the pod UID labels (kubelet's Pod). */
export interface RuntimePod {
  uid: string;
  name: string;
  namespace: string;
  /** Newest sandbox creation time, or 0. */
  createdAt: number;
  containers: RuntimeContainer[];
  sandboxes: RuntimeSandbox[];
}

/** Full status of one container instance (kubelet's container.Status). */
export interface ContainerStatus {
  id: string;
  name: string;
  state: ContainerState;
  createdAt: number;
  /** 0 when never started. */
  startedAt: number;
  /** 0 when not finished. */
  finishedAt: number;
  exitCode: number;
  image: string;
  imageRef: string;
  /** Image id as reported by the runtime (for status.imageID). */
  imageId: string;
  hash: string;
  /** Restart count recorded at creation (annotation io.kubernetes.container.restartCount). */
  restartCount: number;
  reason: string;
  message: string;
  /** Termination grace period the container was created with, in seconds, if known. */
  terminationGracePeriodSeconds?: number;
  /** The container's labels and annotations as stored by the runtime. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Status of one sandbox (CRI PodSandboxStatus, reduced). */
export interface SandboxStatus {
  id: string;
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  state: SandboxState;
  createdAt: number;
  /** Primary pod IP ("" when none). */
  ip: string;
  additionalIps: string[];
  /** True when the sandbox uses the node's network namespace. */
  hostNetwork: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * Everything the runtime knows about one pod (kubelet's PodStatus): the input
 * of computePodActions and of the API status computation.
 */
export interface PodStatus {
  uid: string;
  name: string;
  namespace: string;
  ips: string[];
  /** Newest first. */
  containerStatuses: ContainerStatus[];
  /** Newest first. */
  sandboxStatuses: SandboxStatus[];
  /** When this status was observed. */
  timestamp: number;
}

/** An empty status: no sandboxes, no containers known. */
export function emptyPodStatus(uid: string, name = "", namespace = "", timestamp = 0): PodStatus {
  return {
    uid,
    name,
    namespace,
    ips: [],
    containerStatuses: [],
    sandboxStatuses: [],
    timestamp,
  };
}

/**
 * The RuntimePod view of an inspected status (kubelet's
 * ConvertPodStatusToRunningPod), keeping the containers `keep` accepts.
 */
export function runtimePodFromStatus(
  status: PodStatus,
  keep: (c: ContainerStatus) => boolean = () => true,
): RuntimePod {
  return {
    uid: status.uid,
    name: status.name,
    namespace: status.namespace,
    createdAt: status.sandboxStatuses.reduce((m, s) => Math.max(m, s.createdAt), 0),
    containers: status.containerStatuses.filter(keep).map((c) => ({
      id: c.id,
      name: c.name,
      image: c.image,
      imageRef: c.imageRef,
      hash: c.hash,
      state: c.state,
      createdAt: c.createdAt,
      attempt: c.restartCount,
    })),
    sandboxes: status.sandboxStatuses.map((s) => ({
      id: s.id,
      state: s.state,
      createdAt: s.createdAt,
      attempt: s.attempt,
    })),
  };
}

/** The newest status of the container named `name`, if any. */
export function findContainerStatus(
  status: PodStatus,
  name: string,
): ContainerStatus | undefined {
  let best: ContainerStatus | undefined;
  for (const c of status.containerStatuses) {
    if (c.name !== name) continue;
    if (!best || c.createdAt > best.createdAt) best = c;
  }
  return best;
}

/** One runtime condition (CRI RuntimeCondition). */
export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** CRI Status, reduced to what node health needs. */
export interface RuntimeStatus {
  conditions: RuntimeCondition[];
}

/** The runtime's version answer. */
export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
  /** The CRI API version ("0.1.0" for runtime.v1). */
  version: string;
}

/** One image known to the runtime. */
export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  pinned: boolean;
}

/** Image filesystem usage from the runtime (CRI ImageFsInfo). */
export interface ImageFsStats {
  /** Bytes used by images. */
  usedBytes: number;
  /** Mountpoint of the image filesystem, when the runtime reports one. */
  mountpoint: string;
}

/** One CPU sample of a container (CRI CpuUsage). */
export interface CpuSample {
  /** When it was taken, in ms since the epoch (fractional: CRI gives nanoseconds). */
  timestamp: number;
  /** Cumulative CPU time of all cores, in nanoseconds. */
  usageCoreNanoSeconds?: number;
  /** Average usage over the runtime's own window, in nanocores; 0 = not computed. */
  usageNanoCores?: number;
}

/** One memory sample of a container (CRI MemoryUsage), in bytes and counts. */
export interface MemorySample {
  timestamp: number;
  workingSetBytes?: number;
  /** Limit minus working set; absent (or 0) without a limit. */
  availableBytes?: number;
  usageBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** Writable-layer usage of a container (CRI FilesystemUsage). */
export interface WritableLayerSample {
  /** 0 when the runtime gives no time. */
  timestamp: number;
  /** The filesystem holding the layer ("" when not reported). */
  mountpoint: string;
  usedBytes?: number;
  inodesUsed?: number;
}

/** Swap usage of a container (CRI SwapUsage). */
export interface SwapSample {
  timestamp: number;
  swapAvailableBytes?: number;
  swapUsageBytes?: number;
}

/**
 * Resource usage of one running container with the pod it belongs to
 * (kubelet's CRI stats provider input): what `/stats/summary` is built from.
 */
export interface RuntimeContainerStats {
  id: string;
  /** The container name from the pod spec. */
  name: string;
  /** Container creation time (the summary's container startTime). */
  createdAt: number;
  /** The pod, from its sandbox's metadata. */
  pod: {
    sandboxId: string;
    uid: string;
    name: string;
    namespace: string;
    /** Sandbox creation time (the summary's pod startTime). */
    createdAt: number;
  };
  cpu?: CpuSample;
  memory?: MemorySample;
  writableLayer?: WritableLayerSample;
  swap?: SwapSample;
}

/** What a probe manager tells the sync about a container: kubelet's proberesults. */
export type ProbeVerdict = "success" | "failure" | "unknown";

/** A source of liveness or startup verdicts keyed by container id. */
export interface ProbeVerdicts {
  get(containerId: string): ProbeVerdict | undefined;
}

/**
 * Which streams an exec or attach session carries (kubelet's
 * remotecommand Options): at least one of stdin, stdout and stderr; with
 * `tty` stderr is merged into stdout.
 */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Per-call inputs of {@linkcode Runtime.syncPod}. */
export interface SyncPodOptions {
  /** Crash-loop back-off, keyed per container (see kuberuntime). */
  backOff: Backoff;
  /** Set when the agent is stopping the pod as part of a deletion. */
  signal?: AbortSignal;
  /**
   * The pod's ConfigMaps and Secrets, resolved for this sync
   * (PodObjectSource.resolve). @default none: every reference is NotFound
   */
  objects?: ObjectLookup;
}

/**
 * The container runtime as the sync loop sees it (kubelet's container.Runtime).
 * Implemented on the CRI by src/kuberuntime/.
 */
export interface Runtime {
  /** The runtime's name, e.g. "containerd". */
  type(): string;
  version(): Promise<RuntimeVersion>;
  /** The CRI API version the runtime speaks. */
  apiVersion(): Promise<string>;
  status(): Promise<RuntimeStatus>;
  /** Pods the agent manages; with `all` false only running containers and ready sandboxes. */
  getPods(all: boolean): Promise<RuntimePod[]>;
  /** Moves the pod towards its spec: one pass of computePodActions and their execution. */
  syncPod(pod: Pod, podStatus: PodStatus, options: SyncPodOptions): Promise<PodSyncResult>;
  /**
   * Kills all containers and sandboxes of a pod. `pod` is undefined for pods no
   * source declares any more (orphans). The grace period override is in seconds.
   */
  killPod(
    pod: Pod | undefined,
    runningPod: RuntimePod,
    gracePeriodOverride?: number,
  ): Promise<PodSyncResult>;
  /** Inspects one pod: its sandboxes and every container instance. */
  getPodStatus(uid: string, name: string, namespace: string): Promise<PodStatus>;
  /** Pulls an image and returns its ref. */
  pullImage(image: string, pod?: Pod, signal?: AbortSignal): Promise<string>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(imageId: string): Promise<void>;
  imageStats(): Promise<ImageFsStats[]>;
  /**
   * Stats of the running containers of the latest sandbox of each pod
   * (kubelet's ListContainerStats path); a container the runtime gives no
   * stats for is left out.
   */
  listContainerStats(): Promise<RuntimeContainerStats[]>;
  /** Removes a stopped sandbox and its containers; one already gone counts as removed. */
  removePodSandbox(sandboxId: string): Promise<void>;
  /** Removes a dead container; one already gone counts as removed. */
  removeContainer(containerId: string): Promise<void>;
  /**
   * Runs `cmd` in a running container and collects its output (exec probes).
   * A non-zero exit is a result; running out of `timeoutSeconds` (0 = no limit)
   * rejects with `CommandTimedOutError` (src/container/runtime_errors.ts).
   */
  execSync(
    containerId: string,
    cmd: string[],
    options?: { timeoutSeconds?: number; signal?: AbortSignal },
  ): Promise<ExecResult>;
  /**
   * The runtime's streaming URL for an interactive `cmd` in a running
   * container (kubelet's StreamingRuntime.GetExec); the client's upgraded
   * connection is proxied there. Rejects with the runtime's error (a CRI
   * error keeps its gRPC `code`).
   */
  getExec(containerId: string, cmd: string[], streams: StreamOptions): Promise<URL>;
  /** The streaming URL to attach to a running container's main process (GetAttach). */
  getAttach(containerId: string, streams: StreamOptions): Promise<URL>;
  /**
   * The streaming URL to forward `ports` of the pod's newest sandbox
   * (GetPortForward); `ports` may be empty (SPDY names them per stream).
   */
  getPortForward(
    podName: string,
    podNamespace: string,
    podUid: string,
    ports: number[],
  ): Promise<URL>;
  /**
   * The runtime's container events until `signal` aborts; rejects with
   * `EventStreamUnsupportedError` when the runtime has no event stream.
   */
  containerEvents(signal: AbortSignal): AsyncIterable<ContainerEvent>;
}
