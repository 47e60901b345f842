/**
 * One node status at a time, as the kubelet's setters build it before each
 * update: the machine's usage, the host IP, the runtime version (the last
 * good answer is kept when the call fails), the fields of node_object.ts,
 * and the conditions of node_conditions.ts against the ones built before
 * (or adopted from the existing node), with the pressure of node_pressure.ts.
 * The condition events go to `recordEvent` as the kubelet words them
 * ("Node n1 status is now: NodeReady"). Never throws for a failed read.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { NodeCondition, NodeStatus } from "kubernetes-types/core/v1.d.ts";
import type { RecordEvent } from "../container/events.ts";
import { errText } from "../util/err_text.ts";
import type { Logger } from "../util/logger.ts";
import type { FsUsage, MachineInfo, MachineUsage } from "./machine_info.ts";
import { KUBELET_CONDITION_TYPES, updateNodeConditions } from "./node_conditions.ts";
import { type NodeObjectConfig, nodeStatusFields, type RuntimeVersionInfo } from "./node_object.ts";
import { PressureTracker } from "./node_pressure.ts";

/** The readiness inputs (src/kubelet/runtime_state.ts's RuntimeState has them). */
export interface NodeReadiness {
  /** Runtime errors, including failed health checks (PLEG). */
  runtimeErrors(now: number): string[];
  networkErrors(): string[];
}

/** What changes on the machine, read for each status (MachineInfoReader has it). */
export interface MachineSource {
  usage(): Promise<MachineUsage>;
  /** The default route's IPv4 address. */
  hostIP(): Promise<string>;
}

/** Options of {@linkcode NodeStatusBuilder}. */
export interface NodeStatusBuilderOptions {
  /** The Node's configuration (see nodeObjectConfig in node_object.ts). */
  config: NodeObjectConfig;
  /** Read once at start (MachineInfoReader.machineInfo). */
  machineInfo: MachineInfo;
  machine: MachineSource;
  readiness: NodeReadiness;
  /** The CRI Version call; the last good answer is kept when it fails. @default none ("") */
  runtimeVersion?: () => Promise<RuntimeVersionInfo>;
  /** The runtime's image filesystem, for the imagefs eviction signals. @default none */
  imageFs?: () => Promise<FsUsage | undefined>;
  /** How long a pressure condition outlasts its cause. @default 300_000 */
  evictionPressureTransitionPeriodMs?: number;
  /** Where the condition events go. @default none */
  recordEvent?: RecordEvent;
  logger: Logger;
}

/** Builds the node's status, keeping its conditions between builds. */
export class NodeStatusBuilder {
  #o: NodeStatusBuilderOptions;
  #pressure: PressureTracker;
  #conditions: NodeCondition[] = [];
  #runtime?: RuntimeVersionInfo;
  #rootFs?: FsUsage;

  constructor(options: NodeStatusBuilderOptions) {
    this.#o = options;
    this.#pressure = new PressureTracker(options.config.evictionHard ?? [], {
      transitionPeriodMs: options.evictionPressureTransitionPeriodMs,
    });
  }

  /**
   * Takes the kubelet-owned conditions of an existing node as the previous
   * ones, so their transition times survive a restart.
   */
  adoptConditions(conditions: readonly NodeCondition[]): void {
    const ours = new Set<string>(KUBELET_CONDITION_TYPES);
    const theirs = conditions.filter((c) => ours.has(c.type));
    if (theirs.length > 0) this.#conditions = structuredClone(theirs);
  }

  /** The full status at `now`; the new conditions become the previous ones, their events are recorded. */
  async build(now: number): Promise<NodeStatus> {
    const o = this.#o;
    const name = o.config.nodeName;
    let usage: MachineUsage = {};
    try {
      usage = await o.machine.usage();
    } catch (err) {
      o.logger.debug(2, "Cannot read machine usage", { err: errText(err) });
    }
    // The filesystem's size stays known through a failed statfs (capacity must not vanish).
    if (usage.rootFs) this.#rootFs = usage.rootFs;
    else if (this.#rootFs) usage = { ...usage, rootFs: this.#rootFs };
    let hostIP = "";
    if ((o.config.nodeIPs ?? []).length === 0) {
      hostIP = await o.machine.hostIP().catch(() => "127.0.0.1");
    }
    if (o.runtimeVersion) {
      try {
        this.#runtime = await o.runtimeVersion();
      } catch (err) {
        o.logger.debug(2, "Cannot get the runtime version", { err: errText(err) });
      }
    }
    const imageFs = await o.imageFs?.().catch(() => undefined);
    const fields = nodeStatusFields(o.config, {
      machine: o.machineInfo,
      usage,
      hostIP,
      runtime: this.#runtime,
    });
    const { conditions, events } = updateNodeConditions(this.#conditions, {
      readinessErrors: [...o.readiness.runtimeErrors(now), ...o.readiness.networkErrors()],
      pressure: this.#pressure.observe({ machine: o.machineInfo, usage, imageFs }, now),
      capacity: fields.capacity ?? {},
    }, now);
    this.#conditions = conditions;
    for (const reason of events) {
      if (reason === "NodeNotReady") {
        o.logger.info("Node became not ready", {
          node: name,
          condition: conditions[conditions.length - 1],
        });
      }
      o.recordEvent?.({ type: "Normal", reason, message: `Node ${name} status is now: ${reason}` });
    }
    return { ...fields, conditions: structuredClone(conditions) };
  }
}
