import assert from "node:assert/strict";
import {
  escapeLabelValue,
  EXPOSITION_CONTENT_TYPE,
  formatExposition,
  formatSampleValue,
} from "../../src/metrics/exposition.ts";
import { registerKubeletMetrics } from "../../src/metrics/kubelet_metrics.ts";
import { exponentialBuckets, MetricsRegistry } from "../../src/metrics/registry.ts";
import { parsePrometheusText } from "./_prom_parser.ts";

Deno.test("escapeLabelValue() escapes backslash, double quote and line feed", async (t) => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["a\\b", "a\\\\b"],
    ['say "hi"', 'say \\"hi\\"'],
    ["two\nlines", "two\\nlines"],
    ['\\"\n', '\\\\\\"\\n'],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => assert.equal(escapeLabelValue(input), want));
  }
});

Deno.test("formatSampleValue() spells NaN and infinities as the format does", () => {
  assert.equal(formatSampleValue(NaN), "NaN");
  assert.equal(formatSampleValue(Infinity), "+Inf");
  assert.equal(formatSampleValue(-Infinity), "-Inf");
  assert.equal(formatSampleValue(1.5), "1.5");
  assert.equal(formatSampleValue(0), "0");
});

Deno.test("formatExposition() rejects invalid metric and label names", () => {
  assert.throws(
    () => formatExposition([{ name: "1bad", help: "", type: "gauge", samples: [] }]),
    TypeError,
  );
  assert.throws(
    () =>
      formatExposition([{
        name: "ok",
        help: "",
        type: "gauge",
        samples: [{ name: "ok", labels: { "bad-label": "x" }, value: 1 }],
      }]),
    TypeError,
  );
});

Deno.test("MetricsRegistry.render() writes HELP, TYPE and samples a strict parser accepts", () => {
  const r = new MetricsRegistry();
  const c = r.counter({ name: "x_total", help: "Counts\nthings \\ here", labelNames: ["kind"] });
  c.inc({ kind: 'we"ird\\val\nue' });
  c.inc({ kind: "plain" }, 2);
  const g = r.gauge({ name: "x_gauge", help: "A gauge" });
  g.set({}, 3);
  const text = r.render();
  const fams = parsePrometheusText(text);
  assert.equal(fams.get("x_total")!.type, "counter");
  assert.equal(fams.get("x_total")!.help, "Counts\nthings \\ here");
  assert.deepEqual(fams.get("x_total")!.samples.map((s) => s.labels.kind), [
    'we"ird\\val\nue',
    "plain",
  ]);
  assert.deepEqual(fams.get("x_gauge")!.samples, [{ name: "x_gauge", labels: {}, value: 3 }]);
  assert.ok(text.includes('x_total{kind="we\\"ird\\\\val\\nue"} 1\n'));
});

Deno.test("Histogram writes cumulative _bucket{le} lines, +Inf, _sum and _count", () => {
  const r = new MetricsRegistry();
  const h = r.histogram({ name: "d_seconds", help: "d", labelNames: ["op"], buckets: [0.1, 1] });
  h.observe({ op: "a" }, 0.05);
  h.observe({ op: "a" }, 0.5);
  h.observe({ op: "a" }, 5);
  const text = r.render();
  assert.equal(
    text,
    [
      "# HELP d_seconds d",
      "# TYPE d_seconds histogram",
      'd_seconds_bucket{op="a",le="0.1"} 1',
      'd_seconds_bucket{op="a",le="1"} 2',
      'd_seconds_bucket{op="a",le="+Inf"} 3',
      'd_seconds_sum{op="a"} 5.55',
      'd_seconds_count{op="a"} 3',
      "",
    ].join("\n"),
  );
  parsePrometheusText(text);
});

Deno.test("MetricsRegistry rejects bad registrations and bad records", async (t) => {
  const r = new MetricsRegistry();
  const c = r.counter({ name: "a_total", help: "a", labelNames: ["x"] });
  await t.step("duplicate name", () => {
    assert.throws(() => r.gauge({ name: "a_total", help: "" }), TypeError);
  });
  await t.step("reserved le label", () => {
    assert.throws(() => r.histogram({ name: "h", help: "", labelNames: ["le"] }), TypeError);
  });
  await t.step("unsorted buckets", () => {
    assert.throws(() => r.histogram({ name: "h2", help: "", buckets: [1, 0.5] }), RangeError);
  });
  await t.step("wrong labels", () => {
    assert.throws(() => c.inc({ y: "1" }), TypeError);
    assert.throws(() => c.inc({}), TypeError);
  });
  await t.step("negative counter increment", () => {
    assert.throws(() => c.inc({ x: "1" }, -1), RangeError);
  });
});

Deno.test("MetricsRegistry.onCollect() hooks run before each render", () => {
  const r = new MetricsRegistry();
  const g = r.gauge({ name: "pods", help: "p" });
  let n = 0;
  const off = r.onCollect(() => g.set({}, ++n));
  assert.ok(r.render().includes("pods 1\n"));
  assert.ok(r.render().includes("pods 2\n"));
  off();
  assert.ok(r.render().includes("pods 2\n"));
});

Deno.test("exponentialBuckets() multiplies by the factor", () => {
  assert.deepEqual(exponentialBuckets(1, 2, 4), [1, 2, 4, 8]);
  assert.throws(() => exponentialBuckets(0, 2, 3), RangeError);
});

Deno.test("registerKubeletMetrics() registers the kubelet names and renders valid text", () => {
  const r = new MetricsRegistry();
  const m = registerKubeletMetrics(r);
  m.runningPods.set({}, 2);
  m.runningContainers.set({ container_state: "running" }, 3);
  m.plegRelistDuration.observe({}, 0.02);
  m.runtimeOperations.inc({ operation_type: "list_containers" });
  m.runtimeOperationsDuration.observe({ operation_type: "list_containers" }, 0.001);
  m.proberProbeTotal.inc({
    probe_type: "Liveness",
    result: "successful",
    container: "web",
    pod: "web-1",
    namespace: "default",
    pod_uid: "u1",
  });
  m.imageGarbageCollected.inc({ reason: "space" });
  m.startedPods.inc();
  m.restartedPods.inc({ static: "true" });
  const fams = parsePrometheusText(r.render());
  for (
    const name of [
      "kubelet_running_pods",
      "kubelet_running_containers",
      "kubelet_pleg_relist_duration_seconds",
      "kubelet_pleg_relist_interval_seconds",
      "kubelet_runtime_operations_total",
      "kubelet_runtime_operations_errors_total",
      "kubelet_runtime_operations_duration_seconds",
      "kubelet_pod_start_duration_seconds",
      "kubelet_pod_worker_duration_seconds",
      "prober_probe_total",
      "kubelet_image_garbage_collected_total",
      "kubelet_evictions",
      "kubelet_started_containers_total",
      "kubelet_started_pods_total",
      "kubelet_restarted_pods_total",
    ]
  ) {
    assert.ok(fams.has(name), `missing ${name}`);
  }
  assert.equal(fams.get("kubelet_running_pods")!.samples[0].value, 2);
  assert.equal(fams.get("kubelet_runtime_operations_duration_seconds")!.type, "histogram");
  assert.equal(EXPOSITION_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("parsePrometheusText() (test helper) rejects malformed text", async (t) => {
  const bad: [string, string][] = [
    ["bad escape", 'a{x="\\t"} 1\n'],
    ["unterminated", 'a{x="1} 1\n'],
    ["bad value", "a 1x\n"],
    ["no final newline", "a 1"],
    ["split family", '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n'],
    ["duplicate series", "a 1\na 2\n"],
    [
      "histogram without +Inf",
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
    ],
    ["TYPE after sample", "a 1\n# TYPE a gauge\n"],
  ];
  for (const [name, text] of bad) {
    await t.step(name, () => assert.throws(() => parsePrometheusText(text)));
  }
});
