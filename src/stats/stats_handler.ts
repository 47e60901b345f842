/**
 * The kubelet's stats endpoints as a plain `(Request) => Promise<Response>`:
 * - `GET|POST /stats/summary`: the summary as JSON; with the one query
 *   parameter `only_cpu_and_memory=true` (metrics-server's request) only
 *   CPU and memory, as the kubelet's handler (any other value, or the
 *   parameter twice, means the full summary);
 * - `GET /metrics/resource`: the resource metrics in the Prometheus text
 *   format (a failed summary still answers 200, with `resource_scrape_error 1`).
 *
 * A failed summary answers 500 `Internal Error: <reason>` as the kubelet
 * does; another method 405 with `Allow`; another path 404. HEAD is answered
 * like GET without a body. The server in front decides who may ask
 * (`nodes/stats` and `nodes/metrics`).
 *
 * @module
 */

import { EXPOSITION_CONTENT_TYPE } from "../metrics/exposition.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { resourceMetricsText } from "./resource_metrics.ts";
import type { SummaryGetOptions } from "./summary.ts";
import { type Summary, summaryJson } from "./types.ts";

/** The paths {@linkcode createStatsHandler} serves. */
export const STATS_PATHS: readonly string[] = ["/stats/summary", "/metrics/resource"];

/** Whether `pathname` is one of {@linkcode STATS_PATHS}. */
export function isStatsPath(pathname: string): boolean {
  return STATS_PATHS.includes(pathname);
}

/** Options of {@linkcode createStatsHandler}. */
export interface StatsHandlerOptions {
  /** Where summaries come from (a SummaryProvider). */
  summary: { get(options?: SummaryGetOptions): Promise<Summary> };
  /** @default nullLogger */
  logger?: Logger;
}

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...TEXT, ...extra } });
}

/** `only_cpu_and_memory` as the kubelet reads it: present once and exactly "true". */
export function onlyCpuAndMemory(url: URL): boolean {
  const values = url.searchParams.getAll("only_cpu_and_memory");
  return values.length === 1 && values[0] === "true";
}

/** Creates the handler of `/stats/summary` and `/metrics/resource`. */
export function createStatsHandler(options: StatsHandlerOptions) {
  const logger = options.logger ?? nullLogger;

  async function summaryResponse(url: URL): Promise<Response> {
    try {
      const summary = await options.summary.get({ onlyCpuAndMemory: onlyCpuAndMemory(url) });
      return new Response(summaryJson(summary), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    } catch (err) {
      logger.error("Cannot build the stats summary", { path: url.pathname, err });
      return text(500, `Internal Error: ${errText(err)}`);
    }
  }

  async function metricsResponse(): Promise<Response> {
    let summary: Summary | undefined;
    try {
      summary = await options.summary.get({ onlyCpuAndMemory: true });
    } catch (err) {
      logger.error("Error getting summary for resourceMetric prometheus endpoint", { err });
    }
    return new Response(resourceMetricsText(summary), {
      status: 200,
      headers: { "content-type": EXPOSITION_CONTENT_TYPE },
    });
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method === "HEAD" ? "GET" : request.method;
    if (url.pathname === "/stats/summary") {
      if (method !== "GET" && method !== "POST") {
        return text(405, "405 method not allowed\n", { allow: "GET, HEAD, POST" });
      }
      return await summaryResponse(url);
    }
    if (url.pathname === "/metrics/resource") {
      if (method !== "GET") return text(405, "405 method not allowed\n", { allow: "GET, HEAD" });
      return await metricsResponse();
    }
    return text(404, "404 page not found\n");
  }

  return async (request: Request): Promise<Response> => {
    const response = await route(request);
    if (request.method !== "HEAD") return response;
    await response.body?.cancel();
    return new Response(null, { status: response.status, headers: response.headers });
  };
}
