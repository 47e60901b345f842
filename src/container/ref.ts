/**
 * References to a pod's containers as Kubernetes events name them
 * (kubelet's container/ref.go): `spec.containers{web}`.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";

/** The object an event is about (the fields of a v1 ObjectReference the agent fills). */
export interface InvolvedObject {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion?: string;
  /** Which part of the object, e.g. `spec.containers{web}`. */
  fieldPath?: string;
}

/**
 * The field path of a container in the pod spec: `spec.containers{name}`,
 * `spec.initContainers{name}` or `spec.ephemeralContainers{name}`; undefined
 * when the pod has no container of that name.
 */
export function containerFieldPath(pod: Pod, containerName: string): string | undefined {
  const spec = pod.spec;
  if (!spec) return undefined;
  if (spec.containers?.some((c) => c.name === containerName)) {
    return `spec.containers{${containerName}}`;
  }
  if (spec.initContainers?.some((c) => c.name === containerName)) {
    return `spec.initContainers{${containerName}}`;
  }
  if (spec.ephemeralContainers?.some((c) => c.name === containerName)) {
    return `spec.ephemeralContainers{${containerName}}`;
  }
  return undefined;
}

/** A reference to the pod itself, or to one of its containers when `containerName` is given. */
export function podRef(pod: Pod, containerName?: string): InvolvedObject {
  const ref: InvolvedObject = {
    kind: "Pod",
    apiVersion: "v1",
    namespace: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid ?? "",
  };
  if (containerName !== undefined) {
    const fieldPath = containerFieldPath(pod, containerName);
    if (fieldPath) ref.fieldPath = fieldPath;
  }
  return ref;
}
