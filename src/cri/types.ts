/**
 * The CRI `runtime.v1` types as the agent's CRI client uses them. This file
 * is the thin hand-written layer over the generated types: it names them
 * and reshapes one (ExecSyncResponse), and declares no message of its own.
 *
 * Every message, enum and service type is generated from proto/api.proto by
 * `proto-loader-gen-types` into src/cri/generated/ (`deno task gen-proto`;
 * tests/cri/generated_types_test.ts fails when that output is stale). The
 * generator writes two types per message: a permissive one (what
 * `serialize` accepts: every field optional, 64-bit integers as number,
 * string or Long) and `Name__Output` (what `deserialize` returns with
 * `CRI_LOADER_OPTIONS` from loader_options.ts: every scalar, list and map
 * present, a nested message the peer left out `null`, 64-bit integers as
 * numbers, enums as value names, bytes as Buffer).
 *
 * What this layer adds, and why:
 * - one plain name per message, on the side the client is on: what the agent
 *   sends (configs, filters, the request messages it passes whole) is the
 *   permissive type; what the runtime returns (statuses, lists, stats,
 *   responses) is the `__Output` type; enums are their value names;
 * - {@linkcode ExecSyncResponse} with its output as `Uint8Array` rather than
 *   Buffer, so any `RuntimeService` can answer it;
 * - {@linkcode CriRequest} / {@linkcode CriResponse} (the client's view of an
 *   RPC) and {@linkcode ServedRequest} / {@linkcode ServedResponse} (a
 *   server's view, used by the fake runtime), read off the generated service
 *   definitions, so a method name picks its message types;
 * - {@linkcode StringMap}.
 *
 * The validated statuses ("Valid…" types: a status whose identifying fields
 * were checked) are in service.ts beside the interface that returns them.
 * The fake runtime (src/cri/fake/) is a server: it reads requests as
 * `__Output` types imported from src/cri/generated/ directly.
 *
 * @module
 */

import type { ExecSyncResponse__Output } from "./generated/runtime/v1/ExecSyncResponse.ts";
import type { ImageServiceDefinition } from "./generated/runtime/v1/ImageService.ts";
import type { RuntimeServiceDefinition } from "./generated/runtime/v1/RuntimeService.ts";

/** A string-to-string map (labels, annotations, info, sysctls). */
export type StringMap = Record<string, string>;

// ------------------------------------------------------------------ enums (value names)

export type { ContainerEventType__Output as ContainerEventType } from "./generated/runtime/v1/ContainerEventType.ts";
export type { ContainerState__Output as ContainerState } from "./generated/runtime/v1/ContainerState.ts";
export type { MountPropagation__Output as MountPropagation } from "./generated/runtime/v1/MountPropagation.ts";
export type { NamespaceMode__Output as NamespaceMode } from "./generated/runtime/v1/NamespaceMode.ts";
export type { PodSandboxState__Output as PodSandboxState } from "./generated/runtime/v1/PodSandboxState.ts";
export type { Protocol__Output as Protocol } from "./generated/runtime/v1/Protocol.ts";
export type { _runtime_v1_SecurityProfile_ProfileType__Output as ProfileType } from "./generated/runtime/v1/SecurityProfile.ts";

// ------------------------------------------------------------------ what the agent sends

export type { AttachRequest } from "./generated/runtime/v1/AttachRequest.ts";
export type { AuthConfig } from "./generated/runtime/v1/AuthConfig.ts";
export type { CheckpointContainerRequest } from "./generated/runtime/v1/CheckpointContainerRequest.ts";
export type { ContainerConfig } from "./generated/runtime/v1/ContainerConfig.ts";
export type { ContainerFilter } from "./generated/runtime/v1/ContainerFilter.ts";
export type { ContainerStatsFilter } from "./generated/runtime/v1/ContainerStatsFilter.ts";
export type { CreateContainerRequest } from "./generated/runtime/v1/CreateContainerRequest.ts";
export type { DNSConfig } from "./generated/runtime/v1/DNSConfig.ts";
export type { ExecRequest } from "./generated/runtime/v1/ExecRequest.ts";
export type { ImageFilter } from "./generated/runtime/v1/ImageFilter.ts";
export type { ImageSpec } from "./generated/runtime/v1/ImageSpec.ts";
export type { LinuxContainerResources } from "./generated/runtime/v1/LinuxContainerResources.ts";
export type { LinuxContainerSecurityContext } from "./generated/runtime/v1/LinuxContainerSecurityContext.ts";
export type { Mount } from "./generated/runtime/v1/Mount.ts";
export type { NamespaceOption } from "./generated/runtime/v1/NamespaceOption.ts";
export type { PodSandboxConfig } from "./generated/runtime/v1/PodSandboxConfig.ts";
export type { PodSandboxFilter } from "./generated/runtime/v1/PodSandboxFilter.ts";
export type { PodSandboxStatsFilter } from "./generated/runtime/v1/PodSandboxStatsFilter.ts";
export type { PortForwardRequest } from "./generated/runtime/v1/PortForwardRequest.ts";
export type { PortMapping } from "./generated/runtime/v1/PortMapping.ts";
export type { RuntimeConfig } from "./generated/runtime/v1/RuntimeConfig.ts";

// ------------------------------------------------------------------ what the runtime returns

export type { Container__Output as Container } from "./generated/runtime/v1/Container.ts";
export type { ContainerEventResponse__Output as ContainerEventResponse } from "./generated/runtime/v1/ContainerEventResponse.ts";
export type { ContainerStats__Output as ContainerStats } from "./generated/runtime/v1/ContainerStats.ts";
export type { ContainerStatus__Output as ContainerStatus } from "./generated/runtime/v1/ContainerStatus.ts";
export type { ContainerStatusResponse__Output as ContainerStatusResponse } from "./generated/runtime/v1/ContainerStatusResponse.ts";
export type { Image__Output as Image } from "./generated/runtime/v1/Image.ts";
export type { ImageFsInfoResponse__Output as ImageFsInfoResponse } from "./generated/runtime/v1/ImageFsInfoResponse.ts";
export type { ImageStatusResponse__Output as ImageStatusResponse } from "./generated/runtime/v1/ImageStatusResponse.ts";
export type { MetricDescriptor__Output as MetricDescriptor } from "./generated/runtime/v1/MetricDescriptor.ts";
export type { PodSandbox__Output as PodSandbox } from "./generated/runtime/v1/PodSandbox.ts";
export type { PodSandboxMetrics__Output as PodSandboxMetrics } from "./generated/runtime/v1/PodSandboxMetrics.ts";
export type { PodSandboxStats__Output as PodSandboxStats } from "./generated/runtime/v1/PodSandboxStats.ts";
export type { PodSandboxStatus__Output as PodSandboxStatus } from "./generated/runtime/v1/PodSandboxStatus.ts";
export type { PodSandboxStatusResponse__Output as PodSandboxStatusResponse } from "./generated/runtime/v1/PodSandboxStatusResponse.ts";
export type { RuntimeCondition__Output as RuntimeCondition } from "./generated/runtime/v1/RuntimeCondition.ts";
export type { StatusResponse__Output as StatusResponse } from "./generated/runtime/v1/StatusResponse.ts";
export type { VersionResponse__Output as VersionResponse } from "./generated/runtime/v1/VersionResponse.ts";

/**
 * ExecSync's answer with the output as plain bytes: the loader decodes a
 * Buffer, which is a `Uint8Array`, and a `RuntimeService` that is not the
 * remote client need not make Buffers.
 */
export type ExecSyncResponse = Omit<ExecSyncResponse__Output, "stdout" | "stderr"> & {
  stdout: Uint8Array;
  stderr: Uint8Array;
};

// ------------------------------------------------------------------ RPCs

type Definitions = RuntimeServiceDefinition & ImageServiceDefinition;

/** Name of a RuntimeService RPC. */
export type RuntimeServiceMethod = keyof RuntimeServiceDefinition;
/** Name of an ImageService RPC. */
export type ImageServiceMethod = keyof ImageServiceDefinition;
/** Name of any CRI RPC. */
export type CriMethod = keyof Definitions;

/** The request a client sends in RPC `M` (what its serializer accepts). */
export type CriRequest<M extends CriMethod> = Parameters<Definitions[M]["requestSerialize"]>[0];
/** The response a client receives from RPC `M` (decoded; one message of a stream). */
export type CriResponse<M extends CriMethod> = ReturnType<Definitions[M]["responseDeserialize"]>;
/** The request a server receives in RPC `M` (decoded). */
export type ServedRequest<M extends CriMethod> = ReturnType<Definitions[M]["requestDeserialize"]>;
/** The response a server sends from RPC `M` (what its serializer accepts). */
export type ServedResponse<M extends CriMethod> = Parameters<
  Definitions[M]["responseSerialize"]
>[0];
