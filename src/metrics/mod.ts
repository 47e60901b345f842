/**
 * Metrics: a registry instance with counters, gauges and histograms, the
 * Prometheus text exposition writer, and the kubelet metric set.
 *
 * ```ts
 * const registry = new MetricsRegistry();
 * const m = registerKubeletMetrics(registry);
 * m.startedPods.inc();
 * const text = registry.render(); // Content-Type: EXPOSITION_CONTENT_TYPE
 * ```
 *
 * @module
 */

export * from "./exposition.ts";
export * from "./registry.ts";
export * from "./kubelet_metrics.ts";
