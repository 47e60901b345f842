/**
 * Converters from CRI statuses to the runtime-neutral model, used by the
 * evented PLEG to build a PodStatus from a GetContainerEvents event.
 * (KubeRuntimeManager.getPodStatus needs the same mapping; to be shared.)
 */

import type {
  ContainerEventResponse,
  ContainerState as CriContainerState,
  ContainerStatus as CriContainerStatus,
  PodSandboxStatus as CriPodSandboxStatus,
} from "../cri/types.ts";
import type {
  ContainerState,
  ContainerStatus,
  PodStatus,
  SandboxStatus,
} from "../container/runtime.ts";

const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";
const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
const RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
const TERMINATION_GRACE_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";

/** CRI nanoseconds → model milliseconds. */
export function nanosToMs(ns: number): number {
  return Math.floor(ns / 1e6);
}

const STATES: Record<CriContainerState, ContainerState> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
  CONTAINER_UNKNOWN: "unknown",
};

function intOr(value: string | undefined, fallback: number): number {
  const n = value === undefined ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : fallback;
}

/** A CRI ContainerStatus as the model's ContainerStatus. */
export function containerStatusFromCri(s: CriContainerStatus): ContainerStatus {
  const labels = s.labels ?? {};
  const annotations = s.annotations ?? {};
  const out: ContainerStatus = {
    id: s.id,
    name: s.metadata?.name || labels[CONTAINER_NAME_LABEL] || "",
    state: STATES[s.state] ?? "unknown",
    createdAt: nanosToMs(s.createdAt),
    startedAt: nanosToMs(s.startedAt),
    finishedAt: nanosToMs(s.finishedAt),
    exitCode: s.exitCode,
    image: s.image?.userSpecifiedImage || s.image?.image || "",
    imageRef: s.imageRef,
    imageId: s.imageId || s.imageRef,
    hash: annotations[CONTAINER_HASH_ANNOTATION] ?? "",
    restartCount: intOr(annotations[RESTART_COUNT_ANNOTATION], s.metadata?.attempt ?? 0),
    reason: s.reason,
    message: s.message,
    labels,
    annotations,
  };
  const grace = intOr(annotations[TERMINATION_GRACE_ANNOTATION], NaN);
  if (Number.isFinite(grace)) out.terminationGracePeriodSeconds = grace;
  return out;
}

/** A CRI PodSandboxStatus as the model's SandboxStatus. */
export function sandboxStatusFromCri(s: CriPodSandboxStatus): SandboxStatus {
  return {
    id: s.id,
    name: s.metadata?.name ?? "",
    namespace: s.metadata?.namespace ?? "",
    uid: s.metadata?.uid ?? "",
    attempt: s.metadata?.attempt ?? 0,
    state: s.state === "SANDBOX_READY" ? "ready" : "notready",
    createdAt: nanosToMs(s.createdAt),
    ip: s.network?.ip ?? "",
    additionalIps: (s.network?.additionalIps ?? []).map((p) => p.ip).filter((ip) => ip !== ""),
    hostNetwork: s.linux?.namespaces?.options?.network === "NODE",
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
  };
}

/**
 * The PodStatus an event describes: its sandbox status and the pod's container
 * statuses (newest first), observed at the event's time. Undefined when the
 * event has no sandbox status or sandbox metadata.
 */
export function podStatusFromEvent(event: ContainerEventResponse): PodStatus | undefined {
  const sandbox = event.podSandboxStatus;
  if (!sandbox?.metadata) return undefined;
  const sb = sandboxStatusFromCri(sandbox);
  const containerStatuses = (event.containersStatuses ?? []).map(containerStatusFromCri)
    .sort((a, b) => b.createdAt - a.createdAt);
  const ips = sb.ip ? [sb.ip, ...sb.additionalIps] : [];
  return {
    uid: sb.uid,
    name: sb.name,
    namespace: sb.namespace,
    ips,
    containerStatuses,
    sandboxStatuses: [sb],
    timestamp: nanosToMs(event.createdAt),
  };
}
