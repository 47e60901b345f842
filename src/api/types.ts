/**
 * The Kubernetes object types the node works with.
 *
 * Decision: we use the `kubernetes-types` npm package for the object shapes. It is
 * types only (zero runtime code), generated from the upstream OpenAPI document, so its
 * field names are exactly the API's. It is pinned in deno.json as `kubernetes-types/`
 * (for example `import type { Pod } from "kubernetes-types/core/v1.d.ts"`). This module
 * re-exports the types the node uses, so the rest of denolet imports them from one
 * place, and adds small string-literal aliases for the enum-like fields the generated
 * types leave as `string`.
 *
 * @module
 */

export type {
  Capabilities,
  ConfigMapKeySelector,
  ConfigMapVolumeSource,
  Container,
  ContainerPort,
  ContainerState,
  ContainerStateRunning,
  ContainerStateTerminated,
  ContainerStateWaiting,
  ContainerStatus,
  DownwardAPIVolumeFile,
  EmptyDirVolumeSource,
  EnvFromSource,
  EnvVar,
  EnvVarSource,
  EphemeralContainer,
  ExecAction,
  GRPCAction,
  HostAlias,
  HostPathVolumeSource,
  HTTPGetAction,
  HTTPHeader,
  KeyToPath,
  Lifecycle,
  LifecycleHandler,
  ObjectFieldSelector,
  Pod,
  PodCondition,
  PodDNSConfig,
  PodIP,
  PodList,
  PodSecurityContext,
  PodSpec,
  PodStatus,
  Probe,
  ResourceFieldSelector,
  ResourceRequirements,
  SecretKeySelector,
  SecretVolumeSource,
  SecurityContext,
  SleepAction,
  TCPSocketAction,
  Toleration,
  Volume,
  VolumeDevice,
  VolumeMount,
  VolumeProjection,
} from "kubernetes-types/core/v1.d.ts";
export type { ObjectMeta, Time } from "kubernetes-types/meta/v1.d.ts";
export type { Quantity as QuantityString } from "kubernetes-types/api/resource.d.ts";

/** `spec.restartPolicy` of a Pod. */
export type RestartPolicy = "Always" | "OnFailure" | "Never";

/** `spec.dnsPolicy` of a Pod. */
export type DNSPolicy = "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None";

/** `imagePullPolicy` of a container. */
export type PullPolicy = "Always" | "IfNotPresent" | "Never";

/** `protocol` of a container port. */
export type Protocol = "TCP" | "UDP" | "SCTP";

/** `status.phase` of a Pod. */
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** `terminationMessagePolicy` of a container. */
export type TerminationMessagePolicy = "File" | "FallbackToLogsOnError";

/** `scheme` of an HTTP probe or lifecycle handler. */
export type URIScheme = "HTTP" | "HTTPS";

/** `type` of a PodCondition the kubelet sets. */
export type PodConditionType =
  | "PodScheduled"
  | "PodReadyToStartContainers"
  | "Initialized"
  | "ContainersReady"
  | "Ready";

/** `status` of a condition. */
export type ConditionStatus = "True" | "False" | "Unknown";

/** `type` of a hostPath volume ("" means no check). */
export type HostPathType =
  | ""
  | "DirectoryOrCreate"
  | "Directory"
  | "FileOrCreate"
  | "File"
  | "Socket"
  | "CharDevice"
  | "BlockDevice";

/** Every restart policy, for validation and flags. */
export const RESTART_POLICIES: readonly RestartPolicy[] = ["Always", "OnFailure", "Never"];
/** Every DNS policy. */
export const DNS_POLICIES: readonly DNSPolicy[] = [
  "ClusterFirstWithHostNet",
  "ClusterFirst",
  "Default",
  "None",
];
/** Every image pull policy. */
export const PULL_POLICIES: readonly PullPolicy[] = ["Always", "IfNotPresent", "Never"];
/** Every port protocol. */
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];
/** Every termination message policy. */
export const TERMINATION_MESSAGE_POLICIES: readonly TerminationMessagePolicy[] = [
  "File",
  "FallbackToLogsOnError",
];
/** Every URI scheme. */
export const URI_SCHEMES: readonly URIScheme[] = ["HTTP", "HTTPS"];
/** Every hostPath type. */
export const HOST_PATH_TYPES: readonly HostPathType[] = [
  "",
  "DirectoryOrCreate",
  "Directory",
  "FileOrCreate",
  "File",
  "Socket",
  "CharDevice",
  "BlockDevice",
];
