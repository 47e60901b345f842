/**
 * Containers of the fake runtime: records, name reservation, filters, state
 * changes and the CRI views (Container, ContainerStatus) of a record.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type {
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerMetadata,
  ContainerState,
  ContainerStatus,
  ImageSpec,
  LinuxContainerResources,
  Mount,
  StringMap,
} from "../types.ts";
import type { FakeSandbox } from "./sandbox_store.ts";
import { copyMap, matchesLabels, notFound, randomId, RpcError } from "./_util.ts";

/** A container as the fake runtime keeps it. */
export interface FakeContainer {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  /** Nanoseconds since the epoch; 0 until started. */
  startedAt: number;
  /** Nanoseconds since the epoch; 0 until exited. */
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  /** The image as ContainerStatus reports it (first repo tag of the image). */
  image: ImageSpec;
  /** First repo digest of the image, else its id. */
  imageRef: string;
  /** The image id (`sha256:...`). */
  imageId: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: Mount[];
  /** Absolute log path (sandbox log directory + config.logPath), or "". */
  logPath: string;
  resources: LinuxContainerResources | null;
  config: ContainerConfig;
}

/** What the runtime service resolved the container's image to. */
export interface ResolvedImage {
  image: ImageSpec;
  imageRef: string;
  imageId: string;
}

function reservationKey(c: ContainerMetadata, s: FakeSandbox): string {
  const m = s.metadata;
  return `${c.name}_${m.name}_${m.namespace}_${m.uid}_${c.attempt}`;
}

function joinLogPath(dir: string, rel: string | undefined): string {
  if (!dir || !rel) return "";
  return dir.endsWith("/") ? `${dir}${rel}` : `${dir}/${rel}`;
}

/** The fake runtime's containers. */
export class ContainerStore {
  #byId = new Map<string, FakeContainer>();
  #names = new Map<string, string>();

  /** Adds a CREATED container; fails like containerd when the name is reserved. */
  add(
    sandbox: FakeSandbox,
    config: ContainerConfig,
    image: ResolvedImage,
    createdAt: number,
  ): FakeContainer {
    if (!config.metadata?.name) {
      throw new RpcError(status.INVALID_ARGUMENT, "container config must include metadata");
    }
    const key = reservationKey(config.metadata, sandbox);
    const holder = this.#names.get(key);
    if (holder !== undefined) {
      throw new RpcError(
        status.UNKNOWN,
        `failed to reserve container name "${key}": name "${key}" is reserved for "${holder}"`,
      );
    }
    const container: FakeContainer = {
      id: randomId(),
      podSandboxId: sandbox.id,
      metadata: { ...config.metadata },
      state: "CONTAINER_CREATED",
      createdAt,
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: "",
      message: "",
      ...image,
      labels: copyMap(config.labels),
      annotations: copyMap(config.annotations),
      mounts: (config.mounts ?? []).map((m) => ({ ...m })),
      logPath: joinLogPath(sandbox.logDirectory, config.logPath),
      resources: config.linux?.resources ?? null,
      config,
    };
    this.#byId.set(container.id, container);
    this.#names.set(key, container.id);
    return container;
  }

  /** The container with this id, or undefined. */
  find(id: string): FakeContainer | undefined {
    return this.#byId.get(id);
  }

  /** The container with this id; NotFound otherwise. */
  get(id: string): FakeContainer {
    const container = this.#byId.get(id);
    if (!container) throw notFound("container", id);
    return container;
  }

  /** Removes the record and releases its name. */
  delete(id: string): void {
    this.#byId.delete(id);
    for (const [key, holder] of this.#names) {
      if (holder === id) this.#names.delete(key);
    }
  }

  /** All containers, in creation order. */
  all(): FakeContainer[] {
    return [...this.#byId.values()];
  }

  /** Containers of one sandbox. */
  inSandbox(podSandboxId: string): FakeContainer[] {
    return this.all().filter((c) => c.podSandboxId === podSandboxId);
  }

  /** Containers matching a CRI filter. */
  list(filter: ContainerFilter | null | undefined): FakeContainer[] {
    return this.all().filter((c) =>
      (!filter?.id || c.id === filter.id) &&
      (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) &&
      (!filter?.state || c.state === filter.state.state) &&
      matchesLabels(c.labels, filter?.labelSelector)
    );
  }
}

/** Marks a container RUNNING at `now` (nanoseconds). */
export function markStarted(c: FakeContainer, now: number): void {
  c.state = "CONTAINER_RUNNING";
  c.startedAt = now;
}

/** How a container exited, for {@linkcode markExited}. */
export interface ExitInfo {
  /** Nanoseconds since the epoch. */
  now: number;
  exitCode: number;
  /** @default "Completed" for exit code 0, else "Error" (containerd's reasons) */
  reason?: string;
  /** @default "" */
  message?: string;
}

/** Marks a container EXITED. */
export function markExited(c: FakeContainer, exit: ExitInfo): void {
  c.state = "CONTAINER_EXITED";
  c.finishedAt = exit.now;
  c.exitCode = exit.exitCode;
  c.reason = exit.reason ?? (exit.exitCode === 0 ? "Completed" : "Error");
  c.message = exit.message ?? "";
}

/** The ListContainers view of a container. */
export function toContainer(c: FakeContainer): Container {
  return {
    id: c.id,
    podSandboxId: c.podSandboxId,
    metadata: { ...c.metadata },
    // Like containerd: the image as configured and the image id as imageRef.
    image: { ...c.config.image },
    imageRef: c.imageId,
    state: c.state,
    createdAt: c.createdAt,
    labels: copyMap(c.labels),
    annotations: copyMap(c.annotations),
    imageId: c.imageId,
  };
}

/** The ContainerStatus view of a container. */
export function toContainerStatus(c: FakeContainer): ContainerStatus {
  return {
    id: c.id,
    metadata: { ...c.metadata },
    state: c.state,
    createdAt: c.createdAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    exitCode: c.exitCode,
    image: { ...c.image },
    imageRef: c.imageRef,
    reason: c.reason,
    message: c.message,
    labels: copyMap(c.labels),
    annotations: copyMap(c.annotations),
    mounts: c.mounts.map((m) => ({ ...m })),
    logPath: c.logPath,
    resources: c.resources ? { linux: { ...c.resources } } : null,
    imageId: c.imageId,
    user: { linux: { uid: 0, gid: 0, supplementalGroups: [] } },
  };
}
