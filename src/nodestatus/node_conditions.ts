/**
 * The node conditions the kubelet owns, computed as its status setters do:
 * MemoryPressure, DiskPressure, PIDPressure and Ready (last, as the kubelet
 * keeps it). `lastHeartbeatTime` is the time of each status;
 * `lastTransitionTime` stays until the condition's status flips. The events
 * the kubelet records come with the result: NodeHasSufficientMemory /
 * NodeHasInsufficientMemory (and the disk and PID ones) when a pressure
 * condition is new or flips, NodeReady / NodeNotReady when Ready flips (not
 * when it is first set). Pure: the previous conditions, the inputs and the
 * time in; the new conditions out.
 *
 * Times are milliseconds since the Unix epoch; conditions carry RFC 3339
 * seconds, as metav1.Time prints them.
 *
 * @module
 */

import type { NodeCondition } from "kubernetes-types/core/v1.d.ts";
import { formatAggregate } from "../kubelet/runtime_state.ts";
import type { NodePressure } from "./node_pressure.ts";

/** The reasons of the events the kubelet records about its node's conditions. */
export type NodeConditionEvent =
  | "NodeReady"
  | "NodeNotReady"
  | "NodeHasSufficientMemory"
  | "NodeHasInsufficientMemory"
  | "NodeHasNoDiskPressure"
  | "NodeHasDiskPressure"
  | "NodeHasSufficientPID"
  | "NodeHasInsufficientPID";

/** What the conditions are computed from. */
export interface ConditionInputs {
  /**
   * Why the node is not ready, in order: the runtime errors (with the
   * failed health checks such as the PLEG's), the network errors, any other.
   * Empty when it is ready.
   */
  readinessErrors: readonly string[];
  /** The pressure conditions that hold. */
  pressure: NodePressure;
  /** The capacity the status reports (its keys are checked: cpu, memory, pods, ephemeral-storage). */
  capacity: Readonly<Record<string, unknown>>;
}

/** The conditions and the events their changes call for. */
export interface ConditionsUpdate {
  conditions: NodeCondition[];
  events: NodeConditionEvent[];
}

/** The condition types this module owns, in the order the kubelet lists them. */
export const KUBELET_CONDITION_TYPES = [
  "MemoryPressure",
  "DiskPressure",
  "PIDPressure",
  "Ready",
] as const;

/** The capacities a node must report to be Ready. */
const REQUIRED_CAPACITIES = ["cpu", "memory", "pods", "ephemeral-storage"];

/** A time as metav1.Time marshals it: RFC 3339, whole seconds, UTC. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

interface PressureWords {
  type: "MemoryPressure" | "DiskPressure" | "PIDPressure";
  on: [reason: string, message: string, event: NodeConditionEvent];
  off: [reason: string, message: string, event: NodeConditionEvent];
}

const PRESSURE: Record<keyof NodePressure, PressureWords> = {
  memory: {
    type: "MemoryPressure",
    on: [
      "KubeletHasInsufficientMemory",
      "kubelet has insufficient memory available",
      "NodeHasInsufficientMemory",
    ],
    off: [
      "KubeletHasSufficientMemory",
      "kubelet has sufficient memory available",
      "NodeHasSufficientMemory",
    ],
  },
  disk: {
    type: "DiskPressure",
    on: ["KubeletHasDiskPressure", "kubelet has disk pressure", "NodeHasDiskPressure"],
    off: ["KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"],
  },
  pid: {
    type: "PIDPressure",
    on: [
      "KubeletHasInsufficientPID",
      "kubelet has insufficient PID available",
      "NodeHasInsufficientPID",
    ],
    off: [
      "KubeletHasSufficientPID",
      "kubelet has sufficient PID available",
      "NodeHasSufficientPID",
    ],
  },
};

/**
 * The Ready condition's message when not ready: the errors and any missing
 * capacity, each once, as Go's aggregate error prints them (`a` or `[a, b]`).
 */
export function notReadyMessage(
  errors: readonly string[],
  capacity: Readonly<Record<string, unknown>>,
): string {
  const all = [...errors];
  const missing = REQUIRED_CAPACITIES.filter((r) => !(r in capacity));
  if (missing.length > 0) all.push(`missing node capacity for resources: ${missing.join(", ")}`);
  return formatAggregate([...new Set(all)]);
}

/**
 * The kubelet's four conditions at `now`, from the `previous` ones (the
 * node's, or the last computed; others' condition types are ignored).
 */
export function updateNodeConditions(
  previous: readonly NodeCondition[],
  inputs: ConditionInputs,
  now: number,
): ConditionsUpdate {
  const time = rfc3339(now);
  const events: NodeConditionEvent[] = [];
  const conditions: NodeCondition[] = [];
  const find = (type: string) => previous.find((c) => c.type === type);
  for (const key of ["memory", "disk", "pid"] as const) {
    const words = PRESSURE[key];
    const old = find(words.type);
    const status = inputs.pressure[key] ? "True" : "False";
    const [reason, message, event] = inputs.pressure[key] ? words.on : words.off;
    const same = old !== undefined && old.status === status;
    conditions.push({
      type: words.type,
      status,
      lastHeartbeatTime: time,
      lastTransitionTime: same ? old.lastTransitionTime ?? time : time,
      reason,
      message,
    });
    if (!same) events.push(event);
  }
  const message = notReadyMessage(inputs.readinessErrors, inputs.capacity);
  const ready = message === "";
  const status = ready ? "True" : "False";
  const old = find("Ready");
  conditions.push({
    type: "Ready",
    status,
    lastHeartbeatTime: time,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime ?? time : time,
    reason: ready ? "KubeletReady" : "KubeletNotReady",
    message: ready ? "kubelet is posting ready status" : message,
  });
  if (old && old.status !== status) events.push(ready ? "NodeReady" : "NodeNotReady");
  return { conditions, events };
}

/** Conditions without their heartbeat times, for telling a real change from a heartbeat. */
export function withoutHeartbeats(conditions: readonly NodeCondition[]): NodeCondition[] {
  return conditions.map(({ lastHeartbeatTime: _, ...rest }) => rest as NodeCondition);
}
