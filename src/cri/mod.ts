/**
 * The CRI client: connect to a container runtime over its Unix socket and
 * drive it through the {@linkcode RuntimeService} and {@linkcode ImageService}
 * interfaces.
 *
 * @example
 * ```ts
 * import { connectRuntime } from "./mod.ts";
 *
 * const cri = await connectRuntime("unix:///run/containerd/containerd.sock");
 * try {
 *   console.log(cri.version.runtimeName, await cri.runtime.listPodSandbox());
 * } finally {
 *   cri.close();
 * }
 * ```
 *
 * @module
 */

export * from "./connect_runtime.ts";
export * from "./endpoint.ts";
export * from "./errors.ts";
export * from "./package_definition.ts";
export * from "./permissions_env.ts";
export * from "./remote_image_service.ts";
export * from "./remote_runtime_service.ts";
export * from "./service.ts";
export * from "./timeout_for.ts";
export type * from "./types.ts";
export { CONTAINER_EVENT_TYPES, CONTAINER_STATES, POD_SANDBOX_STATES } from "./types.ts";
export * from "./validate_status.ts";
