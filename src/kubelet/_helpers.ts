/**
 * Small pure helpers of the sync loop: pod naming for logs, the kubelet's
 * retry periods and jitter, and the part of a pod status that is left to kill.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { CachedPodStatus } from "../container/cache.ts";
import {
  type PodStatus,
  type Runtime,
  type RuntimePod,
  runtimePodFromStatus,
  type SyncPodOptions,
} from "../container/runtime.ts";
import { PodSyncResult } from "../container/sync_result.ts";
import { errText } from "../util/err_text.ts";
import type { Logger } from "../util/logger.ts";
import {
  type ObjectKind,
  type ObjectLookup,
  ObjectUnavailableError,
  type PodObjectSource,
} from "../objects/types.ts";

export { errText };

/** A pod being killed: removed from the sources, deleted, or an orphan. */
export interface Termination {
  /** The last pod object, or undefined for an orphan. */
  pod?: Pod;
  name: string;
  namespace: string;
  gracePeriodOverride?: number;
}

/** Kubelet's backOffPeriod: retry after a failed sync. */
export const ERROR_RETRY_MS = 10_000;
/** Retry after a transient failure (the runtime did not answer). */
export const TRANSIENT_RETRY_MS = 1_000;

/** kubelet's wait.Jitter(d, 0.5): `ms` plus up to half of it. */
export function jitter(ms: number, random: () => number): number {
  return ms + random() * 0.5 * ms;
}

/** `name_namespace(uid)`, kubelet's format.Pod. */
export function format(name: string, namespace: string, uid: string): string {
  return `${name}_${namespace}(${uid})`;
}

/** {@linkcode format} of a pod object. */
export function formatPod(pod: Pod): string {
  const m = pod.metadata ?? {};
  return format(m.name ?? "", m.namespace ?? "", m.uid ?? "");
}

/** The pod's UID; TypeError when it has none. */
export function uidOf(pod: Pod): string {
  const uid = pod.metadata?.uid;
  if (!uid) {
    throw new TypeError(
      `Cannot sync pod '${pod.metadata?.name ?? ""}': field 'metadata.uid' is empty`,
    );
  }
  return uid;
}

/**
 * What is left to kill of a pod (kubelet's ConvertPodStatusToRunningPod, but
 * keeping created and unknown containers too: they must be stopped as well).
 */
export function runningPodOf(status: PodStatus): RuntimePod {
  return runtimePodFromStatus(status, (c) => c.state !== "exited");
}

/**
 * Moves the runtime towards the pod's spec from the cached status; a failed
 * inspection or a runtime that did not answer is a transient failure (retried
 * soon), not a sync error.
 */
export async function syncWithRuntime(
  runtime: Pick<Runtime, "syncPod">,
  pod: Pod,
  cached: CachedPodStatus,
  options: SyncPodOptions,
): Promise<{ result: PodSyncResult; transient: boolean }> {
  if (cached.error) {
    const result = new PodSyncResult();
    result.fail(`failed to inspect pod: ${cached.error.message}`);
    return { result, transient: true };
  }
  try {
    return { result: await runtime.syncPod(pod, cached.status, options), transient: false };
  } catch (err) {
    const result = new PodSyncResult();
    result.fail(errText(err));
    return { result, transient: true };
  }
}

/**
 * The ConfigMaps and Secrets `pod` refers to, from `objects` (none: undefined).
 * A source must not reject; if it does (a defect), every object reads as
 * unavailable, so the containers that need one wait with
 * CreateContainerConfigError instead of the pass failing.
 */
export async function resolvePodObjects(
  objects: PodObjectSource | undefined,
  pod: Pod,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ObjectLookup | undefined> {
  if (!objects) return undefined;
  try {
    return await objects.resolve(pod, signal);
  } catch (err) {
    if (signal?.aborted) throw err;
    logger.error("Cannot resolve the pod's ConfigMaps and Secrets", { pod: formatPod(pod), err });
    const unavailable = (kind: ObjectKind) => (namespace: string, name: string): never => {
      throw new ObjectUnavailableError({ kind, namespace, name }, errText(err));
    };
    return { configMap: unavailable("ConfigMap"), secret: unavailable("Secret") };
  }
}
