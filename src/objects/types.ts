/**
 * The shapes the ConfigMap and Secret consumers (env, envFrom, volumes) and
 * their providers (the API-server managers, the static pod directory's local
 * objects) share. A consumer never talks to a provider directly: the sync
 * step asks a {@linkcode PodObjectSource} to resolve every object a pod
 * refers to, then reads them synchronously from the {@linkcode ObjectLookup}
 * it got.
 *
 * @module
 */

import type { ConfigMap, Pod, Secret } from "kubernetes-types/core/v1.d.ts";

/** The API server's limit on the data of one ConfigMap or Secret (`MaxSecretSize`): 1 MiB. */
export const MAX_OBJECT_DATA_BYTES = 1024 * 1024;

/** The two kinds of objects a pod's env and volumes read. */
export type ObjectKind = "ConfigMap" | "Secret";

/** One referenced object: kind, namespace, name. */
export interface ObjectRef {
  kind: ObjectKind;
  namespace: string;
  name: string;
}

/** `ConfigMap default/app`, as messages name an object. */
export function formatObjectRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/**
 * What one resolve found, read synchronously by the consumers. `undefined`
 * means the object does not exist (NotFound); an object that could not be
 * read for another reason is an {@linkcode ObjectUnavailableError} thrown by
 * the lookup, so a consumer tells "missing" from "unknown now".
 */
export interface ObjectLookup {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

/** An object that exists, or may, but cannot be read now (API down, 403, a bad local file). */
export class ObjectUnavailableError extends Error {
  readonly ref: ObjectRef;
  constructor(ref: ObjectRef, reason: string) {
    super(`Cannot read ${formatObjectRef(ref)}: ${reason}`);
    this.name = "ObjectUnavailableError";
    this.ref = ref;
  }
}

/**
 * Where a pod's ConfigMaps and Secrets come from: the kubelet's configmap and
 * secret managers (with the API server: Watch, Cache or Get) merged with the
 * objects of the static pod directory (which win, with a warning, on a name
 * clash). Standalone, only the local objects.
 */
export interface PodObjectSource {
  /**
   * Starts tracking every object `pod` refers to (the kubelet's RegisterPod):
   * called when a pod is added or its spec changes.
   */
  registerPod(pod: Pod): void;
  /** Stops tracking `pod`'s references (UnregisterPod): called once it is gone. */
  unregisterPod(pod: Pod): void;
  /**
   * Reads (from its cache, watch or a live GET, per strategy) every object
   * `pod` refers to and returns the lookup the consumers read. Never rejects
   * for one object: a missing one is `undefined` in the lookup, an unreadable
   * one throws {@linkcode ObjectUnavailableError} when looked up.
   */
  resolve(pod: Pod, signal?: AbortSignal): Promise<ObjectLookup>;
}

/** A lookup with nothing in it: standalone without local objects. */
export const EMPTY_LOOKUP: ObjectLookup = {
  configMap: () => undefined,
  secret: () => undefined,
};
