/**
 * Kubernetes API objects as the node uses them: types, typed decoding with the API
 * server's rules, its defaults, node-relevant Pod validation, quantities, name rules
 * and small Pod helpers.
 *
 * Modules may also import the single files (`src/api/quantity.ts`, ...) directly.
 *
 * @module
 */

export * from "./types.ts";
export * from "./defaults.ts";
export * from "./decode_pod.ts";
export * from "./validation.ts";
export * from "./quantity.ts";
export * from "./names.ts";
export * from "./pod_helpers.ts";
