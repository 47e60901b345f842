/**
 * {@linkcode RuntimeService} over gRPC on a Unix socket: the kubelet's remote
 * runtime client (k8s.io/cri-client) for Deno.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { CriChannel, type OperationObserver } from "./_cri_channel.ts";
import {
  CommandTimedOutError,
  criErrorFrom,
  GrpcCode,
  InvalidResponseError,
  isNotFound,
} from "./errors.ts";
import { runtimeServiceDefinition } from "./package_definition.ts";
import type {
  ExecSyncOptions,
  RuntimeService,
  UpdateContainerResourcesOptions,
  ValidContainerStatusResponse,
  ValidPodSandboxStatusResponse,
} from "./service.ts";
import { timeoutFor } from "./timeout_for.ts";
import type {
  AttachRequest,
  AttachResponse,
  CheckpointContainerRequest,
  Container,
  ContainerEventResponse,
  ContainerFilter,
  ContainerStats,
  ContainerStatsFilter,
  ContainerStatsResponse,
  ContainerStatusResponse,
  CreateContainerRequest,
  CreateContainerResponse,
  ExecRequest,
  ExecResponse,
  ExecSyncResponse,
  ListContainersResponse,
  ListContainerStatsResponse,
  ListMetricDescriptorsResponse,
  ListPodSandboxMetricsResponse,
  ListPodSandboxResponse,
  ListPodSandboxStatsResponse,
  MetricDescriptor,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxMetrics,
  PodSandboxStats,
  PodSandboxStatsFilter,
  PodSandboxStatsResponse,
  PodSandboxStatusResponse,
  PortForwardRequest,
  PortForwardResponse,
  RunPodSandboxResponse,
  RuntimeConfig,
  RuntimeServiceMethod,
  StatusResponse,
  VersionResponse,
} from "./types.ts";
import {
  validateContainerStatus,
  validatePodSandboxStatus,
  validateVersion,
} from "./validate_status.ts";

/** The CRI API version the agent speaks in Version requests (kubelet's kubeRuntimeAPIVersion). */
export const KUBE_RUNTIME_API_VERSION = "0.1.0";

/** Options of the remote CRI clients. */
export interface CriClientOptions {
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
  /** Clock the durations are measured with. @default {new RealClock()} */
  clock?: Clock;
}

/** Kubelet operation names (metric label values) of the RuntimeService RPCs. */
export const RUNTIME_OPERATIONS: Readonly<Record<RuntimeServiceMethod, string>> = {
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
};

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

function requireField(method: string, value: string, field: string, what: string): string {
  if (!value) {
    throw new InvalidResponseError(
      `${method} returned no ${what}: field '${field}' is not set`,
      field,
      {
        method,
      },
    );
  }
  return value;
}

/**
 * The CRI runtime service of a container runtime reached over a Unix socket.
 *
 * Dialing the socket needs `--allow-net=unix:<path>`, `--allow-read=<path>`,
 * `--allow-write=<path>` and `--allow-env` for the names in
 * `GRPC_ENV_VARS` (permissions_env.ts).
 *
 * @example
 * ```ts
 * const runtime = new RemoteRuntimeService("unix:///run/containerd/containerd.sock");
 * const sandboxes = await runtime.listPodSandbox();
 * runtime.close();
 * ```
 */
export class RemoteRuntimeService implements RuntimeService {
  #channel: CriChannel;
  #timeoutMs: number | undefined;

  /**
   * Creates the client; it connects on the first call.
   * @throws {TypeError} when the endpoint is not a Unix socket path.
   */
  constructor(endpoint: string, options: CriClientOptions = {}) {
    this.#channel = new CriChannel(endpoint, runtimeServiceDefinition, options);
    this.#timeoutMs = options.runtimeRequestTimeoutMs;
    // Validate the default timeout now rather than on the first call.
    timeoutFor("Version", {}, { runtimeRequestTimeoutMs: this.#timeoutMs });
  }

  #call<Res>(
    method: RuntimeServiceMethod,
    request: object,
    extra: { timeout?: number; signal?: AbortSignal; mapError?: (err: unknown) => unknown } = {},
  ): Promise<Res> {
    const timeoutMs = timeoutFor(method, { timeout: extra.timeout }, {
      runtimeRequestTimeoutMs: this.#timeoutMs,
    });
    return this.#channel.unary<Res>(method, request, {
      operation: RUNTIME_OPERATIONS[method],
      timeoutMs,
      signal: extra.signal,
    }, extra.mapError);
  }

  async version(apiVersion: string = KUBE_RUNTIME_API_VERSION): Promise<VersionResponse> {
    const response = await this.#call<VersionResponse>("Version", { version: apiVersion });
    return validateVersion(response);
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ""): Promise<string> {
    const response = await this.#call<RunPodSandboxResponse>("RunPodSandbox", {
      config,
      runtimeHandler,
    });
    return requireField("RunPodSandbox", response.podSandboxId, "podSandboxId", "sandbox id");
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.#call("StopPodSandbox", { podSandboxId }).catch(ignoreNotFound);
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.#call("RemovePodSandbox", { podSandboxId }).catch(ignoreNotFound);
  }

  async podSandboxStatus(
    podSandboxId: string,
    verbose = false,
  ): Promise<ValidPodSandboxStatusResponse> {
    const response = await this.#call<PodSandboxStatusResponse>("PodSandboxStatus", {
      podSandboxId,
      verbose,
    });
    validatePodSandboxStatus(response.status);
    return response as ValidPodSandboxStatusResponse;
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const response = await this.#call<ListPodSandboxResponse>("ListPodSandbox", { filter });
    return response.items;
  }

  async createContainer(request: CreateContainerRequest): Promise<string> {
    const response = await this.#call<CreateContainerResponse>("CreateContainer", request);
    return requireField("CreateContainer", response.containerId, "containerId", "container id");
  }

  async startContainer(containerId: string): Promise<void> {
    await this.#call("StartContainer", { containerId });
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.#call("StopContainer", { containerId, timeout: timeoutSeconds }, {
      timeout: timeoutSeconds,
    }).catch(ignoreNotFound);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.#call("RemoveContainer", { containerId }).catch(ignoreNotFound);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const response = await this.#call<ListContainersResponse>("ListContainers", { filter });
    return response.containers;
  }

  async containerStatus(
    containerId: string,
    verbose = false,
  ): Promise<ValidContainerStatusResponse> {
    const response = await this.#call<ContainerStatusResponse>("ContainerStatus", {
      containerId,
      verbose,
    });
    validateContainerStatus(response.status);
    return response as ValidContainerStatusResponse;
  }

  async updateContainerResources(
    containerId: string,
    options: UpdateContainerResourcesOptions,
  ): Promise<void> {
    await this.#call("UpdateContainerResources", {
      containerId,
      linux: options.linux,
      annotations: options.annotations,
    });
  }

  async reopenContainerLog(containerId: string): Promise<void> {
    await this.#call("ReopenContainerLog", { containerId });
  }

  execSync(
    containerId: string,
    cmd: string[],
    options: ExecSyncOptions = {},
  ): Promise<ExecSyncResponse> {
    const timeout = options.timeoutSeconds ?? 0;
    return this.#call<ExecSyncResponse>("ExecSync", { containerId, cmd, timeout }, {
      timeout,
      signal: options.signal,
      mapError: (err) => {
        const mapped = criErrorFrom(err, "ExecSync");
        if (mapped.code !== GrpcCode.DEADLINE_EXCEEDED) return mapped;
        return new CommandTimedOutError({
          method: "ExecSync",
          details: mapped.details,
          cause: err,
        });
      },
    });
  }

  async exec(request: ExecRequest): Promise<string> {
    const response = await this.#call<ExecResponse>("Exec", request);
    return requireField("Exec", response.url, "url", "streaming URL");
  }

  async attach(request: AttachRequest): Promise<string> {
    const response = await this.#call<AttachResponse>("Attach", request);
    return requireField("Attach", response.url, "url", "streaming URL");
  }

  async portForward(request: PortForwardRequest): Promise<string> {
    const response = await this.#call<PortForwardResponse>("PortForward", request);
    return requireField("PortForward", response.url, "url", "streaming URL");
  }

  async containerStats(containerId: string): Promise<ContainerStats | null> {
    const response = await this.#call<ContainerStatsResponse>("ContainerStats", { containerId });
    return response.stats;
  }

  async listContainerStats(filter?: ContainerStatsFilter): Promise<ContainerStats[]> {
    const response = await this.#call<ListContainerStatsResponse>("ListContainerStats", { filter });
    return response.stats;
  }

  async podSandboxStats(podSandboxId: string): Promise<PodSandboxStats | null> {
    const response = await this.#call<PodSandboxStatsResponse>("PodSandboxStats", { podSandboxId });
    return response.stats;
  }

  async listPodSandboxStats(filter?: PodSandboxStatsFilter): Promise<PodSandboxStats[]> {
    const response = await this.#call<ListPodSandboxStatsResponse>("ListPodSandboxStats", {
      filter,
    });
    return response.stats;
  }

  async updateRuntimeConfig(runtimeConfig: RuntimeConfig): Promise<void> {
    await this.#call("UpdateRuntimeConfig", { runtimeConfig });
  }

  async status(verbose = false): Promise<StatusResponse> {
    const response = await this.#call<StatusResponse>("Status", { verbose });
    if (!response.status || response.status.conditions.length < 2) {
      throw new InvalidResponseError(
        "Status returned an incomplete runtime status: RuntimeReady or NetworkReady condition are not set",
        "status.conditions",
        { method: "Status" },
      );
    }
    return response;
  }

  async checkpointContainer(request: CheckpointContainerRequest): Promise<void> {
    await this.#call("CheckpointContainer", request, { timeout: request.timeout ?? 0 });
  }

  getContainerEvents(signal: AbortSignal): AsyncIterable<ContainerEventResponse> {
    return this.#channel.serverStream<ContainerEventResponse>("GetContainerEvents", {}, {
      operation: RUNTIME_OPERATIONS.GetContainerEvents,
      timeoutMs: null,
      signal,
    });
  }

  async listMetricDescriptors(): Promise<MetricDescriptor[]> {
    const response = await this.#call<ListMetricDescriptorsResponse>("ListMetricDescriptors", {});
    return response.descriptors;
  }

  async listPodSandboxMetrics(): Promise<PodSandboxMetrics[]> {
    const response = await this.#call<ListPodSandboxMetricsResponse>("ListPodSandboxMetrics", {});
    return response.podMetrics;
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.#channel.close();
  }
}
