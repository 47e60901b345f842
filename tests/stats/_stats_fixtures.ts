/** Container stats, a fake runtime, node and filesystem sources for the summary tests. */

import type { RuntimeContainerStats } from "../../src/container/runtime.ts";
import type { FsInfo, NodeResources } from "../../src/stats/node_resources.ts";
import { SummaryProvider, type SummaryProviderOptions } from "../../src/stats/summary.ts";
import type { DiskUsage } from "../../src/stats/disk_usage.ts";
import { FakeClock } from "../../src/util/clock.ts";

export const T0 = 1_700_000_000_000;

export interface Usage {
  cpu?: number;
  nanoCores?: number;
  workingSet?: number;
}

/** One running container `name` of pod `pod` (sandbox `sb-<pod>`), sampled at `at`. */
export function stats(
  pod: string,
  name: string,
  at: number,
  usage: Usage | null,
  extra: Partial<RuntimeContainerStats> = {},
): RuntimeContainerStats {
  const s: RuntimeContainerStats = {
    id: `${pod}-${name}`,
    name,
    createdAt: T0 - 60_000,
    pod: {
      sandboxId: `sb-${pod}`,
      uid: `uid-${pod}`,
      name: pod,
      namespace: "default",
      createdAt: T0 - 120_000,
    },
    ...extra,
  };
  if (usage) {
    s.cpu = {
      timestamp: at,
      usageCoreNanoSeconds: usage.cpu ?? 0,
      usageNanoCores: usage.nanoCores ?? 0,
    };
    s.memory = {
      timestamp: at,
      workingSetBytes: usage.workingSet ?? 0,
      usageBytes: (usage.workingSet ?? 0) + 100,
      availableBytes: 0,
      rssBytes: 10,
      pageFaults: 1,
      majorPageFaults: 0,
    };
  }
  return s;
}

export const ROOT_FS: FsInfo = {
  capacityBytes: 100_000,
  availableBytes: 40_000,
  freeBytes: 50_000,
  inodes: 1000,
  inodesFree: 600,
  type: 0xef53,
};

/** A runtime whose container stats a test sets. */
export class FakeStatsRuntime {
  containers: RuntimeContainerStats[] = [];
  fail?: Error;
  images = [{ usedBytes: 7000, mountpoint: "/images" }];

  listContainerStats(): Promise<RuntimeContainerStats[]> {
    return this.fail ? Promise.reject(this.fail) : Promise.resolve(this.containers);
  }

  imageStats() {
    return Promise.resolve(this.images);
  }
}

/** Node sources with settable CPU time (ms of busy time) and memory. */
export function fakeNode(state: { busyMs: number }): NodeResources {
  return {
    cpu: (now) => ({ timestamp: now, usageCoreNanoSeconds: state.busyMs * 1e6 }),
    memory: (now) => ({
      timestamp: now,
      total: 8000,
      free: 3000,
      available: 5000,
      swapTotal: 0,
      swapFree: 0,
    }),
    bootTime: () => T0 - 3_600_000,
  };
}

export interface SummaryEnv {
  clock: FakeClock;
  runtime: FakeStatsRuntime;
  node: { busyMs: number };
  provider: SummaryProvider;
  /** Paths diskUsage was asked for. */
  measured: string[];
}

/**
 * A provider over the fakes: every path's usage is in `usages` (else
 * missing), every filesystem is ROOT_FS except those in `fs`.
 */
export function summaryEnv(
  options: {
    usages?: Record<string, DiskUsage>;
    dirs?: Record<string, string[]>;
    fs?: Record<string, FsInfo | Error>;
  } & Partial<SummaryProviderOptions> = {},
): SummaryEnv {
  const clock = new FakeClock(T0);
  const runtime = new FakeStatsRuntime();
  const node = { busyMs: 0 };
  const measured: string[] = [];
  const provider = new SummaryProvider({
    nodeName: "node-1",
    runtime,
    clock,
    rootDir: "/root",
    podLogsDir: "/logs",
    node: fakeNode(node),
    fsInfo: (path) => {
      const fs = options.fs?.[path];
      if (fs instanceof Error) return Promise.reject(fs);
      return Promise.resolve(fs ?? ROOT_FS);
    },
    diskUsage: (path) => {
      measured.push(path);
      return Promise.resolve(options.usages?.[path]);
    },
    subdirectories: (path) => Promise.resolve(options.dirs?.[path] ?? []),
    ...options,
  });
  return { clock, runtime, node, provider, measured };
}
