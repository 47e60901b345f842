/**
 * Pod sandboxes of the fake runtime: records, name reservation, filters and
 * the CRI views (PodSandbox, PodSandboxStatus) of a record.
 *
 * @module
 */

import type {
  NamespaceOption,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxMetadata,
  PodSandboxState,
  PodSandboxStatus,
  StringMap,
} from "../types.ts";
import { copyMap, matchesLabels, notFound, randomId, RpcError } from "./_util.ts";
import { status } from "@grpc/grpc-js";

/** A sandbox as the fake runtime keeps it. */
export interface FakeSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
  /** Pod IP; empty for host-network sandboxes. */
  ip: string;
  namespaceOptions: NamespaceOption | null;
  logDirectory: string;
  config: PodSandboxConfig;
}

function reservationKey(m: PodSandboxMetadata): string {
  return `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
}

/** The fake runtime's sandboxes. */
export class SandboxStore {
  #byId = new Map<string, FakeSandbox>();
  #names = new Map<string, string>();
  #nextIp = 2;

  /** Adds a READY sandbox; fails like containerd when the name is reserved. */
  add(config: PodSandboxConfig, runtimeHandler: string, createdAt: number): FakeSandbox {
    const metadata = config.metadata;
    if (!metadata?.name || !metadata.uid || !metadata.namespace) {
      throw new RpcError(status.INVALID_ARGUMENT, "sandbox config must include metadata");
    }
    const key = reservationKey(metadata);
    const holder = this.#names.get(key);
    if (holder !== undefined) {
      throw new RpcError(
        status.UNKNOWN,
        `failed to reserve sandbox name "${key}": name "${key}" is reserved for "${holder}"`,
      );
    }
    const namespaceOptions = config.linux?.securityContext?.namespaceOptions ?? null;
    const hostNetwork = namespaceOptions?.network === "NODE";
    if (hostNetwork && config.hostname) {
      // runc refuses this; the fake does too so the agent's configs stay valid.
      throw new RpcError(
        status.UNKNOWN,
        "failed to start sandbox: unable to set hostname without a private UTS namespace",
      );
    }
    const id = randomId();
    const sandbox: FakeSandbox = {
      id,
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
      logDirectory: config.logDirectory ?? "",
      config,
    };
    this.#byId.set(id, sandbox);
    this.#names.set(key, id);
    return sandbox;
  }

  /** The sandbox with this id, or undefined. */
  find(id: string): FakeSandbox | undefined {
    return this.#byId.get(id);
  }

  /** The sandbox with this id; NotFound otherwise. */
  get(id: string): FakeSandbox {
    const sandbox = this.#byId.get(id);
    if (!sandbox) throw notFound("sandbox", id);
    return sandbox;
  }

  /** Removes the record and releases its name. */
  delete(id: string): void {
    const sandbox = this.#byId.get(id);
    if (!sandbox) return;
    this.#byId.delete(id);
    this.#names.delete(reservationKey(sandbox.metadata));
  }

  /** All sandboxes, in creation order. */
  all(): FakeSandbox[] {
    return [...this.#byId.values()];
  }

  /** Sandboxes matching a CRI filter. */
  list(filter: PodSandboxFilter | null | undefined): FakeSandbox[] {
    return this.all().filter((s) =>
      (!filter?.id || s.id === filter.id) &&
      (!filter?.state || s.state === filter.state.state) &&
      matchesLabels(s.labels, filter?.labelSelector)
    );
  }
}

/** The ListPodSandbox view of a sandbox. */
export function toPodSandbox(s: FakeSandbox): PodSandbox {
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

/** The PodSandboxStatus view of a sandbox. */
export function toPodSandboxStatus(s: FakeSandbox): PodSandboxStatus {
  return {
    ...toPodSandbox(s),
    network: { ip: s.ip, additionalIps: [] },
    linux: { namespaces: { options: s.namespaceOptions ? { ...s.namespaceOptions } : null } },
  };
}
