/**
 * Builds the local HTTP endpoints: `/healthz` on the healthz port, and
 * `/healthz`, `/pods` and `/metrics` on the read-only port (with
 * `localDebuggingHandlers` also the debugging handlers and stats of
 * debug_handlers.ts, streamed with the kubelet's 4 h streaming idle
 * timeout); their health checks are the runtime's errors and the
 * supervisor's dead loops. In a cluster also the kubelet API on `--port`
 * (src/agent/kubelet_server.ts).
 *
 * @module
 */

import { createHandler, type HealthCheck, startServer } from "../server/mod.ts";
import type { ApiClient } from "../client/mod.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";
import { createDebugRoutes, kubeletApiHandler, readOnlyRouting } from "./debug_handlers.ts";
import { buildKubeletServer } from "./kubelet_server.ts";
import type { PodPipeline } from "./pod_pipeline.ts";
import type { RuntimeSide } from "./runtime_side.ts";

/** Builds the servers; each one is a loop that ends when it stops (and fails when it cannot listen). */
export function buildServers(
  deps: AgentDeps,
  rt: RuntimeSide,
  pods: PodPipeline,
  loopsHealth: () => string | undefined,
  cluster?: { api: ApiClient; nodeIps: readonly string[] },
): AgentLoops {
  const { options, clock, logger, registry, metrics } = deps;
  registry.onCollect(() => {
    const all = pods.statusManager.pods();
    metrics.runningPods.set({}, all.filter((p) => p.status?.phase === "Running").length);
    const running = all.flatMap((p) => p.status?.containerStatuses ?? [])
      .filter((c) => c.state?.running).length;
    metrics.runningContainers.set({ container_state: "running" }, running);
  });
  const healthChecks: HealthCheck[] = [{
    name: "syncloop",
    check: () => {
      const errors = rt.runtimeState.runtimeErrors(clock.now());
      return errors.length > 0 ? errors.join("; ") : undefined;
    },
  }, { name: "loops", check: loopsHealth }];
  const routes = createDebugRoutes(deps, rt, pods);
  const readOnly = createHandler({
    healthChecks,
    podList: () => pods.statusManager.pods(),
    metrics: registry,
    logger,
  });
  const handlers = {
    healthz: createHandler({ healthChecks, logger }),
    "read-only": routes.handler(readOnlyRouting(deps), readOnly),
  };
  const local = readOnlyRouting(deps).debugging;
  if (local && options.readOnlyPort > 0) {
    logger.info("Adding debug handlers to the read-only server (loopback, no authentication)", {
      address: `${options.address}:${options.readOnlyPort}`,
    });
  }
  const servers = [
    { name: "healthz" as const, port: options.healthzPort, hostname: options.healthzBindAddress },
    {
      name: "read-only" as const,
      port: options.readOnlyPort,
      hostname: options.address,
      streamingIdleTimeoutMs: local ? options.server.streamingConnectionIdleTimeout : undefined,
    },
  ];
  const loops: AgentLoops = cluster
    ? buildKubeletServer(
      deps,
      cluster.api,
      cluster.nodeIps,
      kubeletApiHandler(routes, deps, readOnly),
      { rt, pods },
    )
    : {};
  for (const s of servers) {
    if (s.port <= 0) continue;
    loops[s.name] = async (signal) => {
      const server = await startServer(handlers[s.name], { ...s, signal, logger });
      await server.finished;
    };
  }
  return loops;
}
