/**
 * Resource stats for the fake runtime's stats RPCs: zero unless a test set
 * numbers for a container ({@linkcode FakeContainerUsage}); the shapes are
 * complete so consumers can read every field.
 *
 * @module
 */

import type { ContainerStats__Output } from "../generated/runtime/v1/ContainerStats.ts";
import type { PodSandboxStats__Output } from "../generated/runtime/v1/PodSandboxStats.ts";
import type { FakeContainer } from "./container_store.ts";
import type { FakeSandbox } from "./sandbox_store.ts";
import { copyMap } from "./_util.ts";

/** Numbers a test makes the fake report for one container; absent ones are 0. */
export interface FakeContainerUsage {
  usageCoreNanoSeconds?: number;
  usageNanoCores?: number;
  workingSetBytes?: number;
  availableBytes?: number;
  usageBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
  writableLayerBytes?: number;
  writableLayerInodes?: number;
}

const zero = () => ({ value: 0 });
const v = (n: number | undefined) => ({ value: n ?? 0 });

function cpu(timestamp: number, u: FakeContainerUsage = {}) {
  return {
    timestamp,
    usageCoreNanoSeconds: v(u.usageCoreNanoSeconds),
    usageNanoCores: v(u.usageNanoCores),
  };
}

function memory(timestamp: number, u: FakeContainerUsage = {}) {
  return {
    timestamp,
    workingSetBytes: v(u.workingSetBytes),
    availableBytes: v(u.availableBytes),
    usageBytes: v(u.usageBytes),
    rssBytes: v(u.rssBytes),
    pageFaults: v(u.pageFaults),
    majorPageFaults: v(u.majorPageFaults),
  };
}

/** Stats of one container at `timestamp` (nanoseconds), with the numbers `usage` sets. */
export function containerStats(
  c: FakeContainer,
  timestamp: number,
  usage: FakeContainerUsage = {},
): ContainerStats__Output {
  return {
    attributes: {
      id: c.id,
      metadata: { ...c.metadata },
      labels: copyMap(c.labels),
      annotations: copyMap(c.annotations),
    },
    cpu: cpu(timestamp, usage),
    memory: memory(timestamp, usage),
    writableLayer: {
      timestamp,
      fsId: { mountpoint: "/var/lib/fake-runtime/containers" },
      usedBytes: v(usage.writableLayerBytes),
      inodesUsed: v(usage.writableLayerInodes),
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
