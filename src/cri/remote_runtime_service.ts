/**
 * {@linkcode RuntimeService} over gRPC on a Unix socket: the kubelet's remote
 * runtime client (k8s.io/cri-client) for Deno.
 *
 * @module
 */

import { CriChannel } from "./_cri_channel.ts";
import {
  CommandTimedOutError,
  criErrorFrom,
  GrpcCode,
  InvalidResponseError,
  isNotFound,
} from "./errors.ts";
import type { CriClientOptions } from "./operations.ts";
import { runtimeServiceDefinition } from "./package_definition.ts";
import type {
  ExecSyncOptions,
  RuntimeService,
  UpdateContainerResourcesOptions,
  ValidContainerStatusResponse,
  ValidPodSandboxStatusResponse,
} from "./service.ts";
import type {
  AttachRequest,
  CheckpointContainerRequest,
  Container,
  ContainerEventResponse,
  ContainerFilter,
  ContainerStats,
  ContainerStatsFilter,
  CreateContainerRequest,
  ExecRequest,
  ExecSyncResponse,
  MetricDescriptor,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxMetrics,
  PodSandboxStats,
  PodSandboxStatsFilter,
  PortForwardRequest,
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

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

function requireField(method: string, value: string, field: string, what: string): string {
  if (!value) {
    const message = `${method} returned no ${what}: field '${field}' is not set`;
    throw new InvalidResponseError(message, field, { method });
  }
  return value;
}

/** A 64-bit request field as the number it is sent as (the client sends numbers only). */
function int64(value: number | string | { toNumber(): number } | undefined): number {
  if (value === undefined) return 0;
  return typeof value === "object" ? value.toNumber() : Number(value);
}

/** ExecSync's DeadlineExceeded is the command's timeout, as the kubelet reports it. */
function execSyncError(err: unknown): unknown {
  const mapped = criErrorFrom(err, "ExecSync");
  if (mapped.code !== GrpcCode.DEADLINE_EXCEEDED) return mapped;
  return new CommandTimedOutError({ method: "ExecSync", details: mapped.details, cause: err });
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
 * const runtime = new RemoteRuntimeService("unix:///run/containerd/containerd.sock", {
 *   clock: new RealClock(),
 * });
 * const sandboxes = await runtime.listPodSandbox();
 * runtime.close();
 * ```
 */
export class RemoteRuntimeService implements RuntimeService {
  #channel: CriChannel<RuntimeServiceMethod>;

  /**
   * Creates the client; it connects on the first call.
   * @throws {TypeError} when the endpoint is not a Unix socket path.
   * @throws {RangeError} when `options.runtimeRequestTimeoutMs` is not positive.
   */
  constructor(endpoint: string, options: CriClientOptions) {
    this.#channel = new CriChannel(endpoint, runtimeServiceDefinition, options);
  }

  async version(apiVersion: string = KUBE_RUNTIME_API_VERSION): Promise<VersionResponse> {
    const response = await this.#channel.call("Version", { version: apiVersion });
    return validateVersion(response);
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ""): Promise<string> {
    const response = await this.#channel.call("RunPodSandbox", { config, runtimeHandler });
    return requireField("RunPodSandbox", response.podSandboxId, "podSandboxId", "sandbox id");
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.#channel.call("StopPodSandbox", { podSandboxId }).catch(ignoreNotFound);
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.#channel.call("RemovePodSandbox", { podSandboxId }).catch(ignoreNotFound);
  }

  async podSandboxStatus(
    podSandboxId: string,
    verbose = false,
  ): Promise<ValidPodSandboxStatusResponse> {
    const response = await this.#channel.call("PodSandboxStatus", {
      podSandboxId,
      verbose,
    });
    validatePodSandboxStatus(response.status);
    return response as ValidPodSandboxStatusResponse;
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const response = await this.#channel.call("ListPodSandbox", { filter });
    return response.items;
  }

  async createContainer(request: CreateContainerRequest): Promise<string> {
    const response = await this.#channel.call("CreateContainer", request);
    return requireField("CreateContainer", response.containerId, "containerId", "container id");
  }

  async startContainer(containerId: string): Promise<void> {
    await this.#channel.call("StartContainer", { containerId });
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.#channel.call("StopContainer", { containerId, timeout: timeoutSeconds }, {
      timeout: timeoutSeconds,
    }).catch(ignoreNotFound);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.#channel.call("RemoveContainer", { containerId }).catch(ignoreNotFound);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const response = await this.#channel.call("ListContainers", { filter });
    return response.containers;
  }

  async containerStatus(
    containerId: string,
    verbose = false,
  ): Promise<ValidContainerStatusResponse> {
    const response = await this.#channel.call("ContainerStatus", {
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
    await this.#channel.call("UpdateContainerResources", {
      containerId,
      linux: options.linux,
      annotations: options.annotations,
    });
  }

  async reopenContainerLog(containerId: string): Promise<void> {
    await this.#channel.call("ReopenContainerLog", { containerId });
  }

  execSync(
    containerId: string,
    cmd: string[],
    options: ExecSyncOptions = {},
  ): Promise<ExecSyncResponse> {
    const timeout = options.timeoutSeconds ?? 0;
    return this.#channel.call("ExecSync", { containerId, cmd, timeout }, {
      timeout,
      signal: options.signal,
      mapError: execSyncError,
    });
  }

  async exec(request: ExecRequest): Promise<string> {
    const response = await this.#channel.call("Exec", request);
    return requireField("Exec", response.url, "url", "streaming URL");
  }

  async attach(request: AttachRequest): Promise<string> {
    const response = await this.#channel.call("Attach", request);
    return requireField("Attach", response.url, "url", "streaming URL");
  }

  async portForward(request: PortForwardRequest): Promise<string> {
    const response = await this.#channel.call("PortForward", request);
    return requireField("PortForward", response.url, "url", "streaming URL");
  }

  async containerStats(containerId: string): Promise<ContainerStats | null> {
    const response = await this.#channel.call("ContainerStats", { containerId });
    return response.stats;
  }

  async listContainerStats(filter?: ContainerStatsFilter): Promise<ContainerStats[]> {
    const response = await this.#channel.call("ListContainerStats", { filter });
    return response.stats;
  }

  async podSandboxStats(podSandboxId: string): Promise<PodSandboxStats | null> {
    const response = await this.#channel.call("PodSandboxStats", { podSandboxId });
    return response.stats;
  }

  async listPodSandboxStats(filter?: PodSandboxStatsFilter): Promise<PodSandboxStats[]> {
    const response = await this.#channel.call("ListPodSandboxStats", {
      filter,
    });
    return response.stats;
  }

  async updateRuntimeConfig(runtimeConfig: RuntimeConfig): Promise<void> {
    await this.#channel.call("UpdateRuntimeConfig", { runtimeConfig });
  }

  async status(verbose = false): Promise<StatusResponse> {
    const response = await this.#channel.call("Status", { verbose });
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
    await this.#channel.call("CheckpointContainer", request, { timeout: int64(request.timeout) });
  }

  getContainerEvents(signal: AbortSignal): AsyncIterable<ContainerEventResponse> {
    return this.#channel.stream("GetContainerEvents", {}, signal);
  }

  async listMetricDescriptors(): Promise<MetricDescriptor[]> {
    const response = await this.#channel.call("ListMetricDescriptors", {});
    return response.descriptors;
  }

  async listPodSandboxMetrics(): Promise<PodSandboxMetrics[]> {
    const response = await this.#channel.call("ListPodSandboxMetrics", {});
    return response.podMetrics;
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.#channel.close();
  }

  /** Same as {@linkcode RemoteRuntimeService.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
