/**
 * The Runtime implemented on the CRI. Most callers need only
 * {@linkcode KubeRuntimeManager}; the pure parts (computePodActions, labels,
 * the container hash, config builders) are exported for tools and tests.
 *
 * ```ts
 * const manager = new KubeRuntimeManager({ runtimeService, imageService, clock, rootDir, podLogsDir });
 * const status = await manager.getPodStatus(uid, name, namespace);
 * const result = await manager.syncPod(pod, status, { backOff });
 * ```
 *
 * @module
 */

export * from "./kuberuntime_manager.ts";
export * from "./compute_pod_actions.ts";
export * from "./container_hash.ts";
export * from "./labels.ts";
export * from "./sandbox_config.ts";
export * from "./container_config.ts";
export * from "./container_env.ts";
export * from "./volumes.ts";
export * from "./crash_loop_back_off.ts";
export * from "./convert.ts";
export * from "./termination_message.ts";
export { runningPodOf } from "./kill_pod.ts";
export { terminationGracePeriod } from "./kill_container.ts";
export type { HttpGet } from "./_context.ts";
