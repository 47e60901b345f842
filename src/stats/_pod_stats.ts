/**
 * Pod and container CPU and memory of the summary from the runtime's
 * container stats (pure): containers grouped by their sandbox, the rate
 * filled from two samples when the runtime gives none, and pod totals
 * summed from the containers (the kubelet's fallback when there is no pod
 * cgroup to read).
 *
 * @module
 */

import type { RuntimeContainerStats } from "../container/runtime.ts";
import type { CpuUsageRates } from "./cpu_usage_rates.ts";
import type { ContainerStats, CpuStats, MemoryStats, PodStats, SwapStats } from "./types.ts";

/**
 * A container's CPU: the runtime's counter, and its `usageNanoCores` when
 * non-zero, else the rate between this sample and the kept one. Without a
 * CPU sample the kubelet reports zeros at `now`.
 */
export function containerCpu(
  s: RuntimeContainerStats,
  now: number,
  rates: CpuUsageRates,
): CpuStats {
  const cpu = s.cpu;
  if (!cpu) return { time: now, usageNanoCores: 0, usageCoreNanoSeconds: 0 };
  const out: CpuStats = { time: cpu.timestamp || now };
  const counter = cpu.usageCoreNanoSeconds;
  const computed = counter === undefined
    ? undefined
    : rates.update(s.id, { timestamp: cpu.timestamp || now, usageCoreNanoSeconds: counter });
  const nanoCores = cpu.usageNanoCores ? cpu.usageNanoCores : computed;
  if (nanoCores !== undefined) out.usageNanoCores = nanoCores;
  if (counter !== undefined) out.usageCoreNanoSeconds = counter;
  return out;
}

/**
 * A container's memory. `availableBytes` is left out when 0: runtimes
 * report 0 for a container without a memory limit, where the kubelet's API
 * says the field is absent. Without a sample the kubelet reports a zero
 * working set at `now`.
 */
export function containerMemory(s: RuntimeContainerStats, now: number): MemoryStats {
  const m = s.memory;
  if (!m) return { time: now, workingSetBytes: 0 };
  const out: MemoryStats = { time: m.timestamp || now };
  if (m.availableBytes) out.availableBytes = m.availableBytes;
  if (m.usageBytes !== undefined) out.usageBytes = m.usageBytes;
  if (m.workingSetBytes !== undefined) out.workingSetBytes = m.workingSetBytes;
  if (m.rssBytes !== undefined) out.rssBytes = m.rssBytes;
  if (m.pageFaults !== undefined) out.pageFaults = m.pageFaults;
  if (m.majorPageFaults !== undefined) out.majorPageFaults = m.majorPageFaults;
  return out;
}

function containerSwap(s: RuntimeContainerStats): SwapStats | undefined {
  const w = s.swap;
  if (!w) return undefined;
  const out: SwapStats = { time: w.timestamp };
  if (w.swapAvailableBytes !== undefined) out.swapAvailableBytes = w.swapAvailableBytes;
  if (w.swapUsageBytes !== undefined) out.swapUsageBytes = w.swapUsageBytes;
  return out;
}

/**
 * Adds the numeric fields of `parts` (a field is in the total when any
 * part has it); the time is the newest part's. Undefined without parts.
 */
function sum<T extends { time: number }>(parts: readonly (T | undefined)[]): T | undefined {
  const present = parts.filter((p): p is T => p !== undefined);
  if (present.length === 0) return undefined;
  const total: Record<string, number> = { time: Math.max(...present.map((p) => p.time)) };
  for (const p of present) {
    for (const [k, v] of Object.entries(p)) {
      if (k !== "time" && typeof v === "number") total[k] = (total[k] ?? 0) + v;
    }
  }
  return total as unknown as T;
}

/** Groups container stats by sandbox id, in the order first seen. */
export function groupBySandbox(
  stats: readonly RuntimeContainerStats[],
): Map<string, RuntimeContainerStats[]> {
  const groups = new Map<string, RuntimeContainerStats[]>();
  for (const s of stats) {
    const group = groups.get(s.pod.sandboxId);
    if (group) group.push(s);
    else groups.set(s.pod.sandboxId, [s]);
  }
  return groups;
}

/** One container's CPU, memory and swap entry. */
export function containerEntry(
  s: RuntimeContainerStats,
  now: number,
  rates: CpuUsageRates,
): ContainerStats {
  const entry: ContainerStats = {
    name: s.name,
    startTime: s.createdAt,
    cpu: containerCpu(s, now, rates),
    memory: containerMemory(s, now),
  };
  const swap = containerSwap(s);
  if (swap) entry.swap = swap;
  return entry;
}

/**
 * The CPU and memory part of one pod's stats from the containers of its
 * sandbox (`group` is not empty); containers sorted by name.
 */
export function podCpuAndMemory(
  group: readonly RuntimeContainerStats[],
  now: number,
  rates: CpuUsageRates,
): PodStats {
  const { uid, name, namespace, createdAt } = group[0].pod;
  const containers = group.map((s) => containerEntry(s, now, rates))
    .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const pod: PodStats = { podRef: { name, namespace, uid }, startTime: createdAt, containers };
  const cpu = sum(containers.map((c) => c.cpu));
  const memory = sum(containers.map((c) => c.memory));
  const swap = sum(containers.map((c) => c.swap));
  if (cpu) pod.cpu = cpu;
  if (memory) pod.memory = memory;
  if (swap) pod.swap = swap;
  return pod;
}
