import assert from "node:assert/strict";
import { resourceMetricsText } from "../../src/stats/resource_metrics.ts";
import type { Summary } from "../../src/stats/types.ts";
import { parsePrometheusText } from "../metrics/_prom_parser.ts";

const T = 1_700_000_000_123;

const summary: Summary = {
  node: {
    nodeName: "node-1",
    startTime: T - 3_600_000,
    cpu: { time: T, usageCoreNanoSeconds: 12_500_000_000, usageNanoCores: 5 },
    memory: { time: T, workingSetBytes: 3000 },
    swap: { time: T, swapAvailableBytes: 0, swapUsageBytes: 0 },
  },
  pods: [
    {
      podRef: { name: "web", namespace: "default", uid: "u1" },
      startTime: T - 120_000,
      containers: [
        {
          name: "b",
          startTime: 1_699_999_000_500,
          cpu: { time: T, usageCoreNanoSeconds: 2e9 },
          memory: { time: T, workingSetBytes: 200 },
        },
        {
          name: "a",
          startTime: 1_699_999_000_000,
          cpu: { time: T - 1, usageCoreNanoSeconds: 500_000_000 },
          memory: { time: T - 1, workingSetBytes: 100 },
          swap: { time: T, swapAvailableBytes: 50, swapUsageBytes: 10 },
        },
      ],
      cpu: { time: T, usageCoreNanoSeconds: 2.5e9 },
      memory: { time: T, workingSetBytes: 300 },
    },
    {
      podRef: { name: "db", namespace: "data", uid: "u2" },
      startTime: 0,
      // A container with neither CPU nor memory: only its start time.
      containers: [{ name: "main", startTime: 1_699_999_100_000 }],
    },
  ],
};

Deno.test("resourceMetricsText() writes the kubelet's resource metrics with their sample times", () => {
  assert.equal(
    resourceMetricsText(summary),
    `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="a",namespace="default",pod="web"} 0.5 1700000000122
container_cpu_usage_seconds_total{container="b",namespace="default",pod="web"} 2 1700000000123
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="a",namespace="default",pod="web"} 100 1700000000122
container_memory_working_set_bytes{container="b",namespace="default",pod="web"} 200 1700000000123
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="a",namespace="default",pod="web"} 1699999000
container_start_time_seconds{container="b",namespace="default",pod="web"} 1699999000.5
container_start_time_seconds{container="main",namespace="data",pod="db"} 1699999100
# HELP container_swap_limit_bytes [ALPHA] Current amount of the container swap limit in bytes. Reported only on non-windows systems
# TYPE container_swap_limit_bytes gauge
container_swap_limit_bytes{container="a",namespace="default",pod="web"} 60 1700000000123
# HELP container_swap_usage_bytes [ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems
# TYPE container_swap_usage_bytes gauge
container_swap_usage_bytes{container="a",namespace="default",pod="web"} 10 1700000000123
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 12.5 1700000000123
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 3000 1700000000123
# HELP node_swap_usage_bytes [ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems
# TYPE node_swap_usage_bytes gauge
node_swap_usage_bytes 0 1700000000123
# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="default",pod="web"} 2.5 1700000000123
# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="default",pod="web"} 300 1700000000123
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
`,
  );
});

Deno.test("resourceMetricsText() of a failed summary is only resource_scrape_error 1", () => {
  assert.equal(
    resourceMetricsText(undefined),
    `# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 1
`,
  );
});

Deno.test("resourceMetricsText() escapes label values", () => {
  const text = resourceMetricsText({
    node: { nodeName: "n", startTime: 0 },
    pods: [{
      podRef: { name: 'we"b', namespace: "d\\x", uid: "u" },
      startTime: 0,
      containers: [{ name: "a\nb", startTime: 1000, memory: { time: 1000, workingSetBytes: 1 } }],
    }],
  });
  assert.match(
    text,
    /^container_memory_working_set_bytes\{container="a\\nb",namespace="d\\\\x",pod="we\\"b"\} 1 1000$/m,
  );
});

Deno.test("resourceMetricsText() passes a strict parser and writes a duplicate series once", () => {
  const twice: Summary = {
    ...summary,
    pods: [...summary.pods, {
      ...summary.pods[0],
      podRef: { ...summary.pods[0].podRef, uid: "u3" },
    }],
  };
  const families = parsePrometheusText(resourceMetricsText(twice));
  assert.equal(families.get("container_cpu_usage_seconds_total")?.samples.length, 2);
  assert.equal(families.get("pod_memory_working_set_bytes")?.samples.length, 1);
  assert.equal(families.get("resource_scrape_error")?.type, "gauge");
});
