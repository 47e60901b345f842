/**
 * The v1 Node the agent registers and the status fields it keeps up to date,
 * built as the kubelet builds them (kubelet_node_status.go `initialNode` and
 * the nodestatus setters): labels, taints (at registration only), addresses,
 * capacity, allocatable, nodeInfo and the kubelet endpoint. Pure: machine
 * facts and configuration in, API objects out. Conditions are
 * node_conditions.ts's.
 *
 * Quantities are printed as the kubelet prints them: cpu in cores or
 * millicores (`2`, `1900m`), memory and ephemeral-storage as BinarySI
 * (`16331456Ki`; a byte count that is not a multiple of 1024 prints plain).
 *
 * @module
 */

import type {
  Node,
  NodeAddress,
  NodeStatus,
  NodeSystemInfo,
  Taint,
} from "kubernetes-types/core/v1.d.ts";
import { parseQuantity, Quantity } from "../api/quantity.ts";
import {
  DEFAULT_EVICTION_HARD,
  type EvictionThreshold,
  parseEvictionThresholds,
  thresholdAmount,
  thresholdFor,
} from "./eviction_thresholds.ts";
import type { MachineInfo, MachineUsage } from "./machine_info.ts";

export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_OS = "kubernetes.io/os";
export const LABEL_ARCH = "kubernetes.io/arch";
/** Still set by the kubelet next to the GA labels. */
export const LEGACY_LABEL_OS = "beta.kubernetes.io/os";
export const LEGACY_LABEL_ARCH = "beta.kubernetes.io/arch";
/** The annotation that lets the attach/detach controller manage this node's volumes. */
export const ANNOTATION_CONTROLLER_MANAGED_ATTACH =
  "volumes.kubernetes.io/controller-managed-attach-detach";

/** A parsed resource list (`kubeReserved`, `systemReserved`, capacity). */
export type Resources = Record<string, Quantity>;

/** The configuration the Node is built from. */
export interface NodeObjectConfig {
  /** metadata.name. */
  nodeName: string;
  /** The `kubernetes.io/hostname` label and the Hostname address. */
  hostname: string;
  /** `--node-labels`; they win over the defaults. @default {} */
  nodeLabels?: Readonly<Record<string, string>>;
  /** `--register-with-taints`: in the create body only. @default [] */
  registerWithTaints?: readonly Taint[];
  /** `--node-ip` (one, or an IPv4,IPv6 pair); empty means the host IP. @default [] */
  nodeIPs?: readonly string[];
  /** `--max-pods`: capacity and allocatable `pods`. */
  maxPods: number;
  /** `kubeReserved`, parsed (see {@linkcode parseResources}). @default {} */
  kubeReserved?: Readonly<Resources>;
  /** `systemReserved`, parsed. @default {} */
  systemReserved?: Readonly<Resources>;
  /** Hard eviction thresholds, parsed; memory.available and nodefs.available are reserved. @default [] */
  evictionHard?: readonly EvictionThreshold[];
  /** nodeInfo.kubeletVersion. */
  kubeletVersion: string;
  /** daemonEndpoints.kubeletEndpoint.Port. @default 10250 */
  kubeletPort?: number;
}

/** The Node's configuration as the options give it (quantities and thresholds as text). */
export interface NodeSettings
  extends Omit<NodeObjectConfig, "kubeReserved" | "systemReserved" | "evictionHard"> {
  /** `kubeReserved` (`--kube-reserved`). @default {} */
  kubeReserved?: Readonly<Record<string, string>>;
  /** `systemReserved` (`--system-reserved`). @default {} */
  systemReserved?: Readonly<Record<string, string>>;
  /** `evictionHard` (`--eviction-hard`). @default DEFAULT_EVICTION_HARD */
  evictionHard?: Readonly<Record<string, string>>;
}

/**
 * The {@linkcode NodeObjectConfig} of `settings`: reserved resources and
 * eviction thresholds parsed.
 *
 * @throws {RangeError} naming the first entry that does not parse.
 */
export function nodeObjectConfig(settings: NodeSettings): NodeObjectConfig {
  return {
    ...settings,
    kubeReserved: parseResources("kubeReserved", settings.kubeReserved ?? {}),
    systemReserved: parseResources("systemReserved", settings.systemReserved ?? {}),
    evictionHard: parseEvictionThresholds(settings.evictionHard ?? DEFAULT_EVICTION_HARD),
  };
}

/** The runtime's answer to CRI Version, as far as the node needs it. */
export interface RuntimeVersionInfo {
  runtimeName: string;
  runtimeVersion: string;
}

/**
 * Parses a resource list such as `kubeReserved` (`{cpu: "100m", memory: "1Gi"}`).
 *
 * @throws {RangeError} naming `what` and the entry that is not a quantity or is negative.
 */
export function parseResources(what: string, list: Readonly<Record<string, string>>): Resources {
  const out: Resources = {};
  for (const [name, text] of Object.entries(list)) {
    let q: Quantity;
    try {
      q = parseQuantity(text);
    } catch (err) {
      throw new RangeError(
        `Cannot parse ${what} '${name}: ${text}': ${err instanceof Error ? err.message : err}`,
      );
    }
    if (q.sign() < 0) throw new RangeError(`Cannot parse ${what} '${name}: ${text}': is negative`);
    out[name] = q;
  }
  return out;
}

/** The labels the agent owns: the kubelet's defaults, then `--node-labels` over them. */
export function nodeLabels(config: NodeObjectConfig, machine: MachineInfo): Record<string, string> {
  return {
    [LABEL_ARCH]: machine.architecture,
    [LABEL_HOSTNAME]: config.hostname,
    [LABEL_OS]: machine.operatingSystem,
    [LEGACY_LABEL_ARCH]: machine.architecture,
    [LEGACY_LABEL_OS]: machine.operatingSystem,
    ...config.nodeLabels,
  };
}

function isIP(text: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return text.split(".").every((p) => Number(p) <= 255);
  return text.includes(":") && /^[0-9a-fA-F:.]+$/.test(text);
}

/**
 * status.addresses: an InternalIP for each `--node-ip` (unspecified ones,
 * `0.0.0.0` and `::`, do not count), else the hostname when it is an IP,
 * else `hostIP`; then the Hostname.
 */
export function nodeAddresses(
  nodeIPs: readonly string[],
  hostname: string,
  hostIP: string,
): NodeAddress[] {
  const given = nodeIPs.map((ip) => ip.trim()).filter((ip) =>
    ip !== "" && ip !== "0.0.0.0" && ip !== "::"
  );
  const internal = given.length > 0 ? given : [isIP(hostname) ? hostname : hostIP];
  return [
    ...internal.map((address) => ({ type: "InternalIP", address })),
    { type: "Hostname", address: hostname },
  ];
}

/**
 * status.capacity: cpu (the cores), ephemeral-storage (the root directory's
 * filesystem, left out while unknown), memory (MemTotal) and pods
 * (`maxPods`), in key order.
 */
export function nodeCapacity(
  machine: MachineInfo,
  usage: MachineUsage,
  maxPods: number,
): Resources {
  const out: Resources = { cpu: Quantity.fromMilli(BigInt(machine.numCores) * 1000n) };
  if (usage.rootFs) {
    out["ephemeral-storage"] = Quantity.fromValue(BigInt(usage.rootFs.capacityBytes), "BinarySI");
  }
  out.memory = Quantity.fromValue(BigInt(machine.memoryCapacityBytes), "BinarySI");
  out.pods = Quantity.fromValue(BigInt(maxPods));
  return out;
}

/**
 * What is held back from each capacity (the kubelet's
 * GetNodeAllocatableReservation): kubeReserved + systemReserved, plus the
 * memory.available threshold on memory and the nodefs.available threshold
 * on ephemeral-storage (a percentage is of that capacity).
 */
export function allocatableReservation(config: NodeObjectConfig, capacity: Resources): Resources {
  const out: Resources = {};
  const add = (name: string, q: Quantity) => {
    out[name] = out[name] ? out[name].add(q) : q;
  };
  for (const [name, q] of Object.entries(config.kubeReserved ?? {})) add(name, q);
  for (const [name, q] of Object.entries(config.systemReserved ?? {})) add(name, q);
  const eviction: [string, "memory.available" | "nodefs.available"][] = [
    ["memory", "memory.available"],
    ["ephemeral-storage", "nodefs.available"],
  ];
  for (const [resource, signal] of eviction) {
    const t = thresholdFor(config.evictionHard ?? [], signal);
    const cap = capacity[resource];
    if (!t || !cap) continue;
    add(resource, Quantity.fromValue(thresholdAmount(t, Number(cap.value())), "BinarySI"));
  }
  return out;
}

/** status.allocatable: each capacity minus its reservation, never below zero. */
export function nodeAllocatable(capacity: Resources, reservation: Resources): Resources {
  const out: Resources = {};
  for (const [name, cap] of Object.entries(capacity)) {
    const left = reservation[name] ? cap.sub(reservation[name]) : cap;
    out[name] = left.sign() < 0 ? new Quantity(0n, cap.format) : left;
  }
  return out;
}

/** `containerd://1.6.20` from the CRI Version answer; "" while the runtime has not answered. */
export function containerRuntimeVersion(v: RuntimeVersionInfo | undefined): string {
  return v ? `${v.runtimeName}://${v.runtimeVersion}` : "";
}

/** status.nodeInfo. kubeProxyVersion is "" (the kubelet no longer reports one). */
export function nodeSystemInfo(
  machine: MachineInfo,
  runtime: RuntimeVersionInfo | undefined,
  kubeletVersion: string,
): NodeSystemInfo {
  return {
    architecture: machine.architecture,
    bootID: machine.bootID,
    containerRuntimeVersion: containerRuntimeVersion(runtime),
    kernelVersion: machine.kernelVersion,
    kubeProxyVersion: "",
    kubeletVersion,
    machineID: machine.machineID,
    operatingSystem: machine.operatingSystem,
    osImage: machine.osImage,
    systemUUID: machine.systemUUID,
  };
}

function printed(list: Resources): Record<string, string> {
  return Object.fromEntries(Object.entries(list).map(([k, q]) => [k, q.toString()]));
}

/** What one status is built from. */
export interface NodeStatusInputs {
  machine: MachineInfo;
  usage: MachineUsage;
  /** The default route's IP (used when no `--node-ip` is given and the hostname is no IP). */
  hostIP: string;
  runtime?: RuntimeVersionInfo;
}

/** The status fields but conditions: addresses, capacity, allocatable, nodeInfo, daemonEndpoints. */
export function nodeStatusFields(config: NodeObjectConfig, inputs: NodeStatusInputs): NodeStatus {
  const capacity = nodeCapacity(inputs.machine, inputs.usage, config.maxPods);
  const allocatable = nodeAllocatable(capacity, allocatableReservation(config, capacity));
  return {
    addresses: nodeAddresses(config.nodeIPs ?? [], config.hostname, inputs.hostIP),
    allocatable: printed(allocatable),
    capacity: printed(capacity),
    daemonEndpoints: { kubeletEndpoint: { Port: config.kubeletPort ?? 10250 } },
    nodeInfo: nodeSystemInfo(inputs.machine, inputs.runtime, config.kubeletVersion),
  };
}

/**
 * The Node to create: name, labels, the controller-managed attach/detach
 * annotation, `registerWithTaints` (a node cannot change its own taints
 * later) and `status` as given.
 */
export function initialNode(
  config: NodeObjectConfig,
  machine: MachineInfo,
  status: NodeStatus,
): Node {
  const node: Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: config.nodeName,
      labels: nodeLabels(config, machine),
      annotations: { [ANNOTATION_CONTROLLER_MANAGED_ATTACH]: "true" },
    },
    spec: {},
    status,
  };
  const taints = config.registerWithTaints ?? [];
  if (taints.length > 0) node.spec = { taints: taints.map((t) => ({ ...t })) };
  return node;
}
