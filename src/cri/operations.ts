/**
 * What the remote CRI clients are made with and what they report: their
 * options, and the kubelet's operation name of every RPC, which the
 * `onOperation` observer receives (the `operation_type` label of the
 * kubelet_runtime_operations_* metrics).
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import type { CriMethod } from "./types.ts";

/** Called once per finished CRI operation. */
export type OperationObserver = (operation: string, durationMs: number, error?: unknown) => void;

/** Options of the remote CRI clients. */
export interface CriClientOptions {
  /** Clock the operation durations are measured with. */
  clock: Clock;
  /**
   * Default per-call limit in milliseconds (the kubelet's
   * `--runtime-request-timeout`); some calls get more, see `timeoutFor()`.
   * @default {120000}
   */
  runtimeRequestTimeoutMs?: number;
  /**
   * Called after every operation with its kubelet operation name
   * ("list_containers", "pull_image", ...), its duration in ms and, when it
   * failed, the error; feeds the kubelet_runtime_operations_* metrics.
   */
  onOperation?: OperationObserver;
}

/** Kubelet operation names (metric label values) of the CRI RPCs. */
export const CRI_OPERATIONS: Readonly<Record<CriMethod, string>> = {
  Version: "version",
  RunPodSandbox: "run_podsandbox",
  StopPodSandbox: "stop_podsandbox",
  RemovePodSandbox: "remove_podsandbox",
  PodSandboxStatus: "podsandbox_status",
  ListPodSandbox: "list_podsandbox",
  CreateContainer: "create_container",
  StartContainer: "start_container",
  StopContainer: "stop_container",
  RemoveContainer: "remove_container",
  ListContainers: "list_containers",
  ContainerStatus: "container_status",
  UpdateContainerResources: "update_container",
  ReopenContainerLog: "reopen_container_log",
  ExecSync: "exec_sync",
  Exec: "exec",
  Attach: "attach",
  PortForward: "port_forward",
  ContainerStats: "container_stats",
  ListContainerStats: "list_container_stats",
  PodSandboxStats: "podsandbox_stats",
  ListPodSandboxStats: "list_podsandbox_stats",
  UpdateRuntimeConfig: "update_runtime_config",
  Status: "status",
  CheckpointContainer: "checkpoint_container",
  GetContainerEvents: "get_container_events",
  ListMetricDescriptors: "list_metric_descriptors",
  ListPodSandboxMetrics: "list_podsandbox_metrics",
  ListImages: "list_images",
  ImageStatus: "image_status",
  PullImage: "pull_image",
  RemoveImage: "remove_image",
  ImageFsInfo: "image_fs_info",
};
