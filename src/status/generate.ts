/**
 * The v1 PodStatus of a pod, computed the way the kubelet computes it
 * (generateAPIPodStatus): phase, conditions, container statuses with their
 * states, readiness from probe results, IPs and start time. Pure: everything
 * comes in as arguments, including the time.
 *
 * Unlike the kubelet's standalone mode (kubernetes/kubernetes#44955), the
 * phase is always computed from the containers, so a running pod shows
 * Running in the agent's own endpoints.
 *
 * @module
 */

import type {
  Container,
  ContainerStatus as V1ContainerStatus,
  Pod,
  PodCondition,
  PodStatus as V1PodStatus,
} from "kubernetes-types/core/v1.d.ts";
import { isRestartableInitContainer } from "../container/helpers.ts";
import type { PodStatus, ProbeVerdicts } from "../container/runtime.ts";
import {
  containersReadyCondition,
  initializedCondition,
  KUBELET_CONDITIONS,
  readyCondition,
  readyToStartContainersCondition,
} from "./_conditions.ts";
import { convertContainerStatuses, rfc3339 } from "./_container_statuses.ts";
import { getPhase } from "./phase.ts";
import { podQosClass } from "./qos_class.ts";
import type { WaitingReason } from "./reason_cache.ts";

/** Options for {@linkcode generateApiPodStatus}. */
export interface GenerateApiPodStatusOptions {
  /** The current time (ms since the epoch), for start and transition times. */
  now: number;
  /** Readiness verdicts by runtime container id. @default none: containers with a readiness probe are not ready */
  readiness?: ProbeVerdicts;
  /** Startup verdicts by runtime container id. @default none: containers with a startup probe are not started */
  startup?: ProbeVerdicts;
  /**
   * Whether the agent runs without an API server. It does not change the
   * computation (the phase always follows the containers); it is part of the
   * inputs so callers state the mode.
   */
  standalone: boolean;
  /** The status computed last time, for start/transition times and vanished containers. @default undefined */
  previous?: V1PodStatus;
  /** The runtime's name, the scheme of containerID (`containerd://<id>`). @default "containerd" */
  runtimeType?: string;
  /** The node's IPs: hostIP/hostIPs, and podIP(s) of host-network pods. @default [] */
  nodeIPs?: string[];
  /** The last start failure per container name (see ReasonCache.forPod). @default none */
  reasons?: ReadonlyMap<string, WaitingReason>;
  /** The pod worker will not restart anything any more (pod finished or deleted). @default false */
  terminal?: boolean;
  /** The pod comes from a file or URL source (static pod). @default false */
  isStatic?: boolean;
}

function rawId(containerID: string | undefined): string {
  if (!containerID) return "";
  const i = containerID.indexOf("://");
  return i >= 0 ? containerID.slice(i + 3) : containerID;
}

/** Kubelet's prober_manager UpdatePodStatus for one container: `started` and `ready`. */
function applyProbes(
  status: V1ContainerStatus,
  container: Container | undefined,
  options: GenerateApiPodStatusOptions,
): void {
  const id = rawId(status.containerID);
  const running = status.state?.running !== undefined;
  let started = false;
  if (running) {
    const r = options.startup?.get(id);
    started = r !== undefined ? r === "success" : !container?.startupProbe;
  }
  status.started = started;
  if (!started) {
    status.ready = false;
    return;
  }
  const r = options.readiness?.get(id);
  status.ready = r === "success" || (r === undefined && !container?.readinessProbe);
}

function keepTransitionTimes(
  conditions: PodCondition[],
  previous: readonly PodCondition[],
  now: string | undefined,
): void {
  for (const c of conditions) {
    const old = previous.find((p) => p.type === c.type);
    c.lastTransitionTime = old && old.status === c.status && old.lastTransitionTime
      ? old.lastTransitionTime
      : now;
  }
}

/** The v1 PodStatus of `pod` from the runtime's `podStatus`. */
export function generateApiPodStatus(
  pod: Pod,
  podStatus: PodStatus,
  options: GenerateApiPodStatusOptions,
): V1PodStatus {
  const previous = options.previous ?? pod.status ?? {};
  const convertOptions = {
    runtimeType: options.runtimeType ?? "containerd",
    reasons: options.reasons ?? new Map<string, WaitingReason>(),
  };
  const spec = pod.spec ?? { containers: [] };
  const initContainers = spec.initContainers ?? [];

  const containerStatuses = convertContainerStatuses(
    pod,
    podStatus,
    previous.containerStatuses ?? [],
    spec.containers ?? [],
    false,
    convertOptions,
  );
  const initContainerStatuses = convertContainerStatuses(
    pod,
    podStatus,
    previous.initContainerStatuses ?? [],
    initContainers,
    true,
    convertOptions,
  );

  for (const s of containerStatuses) {
    applyProbes(s, spec.containers?.find((c) => c.name === s.name), options);
  }
  for (const s of initContainerStatuses) {
    const c = initContainers.find((x) => x.name === s.name);
    if (c && isRestartableInitContainer(c)) {
      applyProbes(s, c, options);
    } else {
      s.started = s.state?.running !== undefined;
      s.ready = s.state?.terminated !== undefined && s.state.terminated.exitCode === 0;
    }
  }

  const all = [...initContainerStatuses, ...containerStatuses];
  let phase = getPhase(pod, all, options.terminal ?? false, options.isStatic ?? false);
  // A pod never leaves a terminal phase: the one it had last time, or the
  // one the API server shows.
  const apiPhase = pod.status?.phase;
  if (!isTerminal(phase)) {
    if (isTerminal(previous.phase)) phase = previous.phase;
    else if (isTerminal(apiPhase)) phase = apiPhase;
  }

  const previousConditions = previous.conditions ?? [];
  // Conditions other components own are read from the pod as the API server
  // has it (a readiness gate's condition), else from the last status.
  const foreign = (pod.status?.conditions ?? previousConditions)
    .filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const containersReady = containersReadyCondition(pod, all, phase);
  const conditions: PodCondition[] = [
    readyToStartContainersCondition(pod, podStatus),
    initializedCondition(pod, all, phase),
    readyCondition(pod, containersReady, foreign),
    containersReady,
    { type: "PodScheduled", status: "True" },
  ];
  const now = rfc3339(options.now);
  keepTransitionTimes(conditions, previousConditions, now);

  const status: V1PodStatus = {
    phase,
    conditions: [...conditions, ...structuredClone(foreign)],
  };
  if (phase === previous.phase) {
    // The reason and message go with the phase (Evicted, DeadlineExceeded).
    const reason = previous.reason || pod.status?.reason;
    const message = previous.message || pod.status?.message;
    if (reason) status.reason = reason;
    if (message) status.message = message;
  }
  const nodeIPs = options.nodeIPs ?? [];
  if (nodeIPs.length > 0) {
    status.hostIP = nodeIPs[0];
    status.hostIPs = nodeIPs.map((ip) => ({ ip }));
  }
  let podIPs = podStatus.ips;
  if (spec.hostNetwork && podIPs.length === 0) podIPs = nodeIPs;
  if (podIPs.length > 0) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  status.startTime = previous.startTime ?? now;
  if (initContainers.length > 0) status.initContainerStatuses = initContainerStatuses;
  status.containerStatuses = containerStatuses;
  status.qosClass = podQosClass(pod);
  return status;
}

function isTerminal(phase: string | undefined): phase is "Succeeded" | "Failed" {
  return phase === "Succeeded" || phase === "Failed";
}

export { qosClass } from "./qos_class.ts";
