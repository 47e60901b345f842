/**
 * Container stats on the CRI, the way the kubelet's CRI stats provider
 * gathers them with `PodAndContainerStatsFromCRI` off: ListContainerStats
 * joined to ListContainers and ListPodSandbox. Only running containers
 * count, and of the sandboxes of one pod name only the ready ones (or the
 * newest when none is ready); a stats entry whose container or sandbox is
 * not kept is dropped, and a kept container without a stats entry is left
 * out. Pod-level CPU and memory are summed from the containers by the
 * summary: ListPodSandboxStats is not asked, because containerd 1.6 answers
 * it with an error for sandboxes without a cgroup parent (the agent's
 * default) and the kubelet asks it only behind an alpha gate.
 *
 * @module
 */

import type {
  CpuSample,
  MemorySample,
  RuntimeContainerStats,
  SwapSample,
  WritableLayerSample,
} from "../container/runtime.ts";
import type { Container, ContainerStats, PodSandbox } from "../cri/types.ts";
import type { RuntimeService } from "../cri/service.ts";

type Value = { value: number } | null | undefined;

function value(v: Value): number | undefined {
  return v ? v.value : undefined;
}

/** Nanoseconds since the epoch to (fractional) milliseconds. */
function ms(ns: number): number {
  return ns > 0 ? ns / 1e6 : 0;
}

/** Of the sandboxes sharing a pod name and namespace: the ready ones, else the newest. */
function keptSandboxes(sandboxes: readonly PodSandbox[]): Map<string, PodSandbox> {
  const byPod = new Map<string, PodSandbox[]>();
  for (const s of [...sandboxes].sort((a, b) => a.createdAt - b.createdAt)) {
    const key = `${s.metadata?.namespace ?? ""}/${s.metadata?.name ?? ""}`;
    byPod.set(key, [...(byPod.get(key) ?? []), s]);
  }
  const kept = new Map<string, PodSandbox>();
  for (const group of byPod.values()) {
    const ready = group.filter((s) => s.state === "SANDBOX_READY");
    const keep = group.length === 1 ? group : ready.length > 0 ? ready : [group.at(-1)!];
    for (const s of keep) kept.set(s.id, s);
  }
  return kept;
}

function cpuOf(s: ContainerStats): CpuSample | undefined {
  if (!s.cpu) return undefined;
  return {
    timestamp: ms(s.cpu.timestamp),
    usageCoreNanoSeconds: value(s.cpu.usageCoreNanoSeconds),
    usageNanoCores: value(s.cpu.usageNanoCores),
  };
}

function memoryOf(s: ContainerStats): MemorySample | undefined {
  const m = s.memory;
  if (!m) return undefined;
  return {
    timestamp: ms(m.timestamp),
    workingSetBytes: value(m.workingSetBytes),
    availableBytes: value(m.availableBytes),
    usageBytes: value(m.usageBytes),
    rssBytes: value(m.rssBytes),
    pageFaults: value(m.pageFaults),
    majorPageFaults: value(m.majorPageFaults),
  };
}

function writableLayerOf(s: ContainerStats): WritableLayerSample | undefined {
  const w = s.writableLayer;
  if (!w) return undefined;
  return {
    timestamp: ms(w.timestamp),
    mountpoint: w.fsId?.mountpoint ?? "",
    usedBytes: value(w.usedBytes),
    inodesUsed: value(w.inodesUsed),
  };
}

function swapOf(s: ContainerStats): SwapSample | undefined {
  if (!s.swap) return undefined;
  return {
    timestamp: ms(s.swap.timestamp),
    swapAvailableBytes: value(s.swap.swapAvailableBytes),
    swapUsageBytes: value(s.swap.swapUsageBytes),
  };
}

/**
 * Joins CRI stats to their containers and sandboxes (pure). The result
 * follows the order of `stats`.
 */
export function joinContainerStats(
  sandboxes: readonly PodSandbox[],
  containers: readonly Container[],
  stats: readonly ContainerStats[],
): RuntimeContainerStats[] {
  const pods = keptSandboxes(sandboxes);
  const running = new Map(
    containers.filter((c) => c.state === "CONTAINER_RUNNING").map((c) => [c.id, c]),
  );
  const out: RuntimeContainerStats[] = [];
  for (const s of stats) {
    const id = s.attributes?.id;
    const container = id ? running.get(id) : undefined;
    const sandbox = container ? pods.get(container.podSandboxId) : undefined;
    if (!container || !sandbox) continue;
    out.push({
      id: container.id,
      name: s.attributes?.metadata?.name || container.metadata?.name || "",
      createdAt: ms(container.createdAt),
      pod: {
        sandboxId: sandbox.id,
        uid: sandbox.metadata?.uid ?? "",
        name: sandbox.metadata?.name ?? "",
        namespace: sandbox.metadata?.namespace ?? "",
        createdAt: ms(sandbox.createdAt),
      },
      cpu: cpuOf(s),
      memory: memoryOf(s),
      writableLayer: writableLayerOf(s),
      swap: swapOf(s),
    });
  }
  return out;
}

/** Lists and joins the stats of every running container (three CRI list calls). */
export async function listContainerStats(
  runtime: Pick<RuntimeService, "listPodSandbox" | "listContainers" | "listContainerStats">,
): Promise<RuntimeContainerStats[]> {
  const [sandboxes, containers, stats] = await Promise.all([
    runtime.listPodSandbox({}),
    runtime.listContainers({}),
    runtime.listContainerStats({}),
  ]);
  return joinContainerStats(sandboxes, containers, stats);
}
