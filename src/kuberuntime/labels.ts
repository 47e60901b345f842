/**
 * The labels and annotations the kubelet puts on CRI sandboxes and containers,
 * so `crictl pods`, `crictl ps` and other kubelet-aware tools show pod names,
 * namespaces and container names for denolet's pods too; and the parsers that
 * read them back when listing what runs.
 *
 * @module
 */

import type {
  Container,
  ContainerPort,
  LifecycleHandler,
  Pod,
} from "kubernetes-types/core/v1.d.ts";

/** Label: the pod's name. */
export const POD_NAME_LABEL = "io.kubernetes.pod.name";
/** Label: the pod's namespace. */
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
/** Label: the pod's UID. */
export const POD_UID_LABEL = "io.kubernetes.pod.uid";
/** Label: the container's name in the pod spec. */
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";

/** Annotation: the pod's deletion grace period (seconds), when set. */
export const POD_DELETION_GRACE_PERIOD_ANNOTATION = "io.kubernetes.pod.deletionGracePeriod";
/** Annotation: the pod's termination grace period (seconds), when set. */
export const POD_TERMINATION_GRACE_PERIOD_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";
/** Annotation: the container spec hash (hex). */
export const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
/** Annotation: the restart count the container was created with. */
export const CONTAINER_RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
/** Annotation: the container's terminationMessagePath. */
export const CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION =
  "io.kubernetes.container.terminationMessagePath";
/** Annotation: the container's terminationMessagePolicy. */
export const CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION =
  "io.kubernetes.container.terminationMessagePolicy";
/** Annotation: the preStop handler as JSON, so an orphan can still run it. */
export const CONTAINER_PRE_STOP_HANDLER_ANNOTATION = "io.kubernetes.container.preStopHandler";
/** Annotation: the container ports as JSON. */
export const CONTAINER_PORTS_ANNOTATION = "io.kubernetes.container.ports";
/** Annotation: "init", "container" or "ephemeral". */
export const CONTAINER_TYPE_ANNOTATION = "io.kubernetes.container.type";

/** The kind of container, as kept in {@linkcode CONTAINER_TYPE_ANNOTATION}. */
export type ContainerType = "init" | "container" | "ephemeral";

/** Labels of a pod sandbox: the pod's labels plus name, namespace and UID. */
export function newPodLabels(pod: Pod): Record<string, string> {
  const labels: Record<string, string> = { ...(pod.metadata?.labels ?? {}) };
  labels[POD_NAME_LABEL] = pod.metadata?.name ?? "";
  labels[POD_NAMESPACE_LABEL] = pod.metadata?.namespace ?? "";
  labels[POD_UID_LABEL] = pod.metadata?.uid ?? "";
  return labels;
}

/** Annotations of a pod sandbox: the pod's annotations. */
export function newPodAnnotations(pod: Pod): Record<string, string> {
  return { ...(pod.metadata?.annotations ?? {}) };
}

/** Labels of a container: pod name, namespace, UID and the container name. */
export function newContainerLabels(container: Container, pod: Pod): Record<string, string> {
  return {
    [POD_NAME_LABEL]: pod.metadata?.name ?? "",
    [POD_NAMESPACE_LABEL]: pod.metadata?.namespace ?? "",
    [POD_UID_LABEL]: pod.metadata?.uid ?? "",
    [CONTAINER_NAME_LABEL]: container.name,
  };
}

/** Inputs of {@linkcode newContainerAnnotations} beyond the container and pod. */
export interface ContainerAnnotationOptions {
  /** The container spec hash (hex), from `hashContainer`. */
  hash: string;
  /** The restart count the new container instance gets. */
  restartCount: number;
}

/** The kind of `name` in the pod spec, if it is there. */
export function containerTypeOf(pod: Pod, name: string): ContainerType | undefined {
  if (pod.spec?.initContainers?.some((c) => c.name === name)) return "init";
  if (pod.spec?.containers?.some((c) => c.name === name)) return "container";
  if (pod.spec?.ephemeralContainers?.some((c) => c.name === name)) return "ephemeral";
  return undefined;
}

/** Annotations of a container, exactly the set the kubelet writes. */
export function newContainerAnnotations(
  container: Container,
  pod: Pod,
  options: ContainerAnnotationOptions,
): Record<string, string> {
  const a: Record<string, string> = {};
  a[CONTAINER_HASH_ANNOTATION] = options.hash;
  a[CONTAINER_RESTART_COUNT_ANNOTATION] = String(options.restartCount);
  a[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION] = container.terminationMessagePath ?? "";
  a[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION] = container.terminationMessagePolicy ?? "";
  if (pod.metadata?.deletionGracePeriodSeconds != null) {
    a[POD_DELETION_GRACE_PERIOD_ANNOTATION] = String(pod.metadata.deletionGracePeriodSeconds);
  }
  if (pod.spec?.terminationGracePeriodSeconds != null) {
    a[POD_TERMINATION_GRACE_PERIOD_ANNOTATION] = String(pod.spec.terminationGracePeriodSeconds);
  }
  if (container.lifecycle?.preStop) {
    a[CONTAINER_PRE_STOP_HANDLER_ANNOTATION] = JSON.stringify(container.lifecycle.preStop);
  }
  if (container.ports && container.ports.length > 0) {
    a[CONTAINER_PORTS_ANNOTATION] = JSON.stringify(container.ports);
  }
  const type = containerTypeOf(pod, container.name);
  if (type) a[CONTAINER_TYPE_ANNOTATION] = type;
  return a;
}

/** What a sandbox's labels say about its pod. */
export interface SandboxLabelInfo {
  podName: string;
  podNamespace: string;
  podUid: string;
  /** The pod's own labels (the three kubelet labels removed). */
  labels: Record<string, string>;
}

/** Reads pod identity back from sandbox labels (missing labels read as ""). */
export function sandboxInfoFromLabels(labels: Record<string, string>): SandboxLabelInfo {
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (k !== POD_NAME_LABEL && k !== POD_NAMESPACE_LABEL && k !== POD_UID_LABEL) own[k] = v;
  }
  return {
    podName: labels[POD_NAME_LABEL] ?? "",
    podNamespace: labels[POD_NAMESPACE_LABEL] ?? "",
    podUid: labels[POD_UID_LABEL] ?? "",
    labels: own,
  };
}

/** What a container's labels say. */
export interface ContainerLabelInfo {
  podName: string;
  podNamespace: string;
  podUid: string;
  containerName: string;
}

/** Reads pod and container identity back from container labels. */
export function containerInfoFromLabels(labels: Record<string, string>): ContainerLabelInfo {
  return {
    podName: labels[POD_NAME_LABEL] ?? "",
    podNamespace: labels[POD_NAMESPACE_LABEL] ?? "",
    podUid: labels[POD_UID_LABEL] ?? "",
    containerName: labels[CONTAINER_NAME_LABEL] ?? "",
  };
}

/** What a container's annotations say; unparsable values read as absent (or 0). */
export interface ContainerAnnotationInfo {
  hash: string;
  restartCount: number;
  podDeletionGracePeriod?: number;
  podTerminationGracePeriod?: number;
  terminationMessagePath: string;
  terminationMessagePolicy: string;
  preStopHandler?: LifecycleHandler;
  containerPorts?: ContainerPort[];
  containerType: string;
}

function intOrUndefined(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

function jsonOrUndefined<T>(v: string | undefined): T | undefined {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    return undefined;
  }
}

/** Reads the kubelet annotations back from a container. */
export function containerInfoFromAnnotations(
  annotations: Record<string, string>,
): ContainerAnnotationInfo {
  return {
    hash: annotations[CONTAINER_HASH_ANNOTATION] ?? "",
    restartCount: intOrUndefined(annotations[CONTAINER_RESTART_COUNT_ANNOTATION]) ?? 0,
    podDeletionGracePeriod: intOrUndefined(annotations[POD_DELETION_GRACE_PERIOD_ANNOTATION]),
    podTerminationGracePeriod: intOrUndefined(
      annotations[POD_TERMINATION_GRACE_PERIOD_ANNOTATION],
    ),
    terminationMessagePath: annotations[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION] ?? "",
    terminationMessagePolicy: annotations[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION] ?? "",
    preStopHandler: jsonOrUndefined<LifecycleHandler>(
      annotations[CONTAINER_PRE_STOP_HANDLER_ANNOTATION],
    ),
    containerPorts: jsonOrUndefined<ContainerPort[]>(annotations[CONTAINER_PORTS_ANNOTATION]),
    containerType: annotations[CONTAINER_TYPE_ANNOTATION] ?? "",
  };
}
