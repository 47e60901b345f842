/**
 * The one {@linkcode PodObjectSource} the sync step asks: the static pod
 * directory's ConfigMaps and Secrets ({@linkcode LocalObjectStore}) merged
 * with the cluster's ({@linkcode ObjectManager}, one per kind).
 *
 * - A name present locally wins over the cluster's object. When a pod the
 *   API server manages uses it and the cluster has an object of that name
 *   too, one warning per object says so ("ConfigMap ns/name from the static
 *   pod directory shadows the cluster's").
 * - A static pod (annotation `kubernetes.io/config.source` file or http) is
 *   not registered with the managers for the names the local store has: the
 *   node never asks the API server for a static pod's local objects (the
 *   Node authorizer would refuse it anyway: no pod bound to the node refers
 *   to them, and a mirror pod may not). When the local set changes, the
 *   static pods that refer to a changed name are registered again, so a
 *   local file removed falls back to the cluster's object, and one added
 *   releases the cluster's.
 * - Without a manager for a kind (standalone: none at all), only the local
 *   objects of that kind count, and a name absent locally is NotFound.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import { isStaticPod } from "../api/pod_helpers.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { lookupOf, type ObjectResult } from "./_object_result.ts";
import type { LocalObjectStore } from "./local_objects.ts";
import type { ObjectManager } from "./object_manager.ts";
import { objectKey, podKey, podObjectRefs } from "./pod_refs.ts";
import {
  formatObjectRef,
  type ObjectLookup,
  type ObjectRef,
  type PodObjectSource,
} from "./types.ts";

/** The managers' calls the source makes (an {@linkcode ObjectManager}). */
export type ObjectManagerLike = Pick<
  ObjectManager,
  "registerPod" | "unregisterPod" | "get" | "onChange"
>;

/** Options of {@linkcode createPodObjectSource}. */
export interface PodObjectSourceOptions {
  /** The static pod directory's objects. @default none */
  local?: LocalObjectStore;
  /** The cluster's ConfigMaps. @default none (standalone) */
  configMaps?: ObjectManagerLike;
  /** The cluster's Secrets. @default none (standalone) */
  secrets?: ObjectManagerLike;
  /** @default nullLogger */
  logger?: Logger;
  /** Unused: the managers keep their own time. */
  clock?: Clock;
}

/** A {@linkcode PodObjectSource} that also tells which objects changed. */
export interface MergedPodObjectSource extends PodObjectSource {
  /**
   * Calls `listener` for each object changed locally or in a watch; returns
   * the function that removes it.
   */
  onChange(listener: (ref: ObjectRef) => void): () => void;
  /** Stops following the local store's changes. */
  close(): void;
}

/** The source of every pod's ConfigMaps and Secrets: local ones first, then the cluster's. */
export function createPodObjectSource(options: PodObjectSourceOptions = {}): MergedPodObjectSource {
  const { local, configMaps, secrets } = options;
  const logger = options.logger ?? nullLogger;
  const pods = new Map<string, Pod>();
  /** Objects warned about (or being checked): one warning per object. */
  const warned = new Set<string>();
  const managerOf = (ref: ObjectRef) => ref.kind === "ConfigMap" ? configMaps : secrets;

  /** The refs `pod` is registered with the managers for. */
  const managerRefs = (pod: Pod): ObjectRef[] => {
    const refs = podObjectRefs(pod);
    return local && isStaticPod(pod) ? refs.filter((r) => !local.has(r)) : refs;
  };

  const register = (pod: Pod) => {
    const refs = managerRefs(pod);
    configMaps?.registerPod(pod, refs);
    secrets?.registerPod(pod, refs);
  };

  const stopLocal = local?.onChange((ref) => {
    const key = objectKey(ref);
    for (const pod of pods.values()) {
      if (isStaticPod(pod) && podObjectRefs(pod).some((r) => objectKey(r) === key)) register(pod);
    }
  });

  /**
   * Warns once if the cluster has an object the local one shadows (pods the
   * API manages only). Not awaited: a local object is never slowed by the
   * API server; it never rejects (a manager's read does not).
   */
  const checkShadow = async (ref: ObjectRef) => {
    const key = objectKey(ref);
    const manager = managerOf(ref);
    if (!manager || warned.has(key)) return;
    warned.add(key);
    const r = await manager.get(ref.namespace, ref.name);
    if (r.state !== "found") {
      warned.delete(key);
      return;
    }
    logger.warn(`${formatObjectRef(ref)} from the static pod directory shadows the cluster's`, {
      kind: ref.kind,
      object: `${ref.namespace}/${ref.name}`,
    });
  };

  const resolveOne = async (
    pod: Pod,
    ref: ObjectRef,
    signal?: AbortSignal,
  ): Promise<ObjectResult> => {
    const object = local?.get(ref);
    if (object) {
      if (!isStaticPod(pod)) void checkShadow(ref);
      return { state: "found", object };
    }
    const manager = managerOf(ref);
    if (!manager) return { state: "absent" };
    return await manager.get(ref.namespace, ref.name, signal);
  };

  return {
    registerPod(pod: Pod): void {
      pods.set(podKey(pod), pod);
      register(pod);
    },
    unregisterPod(pod: Pod): void {
      pods.delete(podKey(pod));
      configMaps?.unregisterPod(pod);
      secrets?.unregisterPod(pod);
    },
    async resolve(pod: Pod, signal?: AbortSignal): Promise<ObjectLookup> {
      const results = new Map<string, ObjectResult>();
      await Promise.all(
        podObjectRefs(pod).map(async (ref) => {
          results.set(objectKey(ref), await resolveOne(pod, ref, signal));
        }),
      );
      signal?.throwIfAborted();
      return lookupOf(results);
    },
    onChange(listener: (ref: ObjectRef) => void): () => void {
      const stops = [local, configMaps, secrets].map((s) => s?.onChange(listener));
      return () => stops.forEach((stop) => stop?.());
    },
    close(): void {
      stopLocal?.();
    },
  };
}
