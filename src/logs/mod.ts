/**
 * Container logs as the kubelet serves them: the CRI log format, reading
 * with tail/since/limit/follow across rotated files, and the
 * `/containerLogs/{namespace}/{pod}/{container}` handler.
 *
 * @module
 */

export * from "./cri_log.ts";
export * from "./cri_log_joiner.ts";
export * from "./log_files.ts";
export * from "./read_logs.ts";
export type * from "./read_logs_options.ts";
export * from "./pod_log_options.ts";
export * from "./container_log_status.ts";
export * from "./container_logs_handler.ts";
