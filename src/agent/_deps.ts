/**
 * What every builder of the agent gets: the resolved options, the clock, the
 * logger and the metrics. Only main.ts creates these (the real clock, the
 * process's logger); benchmarks and tests may pass their own.
 *
 * @module
 */

import type { MetricsRegistry } from "../metrics/registry.ts";
import type { KubeletMetrics } from "../metrics/kubelet_metrics.ts";
import type { KubeletOptions } from "../options/mod.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";

/** The shared inputs of the agent's builders. */
export interface AgentDeps {
  options: KubeletOptions;
  clock: Clock;
  logger: Logger;
  registry: MetricsRegistry;
  metrics: KubeletMetrics;
}

/** Named long-running loops a builder hands to the supervisor. */
export type AgentLoops = Record<string, (signal: AbortSignal) => Promise<unknown>>;
