/**
 * `/metrics/resource`: the kubelet's resource metrics collector
 * (pkg/kubelet/metrics/collectors/resource_metrics.go), what metrics-server
 * scrapes, written from a CPU-and-memory summary in the Prometheus text
 * format. Series are made per scrape from what runs now (the kubelet uses
 * a collector, not registered gauges, so gone containers leave no series),
 * hence the families are built here and written by src/metrics/exposition.ts
 * rather than kept in a registry.
 *
 * CPU, memory and swap samples carry the time they were measured (ms);
 * `container_start_time_seconds` carries none. Of two series with the same
 * labels only the first is written. A failed summary gives only
 * `resource_scrape_error 1`. `scrape_error`, deprecated in 1.29, is hidden
 * since kubelet 1.30 and not written.
 *
 * @module
 */

import { formatExposition, type MetricFamily, type Sample } from "../metrics/exposition.ts";
import type { ContainerStats, PodStats, Summary } from "./types.ts";

const SWAP_NOTE = "Reported only on non-windows systems";

interface FamilySpec {
  name: string;
  help: string;
  type: "counter" | "gauge";
}

/** The families in the order the kubelet's registry writes them (by name). */
const FAMILIES: readonly FamilySpec[] = [
  {
    name: "container_cpu_usage_seconds_total",
    help: "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
    type: "counter",
  },
  {
    name: "container_memory_working_set_bytes",
    help: "[STABLE] Current working set of the container in bytes",
    type: "gauge",
  },
  {
    name: "container_start_time_seconds",
    help: "[STABLE] Start time of the container since unix epoch in seconds",
    type: "gauge",
  },
  {
    name: "container_swap_limit_bytes",
    help: `[ALPHA] Current amount of the container swap limit in bytes. ${SWAP_NOTE}`,
    type: "gauge",
  },
  {
    name: "container_swap_usage_bytes",
    help: `[ALPHA] Current amount of the container swap usage in bytes. ${SWAP_NOTE}`,
    type: "gauge",
  },
  {
    name: "node_cpu_usage_seconds_total",
    help: "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
    type: "counter",
  },
  {
    name: "node_memory_working_set_bytes",
    help: "[STABLE] Current working set of the node in bytes",
    type: "gauge",
  },
  {
    name: "node_swap_usage_bytes",
    help: `[ALPHA] Current swap usage of the node in bytes. ${SWAP_NOTE}`,
    type: "gauge",
  },
  {
    name: "pod_cpu_usage_seconds_total",
    help: "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
    type: "counter",
  },
  {
    name: "pod_memory_working_set_bytes",
    help: "[STABLE] Current working set of the pod in bytes",
    type: "gauge",
  },
  {
    name: "pod_swap_usage_bytes",
    help: `[ALPHA] Current amount of the pod swap usage in bytes. ${SWAP_NOTE}`,
    type: "gauge",
  },
  {
    name: "resource_scrape_error",
    help: "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
    type: "gauge",
  },
];

type Samples = Map<string, Sample[]>;

function add(out: Samples, name: string, sample: Omit<Sample, "name">): void {
  out.get(name)!.push({ name, ...sample });
}

function addContainer(out: Samples, pod: PodStats, c: ContainerStats): void {
  const labels = { container: c.name, namespace: pod.podRef.namespace, pod: pod.podRef.name };
  if (Math.floor(c.startTime / 1000) > 0) {
    add(out, "container_start_time_seconds", { labels, value: c.startTime / 1000 });
  }
  if (c.cpu?.usageCoreNanoSeconds !== undefined) {
    add(out, "container_cpu_usage_seconds_total", {
      labels,
      value: c.cpu.usageCoreNanoSeconds / 1e9,
      timestampMs: c.cpu.time,
    });
  }
  if (c.memory?.workingSetBytes !== undefined) {
    add(out, "container_memory_working_set_bytes", {
      labels,
      value: c.memory.workingSetBytes,
      timestampMs: c.memory.time,
    });
  }
  const swap = c.swap;
  if (swap?.swapUsageBytes !== undefined) {
    add(out, "container_swap_usage_bytes", {
      labels,
      value: swap.swapUsageBytes,
      timestampMs: swap.time,
    });
  }
  if (swap?.swapAvailableBytes !== undefined) {
    add(out, "container_swap_limit_bytes", {
      labels,
      value: swap.swapAvailableBytes + (swap.swapUsageBytes ?? 0),
      timestampMs: swap.time,
    });
  }
}

function addPod(out: Samples, pod: PodStats): void {
  const labels = { namespace: pod.podRef.namespace, pod: pod.podRef.name };
  for (const c of pod.containers) addContainer(out, pod, c);
  if (pod.cpu?.usageCoreNanoSeconds !== undefined) {
    add(out, "pod_cpu_usage_seconds_total", {
      labels,
      value: pod.cpu.usageCoreNanoSeconds / 1e9,
      timestampMs: pod.cpu.time,
    });
  }
  if (pod.memory?.workingSetBytes !== undefined) {
    add(out, "pod_memory_working_set_bytes", {
      labels,
      value: pod.memory.workingSetBytes,
      timestampMs: pod.memory.time,
    });
  }
  if (pod.swap?.swapUsageBytes !== undefined) {
    add(out, "pod_swap_usage_bytes", {
      labels,
      value: pod.swap.swapUsageBytes,
      timestampMs: pod.swap.time,
    });
  }
}

function labelKey(s: Sample): string {
  return Object.keys(s.labels).sort().map((k) => s.labels[k]).join("\0");
}

/** The metric families of a summary, or of a failed one (`summary` undefined). */
export function resourceMetricFamilies(summary: Summary | undefined): MetricFamily[] {
  const out: Samples = new Map(FAMILIES.map((f) => [f.name, []]));
  if (summary) {
    const { cpu, memory, swap } = summary.node;
    if (cpu?.usageCoreNanoSeconds !== undefined) {
      add(out, "node_cpu_usage_seconds_total", {
        labels: {},
        value: cpu.usageCoreNanoSeconds / 1e9,
        timestampMs: cpu.time,
      });
    }
    if (memory?.workingSetBytes !== undefined) {
      add(out, "node_memory_working_set_bytes", {
        labels: {},
        value: memory.workingSetBytes,
        timestampMs: memory.time,
      });
    }
    if (swap?.swapUsageBytes !== undefined) {
      add(out, "node_swap_usage_bytes", {
        labels: {},
        value: swap.swapUsageBytes,
        timestampMs: (memory ?? swap).time,
      });
    }
    for (const pod of summary.pods) addPod(out, pod);
  }
  add(out, "resource_scrape_error", { labels: {}, value: summary ? 0 : 1 });
  return FAMILIES.map((f) => {
    // Sorted by label values; of two series with the same labels (two pods of
    // one name while one is replaced) the first collected stays, as the
    // kubelet's registry keeps it when it gathers with ContinueOnError.
    const keyed = out.get(f.name)!.map((s, i) => ({ s, i, key: labelKey(s) }));
    keyed.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i);
    const samples = keyed.filter((k, j) => j === 0 || keyed[j - 1].key !== k.key).map((k) => k.s);
    return { name: f.name, help: f.help, type: f.type, samples };
  }).filter((f) => f.samples.length > 0);
}

/** `/metrics/resource` text for a summary, or for a failed one. */
export function resourceMetricsText(summary: Summary | undefined): string {
  return formatExposition(resourceMetricFamilies(summary));
}
