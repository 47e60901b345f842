/**
 * Small helpers about Pods the kubelet uses everywhere: the full name, the config
 * source and the annotations the pod sources stamp on pods.
 *
 * @module
 */

import type { Pod } from "./types.ts";

/** Which source a pod came from: `file`, `http` or `api` (set by the PodConfig merger). */
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";
/** The config hash of a static pod (its UID). */
export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
/** When the merger first saw the pod (RFC 3339 with nanoseconds). */
export const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";
/** Only on mirror pods in the API server; the value is the static pod's config hash. */
export const CONFIG_MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

/** Pod source: a manifest file or directory. */
export const FILE_SOURCE = "file";
/** Pod source: a manifest URL. */
export const HTTP_SOURCE = "http";
/** Pod source: the API server. */
export const API_SERVER_SOURCE = "api";
/** All sources at once. */
export const ALL_SOURCES = "*";

/** The kubelet's full name of a pod: `<name>_<namespace>`. */
export function podFullName(pod: Pod): string {
  return `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}`;
}

/** The `kubernetes.io/config.source` annotation of a pod, if set. */
export function podSource(pod: Pod): string | undefined {
  return pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION];
}

/** Whether a pod is static: it has a config source and that source is not the API server. */
export function isStaticPod(pod: Pod): boolean {
  const source = podSource(pod);
  return source !== undefined && source !== API_SERVER_SOURCE;
}

/** Whether a pod is a mirror pod (it carries the `kubernetes.io/config.mirror` annotation). */
export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}
