/**
 * Containers of the fake runtime: records, name reservation, filters, state
 * changes and the CRI views (Container, ContainerStatus) of a record.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { Container__Output } from "../generated/runtime/v1/Container.ts";
import type { ContainerConfig__Output } from "../generated/runtime/v1/ContainerConfig.ts";
import type { ContainerFilter__Output } from "../generated/runtime/v1/ContainerFilter.ts";
import type { ContainerMetadata__Output } from "../generated/runtime/v1/ContainerMetadata.ts";
import type { ContainerStatus__Output } from "../generated/runtime/v1/ContainerStatus.ts";
import type { ImageSpec__Output } from "../generated/runtime/v1/ImageSpec.ts";
import type { LinuxContainerResources__Output } from "../generated/runtime/v1/LinuxContainerResources.ts";
import type { Mount__Output } from "../generated/runtime/v1/Mount.ts";
import type { ContainerState, StringMap } from "../types.ts";
import type { FakeSandbox } from "./sandbox_store.ts";
import { listView } from "./_list_encoding.ts";
import { RecordStore } from "./_record_store.ts";
import { copyMap, matchesLabels, randomId, RpcError } from "./_util.ts";

/** A container as the fake runtime keeps it. */
export interface FakeContainer {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata__Output;
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
  image: ImageSpec__Output;
  /** First repo digest of the image, else its id. */
  imageRef: string;
  /** The image id (`sha256:...`). */
  imageId: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: Mount__Output[];
  /** Absolute log path (sandbox log directory + config.logPath), or "". */
  logPath: string;
  resources: LinuxContainerResources__Output | null;
  /** The CreateContainer config as decoded. */
  config: ContainerConfig__Output;
}

/** What the runtime service resolved the container's image to. */
export interface ResolvedImage {
  image: ImageSpec__Output;
  imageRef: string;
  imageId: string;
}

function reservationKey(c: ContainerMetadata__Output, s: FakeSandbox): string {
  const m = s.metadata;
  return `${c.name}_${m.name}_${m.namespace}_${m.uid}_${c.attempt}`;
}

function joinLogPath(dir: string, rel: string): string {
  if (!dir || !rel) return "";
  return dir.endsWith("/") ? `${dir}${rel}` : `${dir}/${rel}`;
}

/** The fake runtime's containers. */
export class ContainerStore extends RecordStore<FakeContainer> {
  constructor() {
    super("container");
  }

  /** Adds a CREATED container; fails like containerd when the name is reserved. */
  add(
    sandbox: FakeSandbox,
    config: ContainerConfig__Output,
    image: ResolvedImage,
    createdAt: number,
  ): FakeContainer {
    if (!config.metadata?.name) {
      throw new RpcError(status.INVALID_ARGUMENT, "container config must include metadata");
    }
    const key = reservationKey(config.metadata, sandbox);
    this.checkName(key);
    return this.insert({
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
      mounts: config.mounts.map((m) => ({ ...m })),
      logPath: joinLogPath(sandbox.logDirectory, config.logPath),
      resources: config.linux?.resources ?? null,
      config,
    }, key);
  }

  /** Pod sandbox id → its containers by id, in creation order. */
  #bySandbox = new Map<string, Map<string, FakeContainer>>();

  protected override insert(record: FakeContainer, name: string): FakeContainer {
    let group = this.#bySandbox.get(record.podSandboxId);
    if (!group) this.#bySandbox.set(record.podSandboxId, group = new Map());
    group.set(record.id, record);
    return super.insert(record, name);
  }

  override delete(id: string): void {
    const c = this.find(id);
    if (c) {
      const group = this.#bySandbox.get(c.podSandboxId);
      group?.delete(id);
      if (group?.size === 0) this.#bySandbox.delete(c.podSandboxId);
    }
    super.delete(id);
  }

  /** Containers of one sandbox. */
  inSandbox(podSandboxId: string): FakeContainer[] {
    return [...(this.#bySandbox.get(podSandboxId)?.values() ?? [])];
  }

  /** Containers matching a CRI filter. */
  list(filter: Partial<ContainerFilter__Output> | null | undefined): FakeContainer[] {
    const keep = (c: FakeContainer) =>
      (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) &&
      (!filter?.state || c.state === filter.state.state);
    if (filter?.podSandboxId && !filter.id) {
      return this.inSandbox(filter.podSandboxId).filter((c) =>
        keep(c) && matchesLabels(c.labels, filter.labelSelector)
      );
    }
    return this.select(filter?.id, filter?.labelSelector, keep);
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

/**
 * The ListContainers view of a container, for the reply only: it shares the
 * record's maps (serializing does not change them; copying 3,000 containers'
 * labels per relist showed in the profile).
 */
export function toContainer(c: FakeContainer): Container__Output {
  return {
    id: c.id,
    podSandboxId: c.podSandboxId,
    metadata: c.metadata,
    // Like containerd: the image as configured and the image id as imageRef.
    image: c.config.image,
    imageRef: c.imageId,
    state: c.state,
    createdAt: c.createdAt,
    labels: c.labels,
    annotations: c.annotations,
    imageId: c.imageId,
  };
}

const listViews = new WeakMap<FakeContainer, { key: unknown; view: Container__Output }>();

/**
 * {@linkcode toContainer}, frozen and the same object while the container's
 * state is (nothing else it shows changes), so the list reply's encoding of
 * it is cached (_list_encoding.ts).
 */
export function containerListView(c: FakeContainer): Container__Output {
  return listView(listViews, c, c.state, toContainer);
}

/** The ContainerStatus view of a container. */
export function toContainerStatus(c: FakeContainer): ContainerStatus__Output {
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
