/**
 * The CRI as the rest of the agent sees it: one method per `runtime.v1` RPC.
 *
 * src/kuberuntime (the Runtime on the CRI, the only user of src/cri besides
 * the agent's builders that connect it) programs against
 * {@linkcode RuntimeService} and {@linkcode ImageService}; the remote client
 * (remote_runtime_service.ts, remote_image_service.ts) implements them over
 * gRPC, and tests may implement them directly or point the real client at
 * the fake runtime server (src/cri/fake/).
 *
 * Errors are {@linkcode CriError} subclasses (src/cri/errors.ts); `NotFound`
 * from the stop and remove calls counts as success.
 *
 * @module
 */

import type {
  AttachRequest,
  AuthConfig,
  CheckpointContainerRequest,
  Container,
  ContainerEventResponse,
  ContainerFilter,
  ContainerStats,
  ContainerStatsFilter,
  ContainerStatus,
  ContainerStatusResponse,
  CreateContainerRequest,
  ExecRequest,
  ExecSyncResponse,
  Image,
  ImageFilter,
  ImageFsInfoResponse,
  ImageSpec,
  ImageStatusResponse,
  LinuxContainerResources,
  MetricDescriptor,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxMetrics,
  PodSandboxStats,
  PodSandboxStatsFilter,
  PodSandboxStatus,
  PodSandboxStatusResponse,
  PortForwardRequest,
  RuntimeConfig,
  StatusResponse,
  StringMap,
  VersionResponse,
} from "./types.ts";

// The validated statuses below are hand-written on purpose: the generated
// `__Output` types say a nested message may be null, and validate_status.ts
// is what proves these ones are not (see types.ts for the generated layer).

/** A sandbox status that passed validation: id, metadata and createdAt are set. */
export type ValidPodSandboxStatus = PodSandboxStatus & {
  metadata: NonNullable<PodSandboxStatus["metadata"]>;
};

/** A container status that passed validation: id, metadata, createdAt, image and imageRef are set. */
export type ValidContainerStatus = ContainerStatus & {
  metadata: NonNullable<ContainerStatus["metadata"]>;
  image: NonNullable<ContainerStatus["image"]>;
};

/** PodSandboxStatus response whose status has been validated. */
export type ValidPodSandboxStatusResponse = PodSandboxStatusResponse & {
  status: ValidPodSandboxStatus;
};

/** ContainerStatus response whose status has been validated. */
export type ValidContainerStatusResponse = ContainerStatusResponse & {
  status: ValidContainerStatus;
};

/** Options of {@linkcode RuntimeService.execSync}. */
export interface ExecSyncOptions {
  /**
   * Seconds the command may run; 0 means no limit. When it runs longer the
   * call fails with `CommandTimedOutError`.
   * @default {0}
   */
  timeoutSeconds?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
}

/** Options of {@linkcode RuntimeService.updateContainerResources}. */
export interface UpdateContainerResourcesOptions {
  /** New Linux resources. */
  linux?: LinuxContainerResources;
  /** Extra information for the runtime. */
  annotations?: StringMap;
}

/** Options of {@linkcode ImageService.pullImage}. */
export interface PullImageOptions {
  /** Registry credentials. */
  auth?: AuthConfig;
  /** Configuration of the sandbox the image is pulled for. */
  sandboxConfig?: PodSandboxConfig;
  /** Cancels the pull; a pull has no deadline otherwise. */
  signal?: AbortSignal;
}

/** Sandbox and container side of the CRI (`runtime.v1.RuntimeService`). */
export interface RuntimeService {
  /**
   * Name and versions of the runtime.
   * @param apiVersion the API version the agent speaks. @default {"0.1.0"}
   */
  version(apiVersion?: string): Promise<VersionResponse>;
  /** Creates and starts a sandbox; resolves to its id. */
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Stops a sandbox; a sandbox that does not exist counts as stopped. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Removes a sandbox; a sandbox that does not exist counts as removed. */
  removePodSandbox(podSandboxId: string): Promise<void>;
  /** Status of a sandbox; rejects with `NotFoundError` when it does not exist. */
  podSandboxStatus(podSandboxId: string, verbose?: boolean): Promise<ValidPodSandboxStatusResponse>;
  /** Sandboxes matching the filter (all when none). */
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;
  /** Creates a container in a sandbox; resolves to its id. */
  createContainer(request: CreateContainerRequest): Promise<string>;
  /** Starts a created container. */
  startContainer(containerId: string): Promise<void>;
  /**
   * Stops a container, killing it after `timeoutSeconds`; a container that
   * does not exist counts as stopped.
   */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container; a container that does not exist counts as removed. */
  removeContainer(containerId: string): Promise<void>;
  /** Containers matching the filter (all when none). */
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  /** Status of a container; rejects with `NotFoundError` when it does not exist. */
  containerStatus(containerId: string, verbose?: boolean): Promise<ValidContainerStatusResponse>;
  /** Changes the resources of a running container. */
  updateContainerResources(
    containerId: string,
    options: UpdateContainerResourcesOptions,
  ): Promise<void>;
  /** Asks the runtime to reopen the container's log file. */
  reopenContainerLog(containerId: string): Promise<void>;
  /**
   * Runs a command in a container and collects its output. A non-zero exit
   * code is a result (`exitCode`), not an error.
   */
  execSync(
    containerId: string,
    cmd: string[],
    options?: ExecSyncOptions,
  ): Promise<ExecSyncResponse>;
  /** URL of the runtime's streaming server for an exec session. */
  exec(request: ExecRequest): Promise<string>;
  /** URL of the runtime's streaming server for an attach session. */
  attach(request: AttachRequest): Promise<string>;
  /** URL of the runtime's streaming server for port forwarding. */
  portForward(request: PortForwardRequest): Promise<string>;
  /** Resource usage of one container. */
  containerStats(containerId: string): Promise<ContainerStats | null>;
  /** Resource usage of the containers matching the filter. */
  listContainerStats(filter?: ContainerStatsFilter): Promise<ContainerStats[]>;
  /** Resource usage of one sandbox. */
  podSandboxStats(podSandboxId: string): Promise<PodSandboxStats | null>;
  /** Resource usage of the sandboxes matching the filter. */
  listPodSandboxStats(filter?: PodSandboxStatsFilter): Promise<PodSandboxStats[]>;
  /** Hands runtime-wide settings (the pod CIDR) to the runtime. */
  updateRuntimeConfig(runtimeConfig: RuntimeConfig): Promise<void>;
  /** Runtime conditions and handlers. */
  status(verbose?: boolean): Promise<StatusResponse>;
  /** Writes a checkpoint archive of a container. */
  checkpointContainer(request: CheckpointContainerRequest): Promise<void>;
  /**
   * The runtime's container events, until `signal` aborts (the iteration
   * then ends without error) or the stream fails (the iteration throws).
   */
  getContainerEvents(signal: AbortSignal): AsyncIterable<ContainerEventResponse>;
  /** Descriptions of the sandbox metrics the runtime reports. */
  listMetricDescriptors(): Promise<MetricDescriptor[]>;
  /** Metrics of every sandbox. */
  listPodSandboxMetrics(): Promise<PodSandboxMetrics[]>;
}

/** Image side of the CRI (`runtime.v1.ImageService`). */
export interface ImageService {
  /** Images matching the filter (all when none). */
  listImages(filter?: ImageFilter): Promise<Image[]>;
  /** Status of an image; `image` is null when it is not on the node. */
  imageStatus(image: ImageSpec, verbose?: boolean): Promise<ImageStatusResponse>;
  /** Pulls an image; resolves to the image reference (its id). */
  pullImage(image: ImageSpec, options?: PullImageOptions): Promise<string>;
  /** Removes an image. */
  removeImage(image: ImageSpec): Promise<void>;
  /** Usage of the image and container filesystems. */
  imageFsInfo(): Promise<ImageFsInfoResponse>;
}
