/**
 * Container probes: the four probe kinds (HTTP, TCP, exec, gRPC), probe
 * workers and the prober manager with its liveness, readiness and startup
 * verdicts.
 *
 * main.ts builds one {@linkcode ProberManager}; the pod sync reads its
 * `livenessResults` / `startupResults`, status generation its
 * `readinessResults` / `startupResults`.
 *
 * @module
 */

export * from "./exec_probe.ts";
export * from "./grpc_probe.ts";
export * from "./health_service.ts";
export * from "./http_probe.ts";
export * from "./probe_result.ts";
export * from "./prober.ts";
export * from "./prober_manager.ts";
export * from "./results_manager.ts";
export * from "./status_source.ts";
export * from "./worker.ts";
