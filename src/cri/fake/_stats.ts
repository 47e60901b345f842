/**
 * Zero-valued resource stats for the fake runtime's stats RPCs: the shapes
 * are complete so consumers can read every field.
 *
 * @module
 */

import type { ContainerStats__Output } from "../generated/runtime/v1/ContainerStats.ts";
import type { PodSandboxStats__Output } from "../generated/runtime/v1/PodSandboxStats.ts";
import type { FakeContainer } from "./container_store.ts";
import type { FakeSandbox } from "./sandbox_store.ts";
import { copyMap } from "./_util.ts";

const zero = () => ({ value: 0 });

function cpu(timestamp: number) {
  return { timestamp, usageCoreNanoSeconds: zero(), usageNanoCores: zero() };
}

function memory(timestamp: number) {
  return {
    timestamp,
    workingSetBytes: zero(),
    availableBytes: zero(),
    usageBytes: zero(),
    rssBytes: zero(),
    pageFaults: zero(),
    majorPageFaults: zero(),
  };
}

/** Stats of one container at `timestamp` (nanoseconds). */
export function containerStats(c: FakeContainer, timestamp: number): ContainerStats__Output {
  return {
    attributes: {
      id: c.id,
      metadata: { ...c.metadata },
      labels: copyMap(c.labels),
      annotations: copyMap(c.annotations),
    },
    cpu: cpu(timestamp),
    memory: memory(timestamp),
    writableLayer: {
      timestamp,
      fsId: { mountpoint: "/var/lib/fake-runtime/containers" },
      usedBytes: zero(),
      inodesUsed: zero(),
    },
    swap: { timestamp, swapAvailableBytes: zero(), swapUsageBytes: zero() },
    io: { timestamp },
  };
}

/** Stats of one sandbox and its running containers at `timestamp` (nanoseconds). */
export function podSandboxStats(
  s: FakeSandbox,
  containers: FakeContainer[],
  timestamp: number,
): PodSandboxStats__Output {
  return {
    attributes: {
      id: s.id,
      metadata: { ...s.metadata },
      labels: copyMap(s.labels),
      annotations: copyMap(s.annotations),
    },
    linux: {
      cpu: cpu(timestamp),
      memory: memory(timestamp),
      network: { timestamp, defaultInterface: null, interfaces: [] },
      process: { timestamp, processCount: { value: containers.length } },
      containers: containers.filter((c) => c.state === "CONTAINER_RUNNING")
        .map((c) => containerStats(c, timestamp)),
      io: { timestamp },
    },
  };
}
