/**
 * Pod sources and their merge: the static pod directory ({@linkcode FileSource}),
 * the manifest URL ({@linkcode HttpSource}) and {@linkcode PodConfig}, which turns
 * their snapshots into one ordered stream of {@linkcode PodUpdate}s and tells when
 * all sources are ready. The API-server source (name `api`) implements the same
 * {@linkcode PodSource} interface.
 *
 * @module
 */

export * from "./pod_update.ts";
export * from "./pod_config.ts";
export * from "./sources_ready.ts";
export * from "./file.ts";
export * from "./watch_fs.ts";
export * from "./http.ts";
export * from "./apiserver.ts";
