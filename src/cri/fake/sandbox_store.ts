/**
 * Pod sandboxes of the fake runtime: records, name reservation, filters and
 * the CRI views (PodSandbox, PodSandboxStatus) of a record.
 *
 * @module
 */

import type { NamespaceOption__Output } from "../generated/runtime/v1/NamespaceOption.ts";
import type { PodSandbox__Output } from "../generated/runtime/v1/PodSandbox.ts";
import type { PodSandboxConfig__Output } from "../generated/runtime/v1/PodSandboxConfig.ts";
import type { PodSandboxFilter__Output } from "../generated/runtime/v1/PodSandboxFilter.ts";
import type { PodSandboxMetadata__Output } from "../generated/runtime/v1/PodSandboxMetadata.ts";
import type { PodSandboxStatus__Output } from "../generated/runtime/v1/PodSandboxStatus.ts";
import type { PodSandboxState, StringMap } from "../types.ts";
import { listView } from "./_list_encoding.ts";
import { RecordStore } from "./_record_store.ts";
import { copyMap, randomId, RpcError } from "./_util.ts";
import { status } from "@grpc/grpc-js";

/** A sandbox as the fake runtime keeps it. */
export interface FakeSandbox {
  id: string;
  metadata: PodSandboxMetadata__Output;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
  /** Pod IP; empty for host-network sandboxes. */
  ip: string;
  namespaceOptions: NamespaceOption__Output | null;
  logDirectory: string;
  /** The RunPodSandbox config as decoded. */
  config: PodSandboxConfig__Output;
}

function reservationKey(m: PodSandboxMetadata__Output): string {
  return `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
}

/** The fake runtime's sandboxes. */
export class SandboxStore extends RecordStore<FakeSandbox> {
  #nextIp = 2;

  constructor() {
    super("sandbox");
  }

  /** Adds a READY sandbox; fails like containerd when the name is reserved. */
  add(config: PodSandboxConfig__Output, runtimeHandler: string, createdAt: number): FakeSandbox {
    const metadata = config.metadata;
    if (!metadata?.name || !metadata.uid || !metadata.namespace) {
      throw new RpcError(status.INVALID_ARGUMENT, "sandbox config must include metadata");
    }
    const key = reservationKey(metadata);
    this.checkName(key);
    const namespaceOptions = config.linux?.securityContext?.namespaceOptions ?? null;
    const hostNetwork = namespaceOptions?.network === "NODE";
    if (hostNetwork && config.hostname) {
      // runc refuses this; the fake does too so the agent's configs stay valid.
      throw new RpcError(
        status.UNKNOWN,
        "failed to start sandbox: unable to set hostname without a private UTS namespace",
      );
    }
    return this.insert({
      id: randomId(),
      metadata: { ...metadata },
      state: "SANDBOX_READY",
      createdAt,
      labels: copyMap(config.labels),
      annotations: copyMap(config.annotations),
      runtimeHandler,
      ip: hostNetwork
        ? ""
        : `10.88.${Math.floor(this.#nextIp / 254)}.${(this.#nextIp++ % 254) + 1}`,
      namespaceOptions,
      logDirectory: config.logDirectory,
      config,
    }, key);
  }

  /** Sandboxes matching a CRI filter. */
  list(filter: Partial<PodSandboxFilter__Output> | null | undefined): FakeSandbox[] {
    return this.select(
      filter?.id,
      filter?.labelSelector,
      (s) => !filter?.state || s.state === filter.state.state,
    );
  }
}

/** The ListPodSandbox view of a sandbox. */
export function toPodSandbox(s: FakeSandbox): PodSandbox__Output {
  return {
    id: s.id,
    metadata: { ...s.metadata },
    state: s.state,
    createdAt: s.createdAt,
    labels: copyMap(s.labels),
    annotations: copyMap(s.annotations),
    runtimeHandler: s.runtimeHandler,
  };
}

const listViews = new WeakMap<FakeSandbox, { key: unknown; view: PodSandbox__Output }>();

/**
 * {@linkcode toPodSandbox}, frozen and the same object while the sandbox's
 * state is, so the list reply's encoding of it is cached (_list_encoding.ts).
 */
export function podSandboxListView(s: FakeSandbox): PodSandbox__Output {
  return listView(listViews, s, s.state, toPodSandbox);
}

/** The PodSandboxStatus view of a sandbox. */
export function toPodSandboxStatus(s: FakeSandbox): PodSandboxStatus__Output {
  return {
    ...toPodSandbox(s),
    network: { ip: s.ip, additionalIps: [] },
    linux: { namespaces: { options: s.namespaceOptions ? { ...s.namespaceOptions } : null } },
  };
}
