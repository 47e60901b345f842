/**
 * The request handler of the local HTTP endpoints: `/healthz` (always),
 * `/pods` (the pods with their current status as a v1 PodList) and
 * `/metrics` (Prometheus text format), each present when its provider is
 * given. The handler is a plain `(Request) => Promise<Response>`, tested
 * without a socket; serve.ts binds it to a port (node:http, for its timeouts).
 *
 * Only GET and HEAD are served (405 with `Allow: GET, HEAD` otherwise);
 * a URL over the size limit gets 414, a request with a body 413, an unknown
 * path 404, and a provider that throws 500. A request never crashes the server.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { EXPOSITION_CONTENT_TYPE } from "../metrics/exposition.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { type HealthCheck, healthzResponse, PING_CHECK } from "./healthz.ts";

/** Options of {@linkcode createHandler}. */
export interface HandlerOptions {
  /** Checks of `/healthz`; `ping` is added first when missing. @default [] */
  healthChecks?: readonly HealthCheck[];
  /** Provider of `/pods`: the pods with status filled in. @default no /pods */
  podList?: () => Pod[] | Promise<Pod[]>;
  /** Registry rendered by `/metrics`. @default no /metrics */
  metrics?: MetricsRegistry;
  /** @default nullLogger */
  logger?: Logger;
  /** Longest request URL in bytes; longer ones get 414. @default 8192 */
  maxUrlBytes?: number;
}

/** A request handler. */
export type Handler = (request: Request) => Promise<Response>;

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...TEXT, ...extra } });
}

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null && length.trim() !== "" && Number(length) !== 0) return true;
  return request.headers.has("transfer-encoding");
}

/** The v1 PodList the kubelet's `/pods` answers. */
export function podListOf(pods: readonly Pod[]): {
  kind: "PodList";
  apiVersion: "v1";
  metadata: Record<string, never>;
  items: Pod[];
} {
  return {
    kind: "PodList",
    apiVersion: "v1",
    metadata: {},
    items: pods.map((p) => ({ ...p, kind: "Pod", apiVersion: "v1" })),
  };
}

/** Creates the handler of the endpoints given by `options`. */
export function createHandler(options: HandlerOptions = {}): Handler {
  const logger = options.logger ?? nullLogger;
  const maxUrlBytes = options.maxUrlBytes ?? 8192;
  const checks = [...(options.healthChecks ?? [])];
  if (!checks.some((c) => c.name === PING_CHECK.name)) checks.unshift(PING_CHECK);
  // A frozen pod is serialized once, not at every poll of /pods: a provider
  // that freezes a pod freezes it deeply (the status manager's views, shared
  // until the pod's status changes).
  const podJsons = new WeakMap<Pod, string>();
  const podJson = (pod: Pod): string => {
    let json = podJsons.get(pod);
    if (json === undefined) {
      json = JSON.stringify(podListOf([pod]).items[0]);
      if (Object.isFrozen(pod)) podJsons.set(pod, json);
    }
    return json;
  };

  async function route(url: URL): Promise<Response> {
    const path = url.pathname;
    if (path === "/healthz" || path.startsWith("/healthz/")) {
      return await healthzResponse(url, checks, { logger });
    }
    if ((path === "/pods" || path === "/pods/") && options.podList) {
      // JSON.stringify(podListOf(pods)), with each frozen pod's JSON made once.
      const items = (await options.podList()).map(podJson);
      const body = `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[${
        items.join(",")
      }]}`;
      return new Response(body, {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }
    if (path === "/metrics" && options.metrics) {
      return new Response(options.metrics.render(), {
        status: 200,
        headers: { "content-type": EXPOSITION_CONTENT_TYPE },
      });
    }
    return text(404, "404 page not found\n");
  }

  return async (request: Request): Promise<Response> => {
    let response: Response;
    if (new TextEncoder().encode(request.url).length > maxUrlBytes) {
      response = text(414, "414 request URI too long\n");
    } else if (hasBody(request)) {
      response = text(413, "413 request entity too large\n");
    } else if (request.method !== "GET" && request.method !== "HEAD") {
      response = text(405, "405 method not allowed\n", { allow: "GET, HEAD" });
    } else {
      try {
        response = await route(new URL(request.url));
      } catch (e) {
        logger.error("HTTP handler failed", { path: new URL(request.url).pathname, err: e });
        response = text(500, "500 internal server error\n");
      }
    }
    if (request.method === "HEAD") {
      await response.body?.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    }
    return response;
  };
}
