/**
 * TypeScript shapes of the CRI `runtime.v1` messages (proto/api.proto), as the
 * client sends and receives them: camelCase field names, 64-bit integers as
 * `number`, enums as their value names, maps as records and `bytes` as
 * `Uint8Array`.
 *
 * Two kinds of message appear here:
 * - what the agent sends (configs, filters, requests): every field that has a
 *   wire default is optional;
 * - what the runtime returns (statuses, lists, stats): decoded with defaults,
 *   so scalars, lists and maps are always present, and a nested message that
 *   the runtime left out is `null`.
 *
 * @module
 */

/** A string-to-string map (labels, annotations, info, sysctls). */
export type StringMap = Record<string, string>;

// ------------------------------------------------------------------ enums

/** Transport protocol of a port mapping. */
export type Protocol = "TCP" | "UDP" | "SCTP";

/** Mount propagation (rprivate, rslave, rshared). */
export type MountPropagation =
  | "PROPAGATION_PRIVATE"
  | "PROPAGATION_HOST_TO_CONTAINER"
  | "PROPAGATION_BIDIRECTIONAL";

/** Which namespace a sandbox or container joins. */
export type NamespaceMode = "POD" | "CONTAINER" | "NODE" | "TARGET";

/** How supplemental groups of a container's first process are computed. */
export type SupplementalGroupsPolicy = "Merge" | "Strict";

/** Kind of a seccomp or AppArmor profile. */
export type ProfileType = "RuntimeDefault" | "Unconfined" | "Localhost";

/** State of a pod sandbox. */
export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

/** State of a container. */
export type ContainerState =
  | "CONTAINER_CREATED"
  | "CONTAINER_RUNNING"
  | "CONTAINER_EXITED"
  | "CONTAINER_UNKNOWN";

/** Kind of a container lifecycle event from GetContainerEvents. */
export type ContainerEventType =
  | "CONTAINER_CREATED_EVENT"
  | "CONTAINER_STARTED_EVENT"
  | "CONTAINER_STOPPED_EVENT"
  | "CONTAINER_DELETED_EVENT";

/** Kind of a sandbox metric. */
export type MetricType = "COUNTER" | "GAUGE";

/** Every {@linkcode PodSandboxState}, in wire order. */
export const POD_SANDBOX_STATES: readonly PodSandboxState[] = ["SANDBOX_READY", "SANDBOX_NOTREADY"];

/** Every {@linkcode ContainerState}, in wire order. */
export const CONTAINER_STATES: readonly ContainerState[] = [
  "CONTAINER_CREATED",
  "CONTAINER_RUNNING",
  "CONTAINER_EXITED",
  "CONTAINER_UNKNOWN",
];

/** Every {@linkcode ContainerEventType}, in wire order. */
export const CONTAINER_EVENT_TYPES: readonly ContainerEventType[] = [
  "CONTAINER_CREATED_EVENT",
  "CONTAINER_STARTED_EVENT",
  "CONTAINER_STOPPED_EVENT",
  "CONTAINER_DELETED_EVENT",
];

// ------------------------------------------------------------------ shared pieces

/** An int64 that can be absent (`run_as_user`, image `uid`). */
export interface Int64Value {
  value: number;
}

/** A uint64 that can be absent (stats counters). */
export interface UInt64Value {
  value: number;
}

/** Resolver settings for the sandbox's resolv.conf. */
export interface DNSConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

/** A host port forwarded to a sandbox port. */
export interface PortMapping {
  protocol?: Protocol;
  containerPort?: number;
  /** 0 means no host port. */
  hostPort?: number;
  hostIp?: string;
}

/** A range of host ids mapped to container ids. */
export interface IDMapping {
  hostId?: number;
  containerId?: number;
  length?: number;
}

/** The image a container runs or an image request refers to. */
export interface ImageSpec {
  /** Image name, id or digest. */
  image: string;
  annotations?: StringMap;
  /** The reference as written in the pod spec. */
  userSpecifiedImage?: string;
  runtimeHandler?: string;
  imageRef?: string;
}

/** A host path (or image) mounted into a container. */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: MountPropagation;
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  recursiveReadOnly?: boolean;
  image?: ImageSpec | null;
  imageSubPath?: string;
}

/** User namespace of a sandbox. */
export interface UserNamespace {
  mode?: NamespaceMode;
  uids?: IDMapping[];
  gids?: IDMapping[];
}

/** Namespaces of a sandbox or container. */
export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  targetId?: string;
  usernsOptions?: UserNamespace | null;
}

/** SELinux label. */
export interface SELinuxOption {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

/** A seccomp or AppArmor profile. */
export interface SecurityProfile {
  profileType?: ProfileType;
  /** Profile path (seccomp) or name (AppArmor) when `profileType` is `Localhost`. */
  localhostRef?: string;
}

/** An environment variable. */
export interface KeyValue {
  key: string;
  value: string;
}

/** A HugeTLB limit for one page size. */
export interface HugepageLimit {
  /** "2MB", "1GB", ... */
  pageSize: string;
  limit: number;
}

/** Linux cgroup settings of a container (or the sum for a sandbox). */
export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  hugepageLimits?: HugepageLimit[];
  /** cgroup v2 files and values, e.g. `{ "memory.high": "..." }`. */
  unified?: StringMap;
  memorySwapLimitInBytes?: number;
}

/** Capabilities to add or drop. */
export interface Capability {
  addCapabilities?: string[];
  dropCapabilities?: string[];
  addAmbientCapabilities?: string[];
}

// ------------------------------------------------------------------ sandbox config

/** Identity of a sandbox: the pod's name, uid, namespace and the attempt number. */
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

/** Linux security settings of a sandbox. */
export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption | null;
  selinuxOptions?: SELinuxOption | null;
  runAsUser?: Int64Value | null;
  runAsGroup?: Int64Value | null;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: SupplementalGroupsPolicy;
  privileged?: boolean;
  seccomp?: SecurityProfile | null;
  apparmor?: SecurityProfile | null;
}

/** Linux settings of a sandbox. */
export interface LinuxPodSandboxConfig {
  cgroupParent?: string;
  securityContext?: LinuxSandboxSecurityContext | null;
  sysctls?: StringMap;
  overhead?: LinuxContainerResources | null;
  resources?: LinuxContainerResources | null;
}

/** Everything needed to create a sandbox. */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** Empty only with a NODE network namespace. */
  hostname?: string;
  /** e.g. `/var/log/pods/<namespace>_<name>_<uid>/`. */
  logDirectory?: string;
  dnsConfig?: DNSConfig | null;
  portMappings?: PortMapping[];
  labels?: StringMap;
  annotations?: StringMap;
  linux?: LinuxPodSandboxConfig | null;
}

// ------------------------------------------------------------------ container config

/** Identity of a container inside its sandbox; (name, attempt) is unique. */
export interface ContainerMetadata {
  name: string;
  attempt: number;
}

/** A host device made available in a container. */
export interface Device {
  containerPath: string;
  hostPath: string;
  /** Some of "r", "w", "m". */
  permissions: string;
}

/** Linux security settings of a container. */
export interface LinuxContainerSecurityContext {
  capabilities?: Capability | null;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption | null;
  selinuxOptions?: SELinuxOption | null;
  runAsUser?: Int64Value | null;
  runAsGroup?: Int64Value | null;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: SupplementalGroupsPolicy;
  noNewPrivs?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: SecurityProfile | null;
  apparmor?: SecurityProfile | null;
}

/** Linux settings of a container. */
export interface LinuxContainerConfig {
  resources?: LinuxContainerResources | null;
  securityContext?: LinuxContainerSecurityContext | null;
}

/** Everything needed to create a container. */
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  /** Entrypoint. */
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  devices?: Device[];
  labels?: StringMap;
  annotations?: StringMap;
  /** Relative to {@linkcode PodSandboxConfig.logDirectory}, e.g. `name/0.log`. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig | null;
}

// ------------------------------------------------------------------ sandbox status

/** A pod IP. */
export interface PodIP {
  ip: string;
}

/** Network status of a sandbox. */
export interface PodSandboxNetworkStatus {
  ip: string;
  additionalIps: PodIP[];
}

/** Namespaces of a sandbox as the runtime reports them. */
export interface Namespace {
  options: NamespaceOption | null;
}

/** Linux part of a sandbox status. */
export interface LinuxPodSandboxStatus {
  namespaces: Namespace | null;
}

/** Status of a sandbox. */
export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  network: PodSandboxNetworkStatus | null;
  linux: LinuxPodSandboxStatus | null;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

/** A sandbox as listed by ListPodSandbox. */
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

/** A sandbox state that can be absent (filters). */
export interface PodSandboxStateValue {
  state: PodSandboxState;
}

/** Sandbox filter; all fields that are set must match. */
export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxStateValue | null;
  labelSelector?: StringMap;
}

// ------------------------------------------------------------------ container status

/** A container as listed by ListContainers. */
export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  imageRef: string;
  state: ContainerState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  imageId: string;
}

/** Resources of a container as the runtime reports them. */
export interface ContainerResources {
  linux: LinuxContainerResources | null;
}

/** Identity of a Linux container's first process. */
export interface LinuxContainerUser {
  uid: number;
  gid: number;
  supplementalGroups: number[];
}

/** Identity of a container's first process. */
export interface ContainerUser {
  linux: LinuxContainerUser | null;
}

/** Status of a container. */
export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  /** Nanoseconds since the epoch; 0 when not started. */
  startedAt: number;
  /** Nanoseconds since the epoch; 0 when not finished. */
  finishedAt: number;
  exitCode: number;
  image: ImageSpec | null;
  imageRef: string;
  /** CamelCase reason, "OOMKilled" after an out-of-memory kill. */
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: Mount[];
  logPath: string;
  resources: ContainerResources | null;
  imageId: string;
  user: ContainerUser | null;
}

/** A container state that can be absent (filters). */
export interface ContainerStateValue {
  state: ContainerState;
}

/** Container filter; all fields that are set must match. */
export interface ContainerFilter {
  id?: string;
  state?: ContainerStateValue | null;
  podSandboxId?: string;
  labelSelector?: StringMap;
}

// ------------------------------------------------------------------ images

/** An image on the node. */
export interface Image {
  /** Equals the `imageRef` PullImage returned for the same image. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid: Int64Value | null;
  username: string;
  spec: ImageSpec | null;
  /** Exempt from image garbage collection (a recommendation). */
  pinned: boolean;
}

/** Image filter. */
export interface ImageFilter {
  image?: ImageSpec | null;
}

/** Registry credentials. */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

/** Identifies a filesystem. */
export interface FilesystemIdentifier {
  mountpoint: string;
}

/** Usage of a filesystem. */
export interface FilesystemUsage {
  /** Nanoseconds since the epoch. */
  timestamp: number;
  fsId: FilesystemIdentifier | null;
  usedBytes: UInt64Value | null;
  inodesUsed: UInt64Value | null;
}

// ------------------------------------------------------------------ runtime status

/** A runtime condition; RuntimeReady and NetworkReady must hold for a ready node. */
export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** Conditions of the runtime. */
export interface RuntimeStatus {
  conditions: RuntimeCondition[];
}

/** Features of a runtime handler. */
export interface RuntimeHandlerFeatures {
  recursiveReadOnlyMounts: boolean;
  userNamespaces: boolean;
}

/** A runtime handler (RuntimeClass); the default one has an empty name. */
export interface RuntimeHandler {
  name: string;
  features: RuntimeHandlerFeatures | null;
}

/** Features of the CRI implementation. */
export interface RuntimeFeatures {
  supplementalGroupsPolicy: boolean;
  userNamespacesHostNetwork: boolean;
}

/** Network settings handed to the runtime. */
export interface NetworkConfig {
  podCidr?: string;
}

/** Runtime-wide settings handed to the runtime. */
export interface RuntimeConfig {
  networkConfig?: NetworkConfig | null;
}

// ------------------------------------------------------------------ stats

/** Basic information of a container in stats. */
export interface ContainerAttributes {
  id: string;
  metadata: ContainerMetadata | null;
  labels: StringMap;
  annotations: StringMap;
}

/** CPU usage. */
export interface CpuUsage {
  timestamp: number;
  usageCoreNanoSeconds: UInt64Value | null;
  usageNanoCores: UInt64Value | null;
}

/** Memory usage. */
export interface MemoryUsage {
  timestamp: number;
  workingSetBytes: UInt64Value | null;
  availableBytes: UInt64Value | null;
  usageBytes: UInt64Value | null;
  rssBytes: UInt64Value | null;
  pageFaults: UInt64Value | null;
  majorPageFaults: UInt64Value | null;
}

/** Swap usage. */
export interface SwapUsage {
  timestamp: number;
  swapAvailableBytes: UInt64Value | null;
  swapUsageBytes: UInt64Value | null;
}

/** IO usage (only its time here). */
export interface IoUsage {
  timestamp: number;
}

/** Resource usage of a container. */
export interface ContainerStats {
  attributes: ContainerAttributes | null;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  writableLayer: FilesystemUsage | null;
  swap: SwapUsage | null;
  io: IoUsage | null;
}

/** Container stats filter; all fields that are set must match. */
export interface ContainerStatsFilter {
  id?: string;
  podSandboxId?: string;
  labelSelector?: StringMap;
}

/** Basic information of a sandbox in stats. */
export interface PodSandboxAttributes {
  id: string;
  metadata: PodSandboxMetadata | null;
  labels: StringMap;
  annotations: StringMap;
}

/** Usage of one network interface. */
export interface NetworkInterfaceUsage {
  name: string;
  rxBytes: UInt64Value | null;
  rxErrors: UInt64Value | null;
  txBytes: UInt64Value | null;
  txErrors: UInt64Value | null;
}

/** Network usage of a sandbox. */
export interface NetworkUsage {
  timestamp: number;
  defaultInterface: NetworkInterfaceUsage | null;
  interfaces: NetworkInterfaceUsage[];
}

/** Process count of a sandbox. */
export interface ProcessUsage {
  timestamp: number;
  processCount: UInt64Value | null;
}

/** Linux resource usage of a sandbox. */
export interface LinuxPodSandboxStats {
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  network: NetworkUsage | null;
  process: ProcessUsage | null;
  containers: ContainerStats[];
  io: IoUsage | null;
}

/** Resource usage of a sandbox. */
export interface PodSandboxStats {
  attributes: PodSandboxAttributes | null;
  linux: LinuxPodSandboxStats | null;
}

/** Sandbox stats filter; all fields that are set must match. */
export interface PodSandboxStatsFilter {
  id?: string;
  labelSelector?: StringMap;
}

// ------------------------------------------------------------------ metrics

/** Describes a metric that ListPodSandboxMetrics reports. */
export interface MetricDescriptor {
  name: string;
  help: string;
  labelKeys: string[];
}

/** One metric sample. */
export interface Metric {
  name: string;
  /** Nanoseconds since the epoch when cached; 0 when gathered live. */
  timestamp: number;
  metricType: MetricType;
  labelValues: string[];
  value: UInt64Value | null;
}

/** Metrics of one container. */
export interface ContainerMetrics {
  containerId: string;
  metrics: Metric[];
}

/** Metrics of one sandbox and its containers. */
export interface PodSandboxMetrics {
  podSandboxId: string;
  metrics: Metric[];
  containerMetrics: ContainerMetrics[];
}

// ------------------------------------------------------------------ requests and responses

/** Version request. */
export interface VersionRequest {
  version?: string;
}
/** Version response. */
export interface VersionResponse {
  /** Version of the runtime API ("0.1.0"). */
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  /** API version the runtime speaks ("v1"). */
  runtimeApiVersion: string;
}

/** RunPodSandbox request. */
export interface RunPodSandboxRequest {
  config: PodSandboxConfig;
  runtimeHandler?: string;
}
/** RunPodSandbox response. */
export interface RunPodSandboxResponse {
  podSandboxId: string;
}
/** StopPodSandbox request. */
export interface StopPodSandboxRequest {
  podSandboxId: string;
}
/** StopPodSandbox response. */
export type StopPodSandboxResponse = Record<string, never>;
/** RemovePodSandbox request. */
export interface RemovePodSandboxRequest {
  podSandboxId: string;
}
/** RemovePodSandbox response. */
export type RemovePodSandboxResponse = Record<string, never>;
/** PodSandboxStatus request. */
export interface PodSandboxStatusRequest {
  podSandboxId: string;
  verbose?: boolean;
}
/** PodSandboxStatus response. */
export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  info: StringMap;
  containersStatuses: ContainerStatus[];
  /** Nanoseconds since the epoch. */
  timestamp: number;
}
/** ListPodSandbox request. */
export interface ListPodSandboxRequest {
  filter?: PodSandboxFilter | null;
}
/** ListPodSandbox response. */
export interface ListPodSandboxResponse {
  items: PodSandbox[];
}

/** CreateContainer request. */
export interface CreateContainerRequest {
  podSandboxId: string;
  config: ContainerConfig;
  sandboxConfig: PodSandboxConfig;
}
/** CreateContainer response. */
export interface CreateContainerResponse {
  containerId: string;
}
/** StartContainer request. */
export interface StartContainerRequest {
  containerId: string;
}
/** StartContainer response. */
export type StartContainerResponse = Record<string, never>;
/** StopContainer request. */
export interface StopContainerRequest {
  containerId: string;
  /** Grace period in seconds; 0 kills at once. */
  timeout?: number;
}
/** StopContainer response. */
export type StopContainerResponse = Record<string, never>;
/** RemoveContainer request. */
export interface RemoveContainerRequest {
  containerId: string;
}
/** RemoveContainer response. */
export type RemoveContainerResponse = Record<string, never>;
/** ListContainers request. */
export interface ListContainersRequest {
  filter?: ContainerFilter | null;
}
/** ListContainers response. */
export interface ListContainersResponse {
  containers: Container[];
}
/** ContainerStatus request. */
export interface ContainerStatusRequest {
  containerId: string;
  verbose?: boolean;
}
/** ContainerStatus response. */
export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  info: StringMap;
}
/** UpdateContainerResources request. */
export interface UpdateContainerResourcesRequest {
  containerId: string;
  linux?: LinuxContainerResources | null;
  annotations?: StringMap;
}
/** UpdateContainerResources response. */
export type UpdateContainerResourcesResponse = Record<string, never>;
/** ReopenContainerLog request. */
export interface ReopenContainerLogRequest {
  containerId: string;
}
/** ReopenContainerLog response. */
export type ReopenContainerLogResponse = Record<string, never>;

/** ExecSync request. */
export interface ExecSyncRequest {
  containerId: string;
  cmd: string[];
  /** Seconds; 0 means no limit. */
  timeout?: number;
}
/** ExecSync response. */
export interface ExecSyncResponse {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exitCode: number;
}
/** Exec request. */
export interface ExecRequest {
  containerId: string;
  cmd: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}
/** Exec response. */
export interface ExecResponse {
  url: string;
}
/** Attach request. */
export interface AttachRequest {
  containerId: string;
  stdin?: boolean;
  tty?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}
/** Attach response. */
export interface AttachResponse {
  url: string;
}
/** PortForward request. */
export interface PortForwardRequest {
  podSandboxId: string;
  port?: number[];
}
/** PortForward response. */
export interface PortForwardResponse {
  url: string;
}

/** ContainerStats request. */
export interface ContainerStatsRequest {
  containerId: string;
}
/** ContainerStats response. */
export interface ContainerStatsResponse {
  stats: ContainerStats | null;
}
/** ListContainerStats request. */
export interface ListContainerStatsRequest {
  filter?: ContainerStatsFilter | null;
}
/** ListContainerStats response. */
export interface ListContainerStatsResponse {
  stats: ContainerStats[];
}
/** PodSandboxStats request. */
export interface PodSandboxStatsRequest {
  podSandboxId: string;
}
/** PodSandboxStats response. */
export interface PodSandboxStatsResponse {
  stats: PodSandboxStats | null;
}
/** ListPodSandboxStats request. */
export interface ListPodSandboxStatsRequest {
  filter?: PodSandboxStatsFilter | null;
}
/** ListPodSandboxStats response. */
export interface ListPodSandboxStatsResponse {
  stats: PodSandboxStats[];
}

/** UpdateRuntimeConfig request. */
export interface UpdateRuntimeConfigRequest {
  runtimeConfig?: RuntimeConfig | null;
}
/** UpdateRuntimeConfig response. */
export type UpdateRuntimeConfigResponse = Record<string, never>;
/** Status request. */
export interface StatusRequest {
  verbose?: boolean;
}
/** Status response. */
export interface StatusResponse {
  status: RuntimeStatus | null;
  info: StringMap;
  runtimeHandlers: RuntimeHandler[];
  features: RuntimeFeatures | null;
}
/** CheckpointContainer request. */
export interface CheckpointContainerRequest {
  containerId: string;
  /** Path of the archive to write. */
  location?: string;
  /** Seconds; 0 uses the runtime's default. */
  timeout?: number;
}
/** CheckpointContainer response. */
export type CheckpointContainerResponse = Record<string, never>;
/** GetContainerEvents request. */
export type GetEventsRequest = Record<string, never>;
/** One event of the GetContainerEvents stream. */
export interface ContainerEventResponse {
  containerId: string;
  containerEventType: ContainerEventType;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  podSandboxStatus: PodSandboxStatus | null;
  containersStatuses: ContainerStatus[];
}
/** ListMetricDescriptors request. */
export type ListMetricDescriptorsRequest = Record<string, never>;
/** ListMetricDescriptors response. */
export interface ListMetricDescriptorsResponse {
  descriptors: MetricDescriptor[];
}
/** ListPodSandboxMetrics request. */
export type ListPodSandboxMetricsRequest = Record<string, never>;
/** ListPodSandboxMetrics response. */
export interface ListPodSandboxMetricsResponse {
  podMetrics: PodSandboxMetrics[];
}

/** ListImages request. */
export interface ListImagesRequest {
  filter?: ImageFilter | null;
}
/** ListImages response. */
export interface ListImagesResponse {
  images: Image[];
}
/** ImageStatus request. */
export interface ImageStatusRequest {
  image: ImageSpec;
  verbose?: boolean;
}
/** ImageStatus response; `image` is null when the image is not on the node. */
export interface ImageStatusResponse {
  image: Image | null;
  info: StringMap;
}
/** PullImage request. */
export interface PullImageRequest {
  image: ImageSpec;
  auth?: AuthConfig | null;
  sandboxConfig?: PodSandboxConfig | null;
}
/** PullImage response. */
export interface PullImageResponse {
  imageRef: string;
}
/** RemoveImage request. */
export interface RemoveImageRequest {
  image: ImageSpec;
}
/** RemoveImage response. */
export type RemoveImageResponse = Record<string, never>;
/** ImageFsInfo request. */
export type ImageFsInfoRequest = Record<string, never>;
/** ImageFsInfo response. */
export interface ImageFsInfoResponse {
  imageFilesystems: FilesystemUsage[];
  containerFilesystems: FilesystemUsage[];
}

// ------------------------------------------------------------------ method tables

/** Request and response type of every RuntimeService RPC, by RPC name. */
export interface RuntimeServiceMethods {
  Version: [VersionRequest, VersionResponse];
  RunPodSandbox: [RunPodSandboxRequest, RunPodSandboxResponse];
  StopPodSandbox: [StopPodSandboxRequest, StopPodSandboxResponse];
  RemovePodSandbox: [RemovePodSandboxRequest, RemovePodSandboxResponse];
  PodSandboxStatus: [PodSandboxStatusRequest, PodSandboxStatusResponse];
  ListPodSandbox: [ListPodSandboxRequest, ListPodSandboxResponse];
  CreateContainer: [CreateContainerRequest, CreateContainerResponse];
  StartContainer: [StartContainerRequest, StartContainerResponse];
  StopContainer: [StopContainerRequest, StopContainerResponse];
  RemoveContainer: [RemoveContainerRequest, RemoveContainerResponse];
  ListContainers: [ListContainersRequest, ListContainersResponse];
  ContainerStatus: [ContainerStatusRequest, ContainerStatusResponse];
  UpdateContainerResources: [UpdateContainerResourcesRequest, UpdateContainerResourcesResponse];
  ReopenContainerLog: [ReopenContainerLogRequest, ReopenContainerLogResponse];
  ExecSync: [ExecSyncRequest, ExecSyncResponse];
  Exec: [ExecRequest, ExecResponse];
  Attach: [AttachRequest, AttachResponse];
  PortForward: [PortForwardRequest, PortForwardResponse];
  ContainerStats: [ContainerStatsRequest, ContainerStatsResponse];
  ListContainerStats: [ListContainerStatsRequest, ListContainerStatsResponse];
  PodSandboxStats: [PodSandboxStatsRequest, PodSandboxStatsResponse];
  ListPodSandboxStats: [ListPodSandboxStatsRequest, ListPodSandboxStatsResponse];
  UpdateRuntimeConfig: [UpdateRuntimeConfigRequest, UpdateRuntimeConfigResponse];
  Status: [StatusRequest, StatusResponse];
  CheckpointContainer: [CheckpointContainerRequest, CheckpointContainerResponse];
  /** Server stream: the response type is one message of the stream. */
  GetContainerEvents: [GetEventsRequest, ContainerEventResponse];
  ListMetricDescriptors: [ListMetricDescriptorsRequest, ListMetricDescriptorsResponse];
  ListPodSandboxMetrics: [ListPodSandboxMetricsRequest, ListPodSandboxMetricsResponse];
}

/** Request and response type of every ImageService RPC, by RPC name. */
export interface ImageServiceMethods {
  ListImages: [ListImagesRequest, ListImagesResponse];
  ImageStatus: [ImageStatusRequest, ImageStatusResponse];
  PullImage: [PullImageRequest, PullImageResponse];
  RemoveImage: [RemoveImageRequest, RemoveImageResponse];
  ImageFsInfo: [ImageFsInfoRequest, ImageFsInfoResponse];
}

/** Name of a RuntimeService RPC. */
export type RuntimeServiceMethod = keyof RuntimeServiceMethods;
/** Name of an ImageService RPC. */
export type ImageServiceMethod = keyof ImageServiceMethods;
/** Name of any CRI RPC. */
export type CriMethod = RuntimeServiceMethod | ImageServiceMethod;
