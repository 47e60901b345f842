/**
 * The kubelet's debugging handlers and stats, as the two HTTP servers serve
 * them: `/containerLogs/...`, `/run/...`, `/configz`, `/logs/` (with
 * `enableSystemLogHandler`), `/stats/summary` and `/metrics/resource`, on
 * top of a local handler (`/healthz`, `/pods`, `/metrics`).
 *
 * - The kubelet API (port 10250): stats always; the debugging handlers when
 *   `enableDebuggingHandlers` (default true), else `/run/`, `/exec/`,
 *   `/attach/`, `/portForward/`, `/containerLogs/`, `/runningpods/`,
 *   `/debug/pprof/` and `/logs/` answer 405 `Debug endpoints are disabled.`
 *   and `/configz` is not there (404), as the kubelet's disabled handlers;
 *   `/logs/` without `enableSystemLogHandler` answers 405
 *   `logs endpoint is disabled.`. (`/exec`, `/attach`, `/portForward` are
 *   src/streaming's, in front of this handler.)
 * - The read-only port: as the kubelet's, which is built without the
 *   debugging handlers (the 405 answers above), unless the operator turns on
 *   `localDebuggingHandlers` (loopback only; options refuse it otherwise):
 *   then containerLogs, run, configz, stats and metrics/resource (and
 *   `/logs/` with enableSystemLogHandler) are served there too, for
 *   `denolet pods|logs|exec`; exec, attach and portForward stay 405.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { CONFIGZ_PATH, createConfigzHandler } from "../kubeletserver/configz.ts";
import { createRunHandler, RUN_PREFIX } from "../kubeletserver/run_handler.ts";
import { createSystemLogsHandler, SYSTEM_LOGS_PREFIX } from "../kubeletserver/system_logs.ts";
import { CONTAINER_LOGS_PREFIX, createContainerLogsHandler } from "../logs/mod.ts";
import { SYSTEM_LOG_DIR } from "../options/mod.ts";
import type { Handler } from "../server/mod.ts";
import { createStatsHandler, isStatsPath, SummaryProvider } from "../stats/mod.ts";
import type { AgentDeps } from "./_deps.ts";
import type { PodPipeline } from "./pod_pipeline.ts";
import type { RuntimeSide } from "./runtime_side.ts";

/** The body of the kubelet's disabled debugging handlers (405). */
export const DEBUG_DISABLED = "Debug endpoints are disabled.";

/** The body of `/logs/` without enableSystemLogHandler (405). */
export const LOGS_DISABLED = "logs endpoint is disabled.";

/** The path prefixes the kubelet's disabled debugging handlers answer. */
export const DEBUG_PATHS: readonly string[] = [
  RUN_PREFIX,
  "/exec/",
  "/attach/",
  "/portForward/",
  CONTAINER_LOGS_PREFIX,
  "/runningpods/",
  "/debug/pprof/",
  SYSTEM_LOGS_PREFIX,
];

/** The streaming endpoints (src/streaming), served only by the kubelet API. */
const STREAMING_PATHS = ["/exec/", "/attach/", "/portForward/"];

/** Go's `http.Error`: the message and a newline, plain text, 405. */
function disabled(message: string): Promise<Response> {
  return Promise.resolve(
    new Response(`${message}\n`, {
      status: 405,
      headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
    }),
  );
}

/** Which routes a server gets. */
export interface DebugRouting {
  /** The debugging handlers: containerLogs, run, configz, logs (else the 405s). */
  debugging: boolean;
  /** `/logs/` (with `debugging`; else 405 `logs endpoint is disabled.`). */
  systemLogs: boolean;
  /** `/stats/summary` and `/metrics/resource`. */
  stats: boolean;
}

/** The handlers, built once and shared by both servers (the stats keep CPU samples). */
export interface DebugRoutes {
  /** A handler serving `routing` on top of `local`. */
  handler(routing: DebugRouting, local: Handler): Handler;
}

/** The pod of the status manager named `name` in `namespace`. */
function findPod(pods: PodPipeline, namespace: string, name: string): Pod | undefined {
  return pods.statusManager.pods().find((p) =>
    p.metadata?.namespace === namespace && p.metadata?.name === name
  );
}

/** Builds the handlers on the pods the status manager knows and the runtime's cache. */
export function createDebugRoutes(
  deps: AgentDeps,
  rt: RuntimeSide,
  pods: PodPipeline,
): DebugRoutes {
  let built: ReturnType<typeof buildHandlers> | undefined;
  // Built on first use: a standalone agent without the local handlers never builds them.
  const h = () => built ??= buildHandlers(deps, rt, pods);
  return {
    handler: (routing, local) => (request) => {
      const path = new URL(request.url).pathname;
      if (routing.stats && isStatsPath(path)) return h().stats(request);
      if (!routing.debugging) {
        return DEBUG_PATHS.some((p) => path.startsWith(p))
          ? disabled(DEBUG_DISABLED)
          : local(request);
      }
      if (path.startsWith(CONTAINER_LOGS_PREFIX)) return h().logs(request);
      if (path.startsWith(RUN_PREFIX)) return h().run(request);
      if (path === CONFIGZ_PATH) return h().configz(request);
      if (path.startsWith(SYSTEM_LOGS_PREFIX)) {
        return routing.systemLogs ? h().systemLogs(request) : disabled(LOGS_DISABLED);
      }
      // Served by src/streaming in front of this handler where they are served at all.
      if (STREAMING_PATHS.some((p) => path.startsWith(p))) return disabled(DEBUG_DISABLED);
      return local(request);
    },
  };
}

function buildHandlers(deps: AgentDeps, rt: RuntimeSide, pods: PodPipeline) {
  const { options, clock, logger } = deps;
  const logs = createContainerLogsHandler({
    podLogsDir: options.podLogsDir,
    clock,
    logger,
    findPod: (namespace, name) => {
      const pod = findPod(pods, namespace, name);
      const uid = pod?.metadata?.uid;
      return pod && uid ? { pod, podStatus: rt.cache.get(uid).status } : undefined;
    },
  });
  const run = createRunHandler({
    findPod: (namespace, name) => findPod(pods, namespace, name),
    runtime: rt.runtime,
    logger,
  });
  const configz = createConfigzHandler(options.kubeletConfiguration);
  const systemLogs = createSystemLogsHandler({ logDir: SYSTEM_LOG_DIR });
  const stats = createStatsHandler({
    summary: new SummaryProvider({
      nodeName: options.nodeName,
      runtime: rt.runtime,
      clock,
      rootDir: options.rootDir,
      podLogsDir: options.podLogsDir,
      logger,
    }),
    logger,
  });
  return { logs, run, configz, systemLogs, stats };
}

/** The routing of the kubelet API (port 10250). */
export function kubeletApiRouting(deps: AgentDeps): DebugRouting {
  const s = deps.options.server;
  return { debugging: s.debuggingHandlers, systemLogs: s.systemLogHandler, stats: true };
}

/**
 * The routing of the read-only port: the debugging handlers and stats only
 * with `localDebuggingHandlers` (and `enableDebuggingHandlers`); exec,
 * attach and portForward are never served there.
 */
export function readOnlyRouting(deps: AgentDeps): DebugRouting {
  const o = deps.options;
  const on = o.localDebuggingHandlers && o.server.debuggingHandlers;
  return { debugging: on, systemLogs: on && o.server.systemLogHandler, stats: on };
}

/**
 * The kubelet API's routes on top of the local handler (healthz, pods,
 * metrics): what src/agent/kubelet_server.ts serves behind authentication.
 */
export function kubeletApiHandler(routes: DebugRoutes, deps: AgentDeps, local: Handler): Handler {
  return routes.handler(kubeletApiRouting(deps), local);
}
