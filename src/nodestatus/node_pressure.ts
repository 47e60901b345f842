/**
 * Memory, disk and PID pressure as the kubelet's eviction manager decides
 * it for the node conditions (no pod is evicted here: denolet has no
 * eviction manager): a signal is under pressure while what is available is
 * below its hard threshold, and its condition stays under pressure until
 * `evictionPressureTransitionPeriod` (5 min) has passed since it was last
 * seen below, so a node hovering at the threshold does not flap.
 *
 * Signals: memory.available (/proc/meminfo MemAvailable against MemTotal),
 * nodefs.available and nodefs.inodesFree (the root directory's filesystem),
 * imagefs.available and imagefs.inodesFree (when the runtime's image
 * filesystem is given), pid.available (the task limit minus the running
 * tasks; the kubelet sets no default threshold for it). A signal that
 * cannot be read is not under pressure.
 *
 * @module
 */

import { type EvictionThreshold, thresholdAmount } from "./eviction_thresholds.ts";
import type { FsUsage, MachineInfo, MachineUsage } from "./machine_info.ts";

/** Which pressure conditions hold. */
export interface NodePressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

/** What pressure is observed from. */
export interface PressureInputs {
  machine: MachineInfo;
  usage: MachineUsage;
  /** The runtime's image filesystem, when known. */
  imageFs?: FsUsage;
}

type Condition = keyof NodePressure;

/** [available, capacity] of each signal, undefined when it cannot be read. */
function observe(signal: string, inputs: PressureInputs): [number, number] | undefined {
  const { machine, usage, imageFs } = inputs;
  switch (signal) {
    case "memory.available":
      return usage.memoryAvailableBytes === undefined || machine.memoryCapacityBytes === 0
        ? undefined
        : [usage.memoryAvailableBytes, machine.memoryCapacityBytes];
    case "nodefs.available":
      return usage.rootFs && [usage.rootFs.availableBytes, usage.rootFs.capacityBytes];
    case "nodefs.inodesFree":
      return usage.rootFs && usage.rootFs.inodes > 0
        ? [usage.rootFs.inodesFree, usage.rootFs.inodes]
        : undefined;
    case "imagefs.available":
      return imageFs && [imageFs.availableBytes, imageFs.capacityBytes];
    case "imagefs.inodesFree":
      return imageFs && imageFs.inodes > 0 ? [imageFs.inodesFree, imageFs.inodes] : undefined;
    case "pid.available":
      return usage.pids && [usage.pids.max - usage.pids.running, usage.pids.max];
    default:
      return undefined; // allocatableMemory.*, containerfs.*: not observed here
  }
}

function conditionOf(signal: string): Condition {
  if (signal.startsWith("memory.") || signal.startsWith("allocatableMemory.")) return "memory";
  if (signal.startsWith("pid.")) return "pid";
  return "disk";
}

/** Which conditions the thresholds say hold now (no transition period). */
export function thresholdsMet(
  thresholds: readonly EvictionThreshold[],
  inputs: PressureInputs,
): NodePressure {
  const met: NodePressure = { memory: false, disk: false, pid: false };
  for (const t of thresholds) {
    const seen = observe(t.signal, inputs);
    if (!seen) continue;
    const [available, capacity] = seen;
    if (BigInt(Math.trunc(available)) < thresholdAmount(t, capacity)) {
      met[conditionOf(t.signal)] = true;
    }
  }
  return met;
}

/** Options of {@linkcode PressureTracker}. */
export interface PressureTrackerOptions {
  /** `evictionPressureTransitionPeriod` in ms. @default 300_000 */
  transitionPeriodMs?: number;
}

/** The pressure conditions over time, held for the transition period. */
export class PressureTracker {
  #thresholds: readonly EvictionThreshold[];
  #periodMs: number;
  #lastMet: Partial<Record<Condition, number>> = {};

  constructor(thresholds: readonly EvictionThreshold[], options: PressureTrackerOptions = {}) {
    this.#thresholds = thresholds;
    this.#periodMs = options.transitionPeriodMs ?? 300_000;
  }

  /** The conditions at `now`: met now, or met less than the transition period ago. */
  observe(inputs: PressureInputs, now: number): NodePressure {
    const met = thresholdsMet(this.#thresholds, inputs);
    const out: NodePressure = { memory: false, disk: false, pid: false };
    for (const c of ["memory", "disk", "pid"] as const) {
      if (met[c]) this.#lastMet[c] = now;
      const last = this.#lastMet[c];
      out[c] = met[c] || (last !== undefined && now - last < this.#periodMs);
    }
    return out;
  }
}
