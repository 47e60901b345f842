/**
 * The kubelet's stats: `/stats/summary` (summary.ts, types.ts) and
 * `/metrics/resource` (resource_metrics.ts), served by stats_handler.ts.
 *
 * ```ts
 * const summary = new SummaryProvider({ nodeName, runtime, clock, rootDir, podLogsDir });
 * const handler = createStatsHandler({ summary, logger });
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./summary.ts";
export * from "./resource_metrics.ts";
export * from "./stats_handler.ts";
export * from "./cpu_usage_rates.ts";
export * from "./disk_usage.ts";
export * from "./node_resources.ts";
