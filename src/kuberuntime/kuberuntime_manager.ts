/**
 * The {@linkcode Runtime} implemented on the CRI (kubelet's
 * kubeGenericRuntimeManager): lists and inspects pods through their kubelet
 * labels, and syncs a pod in the kubelet's order: compute the actions, kill
 * what must go, create the sandbox, start the next init container, then the
 * regular containers, with crash-loop and image-pull back-off.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type {
  ImageFsStats,
  ImageInfo,
  PodStatus,
  ProbeVerdicts,
  Runtime,
  RuntimeContainerStats,
  RuntimePod,
  RuntimeStatus,
  RuntimeVersion,
  StreamOptions,
  SyncPodOptions,
} from "../container/runtime.ts";
import type { PodSyncResult } from "../container/sync_result.ts";
import type { ContainerEvent, ExecResult } from "../container/container_event.ts";
import { CommandTimedOutError, EventStreamUnsupportedError } from "../container/runtime_errors.ts";
import { CommandTimedOutError as CriCommandTimedOut, isUnimplemented } from "../cri/errors.ts";
import type { ImageService, RuntimeService } from "../cri/service.ts";
import type { RecordEvent } from "../container/events.ts";
import { ImageManager } from "../images/image_manager.ts";
import type { Backoff } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import type { HttpGet, RuntimeContext } from "./_context.ts";
import type { EnvOptions } from "./container_env.ts";
import { listContainerStats } from "./container_stats.ts";
import { containerEventFromCri, groupPods } from "./convert.ts";
import { getPodStatus } from "./get_pod_status.ts";
import { killPod } from "./kill_pod.ts";
import { criImagePullService } from "./image_pull_service.ts";
import { fetchGet } from "./lifecycle_hooks.ts";
import { generatePodSandboxConfig, type PodDnsOptions } from "./sandbox_config.ts";
import { PodStartGate, type PodStartRamp } from "./pod_start_gate.ts";
import { syncPod } from "./sync_pod.ts";
import * as streamingUrls from "./streaming_urls.ts";
import type { MountOps } from "./volumes.ts";
import type { TokenSource } from "../volumes/projected_payload.ts";

/**
 * The CRI API version the agent asks for (kubelet's kubeRuntimeAPIVersion;
 * the same value as the CRI client's, kept here so this module does not load
 * the gRPC client).
 */
const KUBE_RUNTIME_API_VERSION = "0.1.0";
const VERSION_CACHE_MS = 60_000;

/** Options for {@linkcode KubeRuntimeManager}. */
export interface KubeRuntimeManagerOptions {
  runtimeService: RuntimeService;
  imageService: ImageService;
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** `--root-dir`. @default "/var/lib/kubelet" */
  rootDir?: string;
  /** `--pod-logs-dir`. @default "/var/log/pods" */
  podLogsDir?: string;
  /** Directory of the legacy `<pod>_<ns>_<container>-<id>.log` symlinks; undefined = none. */
  containerLogsDir?: string;
  livenessResults?: ProbeVerdicts;
  startupResults?: ProbeVerdicts;
  /** Receives Created/Started/Killing/BackOff/... events. @default drops them */
  recordEvent?: RecordEvent;
  /** `--serialize-image-pulls`. @default true */
  serializeImagePulls?: boolean;
  /** `maxParallelImagePulls` (0 = unlimited). @default 0 */
  maxParallelImagePulls?: number;
  /** `registryPullQPS` (0 = unlimited). @default 5 */
  registryPullQPS?: number;
  /** `registryBurst`. @default 10 */
  registryBurst?: number;
  /** Image pull back-off. @default 10 s doubling to 300 s */
  imageBackOff?: Backoff;
  /** ExecSync timeout for exec hooks in seconds; 0 = none, as the kubelet. @default 0 */
  hookExecTimeoutSeconds?: number;
  /** GET used by httpGet hooks. @default fetch */
  httpGet?: HttpGet;
  /** Node facts for env (nodeName, hostIps, nodeAllocatable). @default {} */
  env?: EnvOptions;
  /** DNS settings of pod sandboxes. @default {} */
  dns?: PodDnsOptions;
  /** cgroup parent of sandboxes. @default "" */
  cgroupParent?: string;
  /** CRI runtime handler for sandboxes. @default "" */
  runtimeHandler?: string;
  /** tmpfs mount helpers for `emptyDir.medium: Memory` and secret volumes. @default mount/umount */
  mount?: MountOps;
  /** Service account tokens for projected volumes (cluster mode). @default none: such a source fails */
  tokens?: TokenSource;
  /** Told once per volume when a secret volume cannot be on a tmpfs (0600 files instead). @default none */
  onTmpfsUnavailable?: (message: string) => void;
  /**
   * `parallelContainerStarts`: start a pod's regular containers at once,
   * a postStart hook holding back the ones after it. @default true
   */
  parallelContainerStarts?: boolean;
  /**
   * `maxConcurrentPodStarts`: most new pod sandboxes created at once, in
   * arrival order; each creation holds its slot 1 s at most. 0 = no limit,
   * as the kubelet. @default 0
   */
  maxConcurrentPodStarts?: number;
  /** `podStartRamp`: how new pods arriving together are let start. @default "firstAlone" */
  podStartRamp?: PodStartRamp;
}

/** The Runtime on the CRI. */
export class KubeRuntimeManager implements Runtime {
  #ctx: RuntimeContext;
  #liveness?: ProbeVerdicts;
  #startup?: ProbeVerdicts;
  #version?: { value: RuntimeVersion; at: number };

  constructor(options: KubeRuntimeManagerOptions) {
    const logger = options.logger ?? nullLogger;
    const recordEvent = options.recordEvent ?? (() => {});
    this.#ctx = {
      runtime: options.runtimeService,
      images: new ImageManager(criImagePullService(options.imageService), {
        clock: options.clock,
        serializeImagePulls: options.serializeImagePulls,
        maxParallelImagePulls: options.maxParallelImagePulls,
        registryPullQPS: options.registryPullQPS,
        registryBurst: options.registryBurst,
        backOff: options.imageBackOff,
        recordEvent,
        logger,
      }),
      imageService: options.imageService,
      clock: options.clock,
      logger,
      recordEvent,
      rootDir: options.rootDir ?? "/var/lib/kubelet",
      podLogsDir: options.podLogsDir ?? "/var/log/pods",
      containerLogsDir: options.containerLogsDir,
      httpGet: options.httpGet ?? fetchGet,
      hookExecTimeoutSeconds: options.hookExecTimeoutSeconds ?? 0,
      env: options.env ?? {},
      sandbox: {
        podLogsDir: options.podLogsDir ?? "/var/log/pods",
        dns: options.dns,
        cgroupParent: options.cgroupParent,
      },
      volumes: {
        mount: options.mount,
        tokens: options.tokens,
        onTmpfsUnavailable: options.onTmpfsUnavailable,
        clock: options.clock,
      },
      runtimeHandler: options.runtimeHandler ?? "",
      podIps: new Map(),
      parallelContainerStarts: options.parallelContainerStarts ?? true,
      podStarts: new PodStartGate(options.maxConcurrentPodStarts ?? 0, {
        clock: options.clock,
        ramp: options.podStartRamp,
      }),
    };
    this.#liveness = options.livenessResults;
    this.#startup = options.startupResults;
  }

  /** The runtime name from the last Version answer ("unknown" before the first). */
  type(): string {
    return this.#version?.value.runtimeName ?? "unknown";
  }

  /** The runtime's version, cached for 60 s as the kubelet does. */
  async version(): Promise<RuntimeVersion> {
    const now = this.#ctx.clock.now();
    if (this.#version && now - this.#version.at < VERSION_CACHE_MS) return this.#version.value;
    const v = await this.#ctx.runtime.version(KUBE_RUNTIME_API_VERSION);
    const value: RuntimeVersion = {
      runtimeName: v.runtimeName,
      runtimeVersion: v.runtimeVersion,
      runtimeApiVersion: v.runtimeApiVersion,
      version: v.version,
    };
    this.#version = { value, at: now };
    return value;
  }

  async apiVersion(): Promise<string> {
    return (await this.version()).runtimeApiVersion;
  }

  async status(): Promise<RuntimeStatus> {
    const res = await this.#ctx.runtime.status();
    return {
      conditions: (res.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
      })),
    };
  }

  async getPods(all: boolean): Promise<RuntimePod[]> {
    const [sandboxes, containers] = await Promise.all([
      this.#ctx.runtime.listPodSandbox(all ? {} : { state: { state: "SANDBOX_READY" } }),
      this.#ctx.runtime.listContainers(all ? {} : { state: { state: "CONTAINER_RUNNING" } }),
    ]);
    return groupPods(sandboxes, containers);
  }

  async getPodStatus(uid: string, name: string, namespace: string): Promise<PodStatus> {
    return await getPodStatus(this.#ctx, uid, name, namespace);
  }

  async syncPod(pod: Pod, podStatus: PodStatus, options: SyncPodOptions): Promise<PodSyncResult> {
    return await syncPod(this.#ctx, pod, podStatus, {
      ...options,
      livenessResults: this.#liveness,
      startupResults: this.#startup,
    });
  }

  async killPod(
    pod: Pod | undefined,
    runningPod: RuntimePod,
    gracePeriodOverride?: number,
  ): Promise<PodSyncResult> {
    return await killPod(this.#ctx, pod, runningPod, gracePeriodOverride);
  }

  async pullImage(image: string, pod?: Pod, signal?: AbortSignal): Promise<string> {
    const sandboxConfig = pod ? generatePodSandboxConfig(pod, 0, this.#ctx.sandbox) : undefined;
    return await this.#ctx.imageService.pullImage({ image }, { sandboxConfig, signal });
  }

  async listImages(): Promise<ImageInfo[]> {
    return (await this.#ctx.imageService.listImages()).map((i) => ({
      id: i.id,
      repoTags: i.repoTags ?? [],
      repoDigests: i.repoDigests ?? [],
      size: i.size ?? 0,
      pinned: i.pinned === true,
    }));
  }

  async removeImage(imageId: string): Promise<void> {
    await this.#ctx.imageService.removeImage({ image: imageId });
  }

  async imageStats(): Promise<ImageFsStats[]> {
    const res = await this.#ctx.imageService.imageFsInfo();
    return (res.imageFilesystems ?? []).map((f) => ({
      usedBytes: f.usedBytes?.value ?? 0,
      mountpoint: f.fsId?.mountpoint ?? "",
    }));
  }

  /** ListContainerStats joined to the running containers and their sandboxes. */
  async listContainerStats(): Promise<RuntimeContainerStats[]> {
    return await listContainerStats(this.#ctx.runtime);
  }

  /** The CRI client already counts NotFound as removed. */
  async removePodSandbox(sandboxId: string): Promise<void> {
    await this.#ctx.runtime.removePodSandbox(sandboxId);
  }

  /** The CRI client already counts NotFound as removed. */
  async removeContainer(containerId: string): Promise<void> {
    await this.#ctx.runtime.removeContainer(containerId);
  }

  async execSync(
    containerId: string,
    cmd: string[],
    options?: { timeoutSeconds?: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    try {
      return await this.#ctx.runtime.execSync(containerId, cmd, options);
    } catch (err) {
      if (err instanceof CriCommandTimedOut) {
        throw new CommandTimedOutError(undefined, { cause: err });
      }
      throw err;
    }
  }

  /** CRI Exec: the runtime's streaming URL for `cmd`. */
  async getExec(containerId: string, cmd: string[], streams: StreamOptions): Promise<URL> {
    return await streamingUrls.getExec(this.#ctx.runtime, containerId, cmd, streams);
  }

  /** CRI Attach: the runtime's streaming URL for the container's main process. */
  async getAttach(containerId: string, streams: StreamOptions): Promise<URL> {
    return await streamingUrls.getAttach(this.#ctx.runtime, containerId, streams);
  }

  /** CRI PortForward on the pod's newest sandbox. */
  async getPortForward(
    podName: string,
    podNamespace: string,
    podUid: string,
    ports: number[],
  ): Promise<URL> {
    return await streamingUrls.getPortForward(
      this.#ctx.runtime,
      podName,
      podNamespace,
      podUid,
      ports,
    );
  }

  async *containerEvents(signal: AbortSignal): AsyncIterable<ContainerEvent> {
    try {
      for await (const event of this.#ctx.runtime.getContainerEvents(signal)) {
        const neutral = containerEventFromCri(event);
        if (neutral) yield neutral;
      }
    } catch (err) {
      if (isUnimplemented(err)) throw new EventStreamUnsupportedError(undefined, { cause: err });
      throw err;
    }
  }
}
