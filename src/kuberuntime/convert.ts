/**
 * Conversions from CRI shapes to the runtime-neutral model of
 * src/container/runtime.ts: states, nanosecond timestamps to milliseconds,
 * and the pod identity read back from kubelet labels.
 *
 * @module
 */

import type { ContainerEvent, ContainerEventType } from "../container/container_event.ts";
import type {
  ContainerState,
  ContainerStatus,
  PodStatus,
  RuntimeContainer,
  RuntimePod,
  RuntimeSandbox,
  SandboxStatus,
} from "../container/runtime.ts";
import type * as cri from "../cri/types.ts";
import {
  CONTAINER_RESTART_COUNT_ANNOTATION,
  containerInfoFromAnnotations,
  containerInfoFromLabels,
  sandboxInfoFromLabels,
} from "./labels.ts";

/** Nanoseconds since the epoch to milliseconds (0 stays 0). */
export function nanosToMs(ns: number): number {
  return ns > 0 ? Math.floor(ns / 1e6) : 0;
}

/** CRI container state to the model's. */
export function toContainerState(state: cri.ContainerState): ContainerState {
  switch (state) {
    case "CONTAINER_CREATED":
      return "created";
    case "CONTAINER_RUNNING":
      return "running";
    case "CONTAINER_EXITED":
      return "exited";
    default:
      return "unknown";
  }
}

/** A CRI container status in the model's shape. */
export function toContainerStatus(s: cri.ContainerStatus): ContainerStatus {
  const labels = s.labels ?? {};
  const annotations = s.annotations ?? {};
  const info = containerInfoFromAnnotations(annotations);
  return {
    id: s.id,
    name: s.metadata?.name || containerInfoFromLabels(labels).containerName,
    state: toContainerState(s.state),
    createdAt: nanosToMs(s.createdAt),
    startedAt: nanosToMs(s.startedAt),
    finishedAt: nanosToMs(s.finishedAt),
    exitCode: s.exitCode ?? 0,
    image: s.image?.userSpecifiedImage || s.image?.image || "",
    imageRef: s.imageRef ?? "",
    imageId: s.imageId || s.imageRef || "",
    hash: info.hash,
    // Containers created without the annotation (other tools) count by attempt.
    restartCount: annotations[CONTAINER_RESTART_COUNT_ANNOTATION] !== undefined
      ? info.restartCount
      : s.metadata?.attempt ?? 0,
    reason: s.reason ?? "",
    message: s.message ?? "",
    ...(info.podTerminationGracePeriod !== undefined
      ? { terminationGracePeriodSeconds: info.podTerminationGracePeriod }
      : {}),
    labels,
    annotations,
  };
}

/** A CRI sandbox status in the model's shape. */
export function toSandboxStatus(s: cri.PodSandboxStatus): SandboxStatus {
  const md = s.metadata;
  return {
    id: s.id,
    name: md?.name ?? "",
    namespace: md?.namespace ?? "",
    uid: md?.uid ?? "",
    attempt: md?.attempt ?? 0,
    state: s.state === "SANDBOX_READY" ? "ready" : "notready",
    createdAt: nanosToMs(s.createdAt),
    ip: s.network?.ip ?? "",
    additionalIps: (s.network?.additionalIps ?? []).map((p) => p.ip).filter((ip) => ip !== ""),
    hostNetwork: s.linux?.namespaces?.options?.network === "NODE",
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
  };
}

/** A listed container in the model's shape, with the pod it belongs to. */
interface ListedContainer {
  podUid: string;
  podName: string;
  podNamespace: string;
  container: RuntimeContainer;
}

/**
 * Conversions of listed containers the CRI client handed out frozen: it
 * hands out the same frozen object again while the container is unchanged
 * (src/cri/_list_item_cache.ts), so each is read only once. Weak: a
 * container gone from the listings is forgotten with its object.
 */
const listedConversions = new WeakMap<cri.Container, ListedContainer | null>();

function listedContainer(c: cri.Container): ListedContainer | undefined {
  const frozen = Object.isFrozen(c);
  if (frozen) {
    const known = listedConversions.get(c);
    if (known !== undefined) return known ?? undefined;
  }
  const info = containerInfoFromLabels(c.labels ?? {});
  const listed: ListedContainer | null = info.podUid
    ? {
      podUid: info.podUid,
      podName: info.podName,
      podNamespace: info.podNamespace,
      container: {
        id: c.id,
        name: info.containerName || c.metadata?.name || "",
        image: c.image?.userSpecifiedImage || c.image?.image || "",
        imageRef: c.imageRef ?? "",
        hash: containerInfoFromAnnotations(c.annotations ?? {}).hash,
        state: toContainerState(c.state),
        createdAt: nanosToMs(c.createdAt),
        attempt: c.metadata?.attempt ?? 0,
      },
    }
    : null;
  if (frozen) {
    // Shared by every listing that holds `c`: frozen too.
    if (listed) Object.freeze(listed.container);
    listedConversions.set(c, listed);
  }
  return listed ?? undefined;
}

/**
 * Groups listed sandboxes and containers into pods by the pod UID label.
 * Items without the label are not the agent's and are left out. Pods are
 * returned newest first.
 */
export function groupPods(sandboxes: cri.PodSandbox[], containers: cri.Container[]): RuntimePod[] {
  const pods = new Map<string, RuntimePod>();
  const podFor = (uid: string, name: string, namespace: string) => {
    let p = pods.get(uid);
    if (!p) {
      p = { uid, name, namespace, createdAt: 0, containers: [], sandboxes: [] };
      pods.set(uid, p);
    }
    return p;
  };
  for (const s of sandboxes) {
    const info = sandboxInfoFromLabels(s.labels ?? {});
    const uid = info.podUid || s.metadata?.uid || "";
    if (!info.podUid) continue;
    const p = podFor(uid, info.podName || s.metadata?.name || "", info.podNamespace);
    const sb: RuntimeSandbox = {
      id: s.id,
      state: s.state === "SANDBOX_READY" ? "ready" : "notready",
      createdAt: nanosToMs(s.createdAt),
      attempt: s.metadata?.attempt ?? 0,
    };
    p.sandboxes.push(sb);
    p.createdAt = Math.max(p.createdAt, sb.createdAt);
  }
  for (const c of containers) {
    const listed = listedContainer(c);
    if (!listed) continue;
    podFor(listed.podUid, listed.podName, listed.podNamespace).containers.push(listed.container);
  }
  for (const p of pods.values()) {
    p.sandboxes.sort((a, b) => b.createdAt - a.createdAt);
    p.containers.sort((a, b) => b.createdAt - a.createdAt);
  }
  return [...pods.values()].sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * The PodStatus a GetContainerEvents event describes (the evented PLEG's input):
 * its sandbox status and the pod's container statuses (newest first), observed
 * at the event's time. Undefined when the event has no sandbox metadata.
 */
export function podStatusFromEvent(event: cri.ContainerEventResponse): PodStatus | undefined {
  const sandbox = event.podSandboxStatus;
  if (!sandbox?.metadata) return undefined;
  const sb = toSandboxStatus(sandbox);
  const containerStatuses = (event.containersStatuses ?? []).map(toContainerStatus)
    .sort((a, b) => b.createdAt - a.createdAt);
  return {
    uid: sb.uid,
    name: sb.name,
    namespace: sb.namespace,
    ips: sb.ip ? [sb.ip, ...sb.additionalIps] : [],
    containerStatuses,
    sandboxStatuses: [sb],
    timestamp: nanosToMs(event.createdAt),
  };
}

const EVENT_TYPES: Record<cri.ContainerEventResponse["containerEventType"], ContainerEventType> = {
  CONTAINER_CREATED_EVENT: "created",
  CONTAINER_STARTED_EVENT: "started",
  CONTAINER_STOPPED_EVENT: "stopped",
  CONTAINER_DELETED_EVENT: "deleted",
};

/** A CRI container event in the runtime-neutral model (undefined for an unknown type). */
export function containerEventFromCri(
  event: cri.ContainerEventResponse,
): ContainerEvent | undefined {
  const type = EVENT_TYPES[event.containerEventType];
  if (!type) return undefined;
  return {
    containerId: event.containerId,
    type,
    createdAt: nanosToMs(event.createdAt),
    podStatus: podStatusFromEvent(event),
  };
}
