/**
 * What one sync must do to move a pod towards its spec, decided the way the
 * kubelet's computePodActions decides it. Pure: it takes the pod, what the
 * runtime reports and the probe verdicts, and returns the actions; nothing
 * here talks to the runtime.
 *
 * The one deliberate difference from the kubelet is the container hash (see
 * container_hash.ts): it covers the whole spec, so any spec edit counts as a
 * changed definition.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type {
  ContainerStatus,
  PodStatus,
  ProbeVerdicts,
  SandboxStatus,
} from "../container/runtime.ts";
import { findContainerStatus } from "../container/runtime.ts";
import { hashContainer } from "./container_hash.ts";
import { isRestartableInitContainer, shouldContainerBeRestarted } from "../container/helpers.ts";

/** Why and how one running container is killed. */
export interface ContainerToKill {
  name: string;
  /** Kubelet's reason ("LivenessProbe", "StartupProbe") or "" . */
  reason: string;
  /** The Killing event message. */
  message: string;
}

/** The actions of one sync (kubelet's podActions). */
export interface PodActions {
  /** Kill every container and the sandbox first. */
  killPod: boolean;
  /** Create a new sandbox (after killing the pod). */
  createSandbox: boolean;
  /** The sandbox to use, or the one being replaced; "" when none. */
  sandboxId: string;
  /** The attempt number of a new sandbox. */
  attempt: number;
  /** The init container to start next, by name. */
  nextInitContainerToStart?: string;
  /** Indices into `spec.containers` of the regular containers to start. */
  containersToStart: number[];
  /** Running (or unknown) containers to kill, keyed by runtime container id. */
  containersToKill: Map<string, ContainerToKill>;
}

/** Inputs of {@linkcode computePodActions} besides the pod and its status. */
export interface ComputePodActionsOptions {
  /** Liveness verdicts by container id. */
  livenessResults?: ProbeVerdicts;
  /** Startup verdicts by container id. */
  startupResults?: ProbeVerdicts;
  /** The hash function for containers. @default hashContainer */
  hash?: (container: Container) => string;
}

/** True unless the pod's restartPolicy is Never. */
export function shouldRestartOnFailure(pod: Pod): boolean {
  return (pod.spec?.restartPolicy ?? "Always") !== "Never";
}

/**
 * Kubelet's PodSandboxChanged: whether a new sandbox is needed, its attempt
 * number and the id of the newest sandbox.
 */
export function podSandboxChanged(
  pod: Pod,
  podStatus: PodStatus,
): { changed: boolean; attempt: number; sandboxId: string } {
  const sandboxes: SandboxStatus[] = podStatus.sandboxStatuses;
  if (sandboxes.length === 0) return { changed: true, attempt: 0, sandboxId: "" };
  const ready = sandboxes.filter((s) => s.state === "ready").length;
  const newest = sandboxes[0];
  const next = newest.attempt + 1;
  if (ready > 1) return { changed: true, attempt: next, sandboxId: newest.id };
  if (newest.state !== "ready") return { changed: true, attempt: next, sandboxId: newest.id };
  const hostNetwork = pod.spec?.hostNetwork === true;
  if (newest.hostNetwork !== hostNetwork) return { changed: true, attempt: next, sandboxId: "" };
  if (!hostNetwork && newest.ip === "") {
    return { changed: true, attempt: next, sandboxId: newest.id };
  }
  return { changed: false, attempt: newest.attempt, sandboxId: newest.id };
}

function containerSucceeded(name: string, podStatus: PodStatus): boolean {
  const s = findContainerStatus(podStatus, name);
  return s !== undefined && s.state === "exited" && s.exitCode === 0;
}

/** Kubelet's isInitContainerFailed. */
export function isInitContainerFailed(status: ContainerStatus): boolean {
  if (status.reason === "OOMKilled") return true;
  if (status.state === "exited" && status.exitCode !== 0) return true;
  return status.state === "unknown";
}

export { shouldContainerBeRestarted };

/** The outcome of {@linkcode findNextInitContainerToRun}. */
export interface NextInitContainer {
  /** The status of the last failed init container, if one failed. */
  lastStatus?: ContainerStatus;
  /** The init container to run next. */
  next?: Container;
  /** True when every init container has succeeded (or there are none). */
  done: boolean;
}

/**
 * Kubelet's findNextInitContainerToRun, with sidecars (restartable init
 * containers, `restartPolicy: Always`) as the kubelet's
 * computeInitContainerActions treats them: init containers run in spec
 * order, one at a time; a regular one must exit 0 before the next starts, a
 * sidecar must be running (and, with a startup probe, started: `startup`
 * verdict success) and then keeps running beside the ones after it. A
 * sidecar that is not running is the one to (re)start, whatever the pod's
 * restartPolicy. Once a regular container runs the pod is initialized.
 */
export function findNextInitContainerToRun(
  pod: Pod,
  podStatus: PodStatus,
  startup?: ProbeVerdicts,
): NextInitContainer {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { done: true };
  for (const c of pod.spec?.containers ?? []) {
    if (findContainerStatus(podStatus, c.name)?.state === "running") return { done: true };
  }
  for (const init of inits) {
    const s = findContainerStatus(podStatus, init.name);
    if (isRestartableInitContainer(init)) {
      if (s?.state !== "running") return { next: init, done: false };
      if (init.startupProbe && startup?.get(s.id) !== "success") return { done: false };
      continue;
    }
    if (!s) return { next: init, done: false };
    if (isInitContainerFailed(s)) return { lastStatus: s, next: init, done: false };
    if (s.state === "running") return { done: false };
    if (s.state !== "exited") return { next: init, done: false };
  }
  return { done: true };
}

/**
 * The first sidecar of an initialized pod that is not running (it died
 * after the regular containers started): the kubelet restarts it.
 */
export function sidecarToRestart(pod: Pod, podStatus: PodStatus): Container | undefined {
  return pod.spec?.initContainers?.find((c) =>
    isRestartableInitContainer(c) && findContainerStatus(podStatus, c.name)?.state !== "running"
  );
}

/** Decides the actions of one sync for `pod` given what the runtime reports. */
export function computePodActions(
  pod: Pod,
  podStatus: PodStatus,
  options: ComputePodActionsOptions = {},
): PodActions {
  const hash = options.hash ?? hashContainer;
  const sandbox = podSandboxChanged(pod, podStatus);
  const actions: PodActions = {
    killPod: sandbox.changed,
    createSandbox: sandbox.changed,
    sandboxId: sandbox.sandboxId,
    attempt: sandbox.attempt,
    containersToStart: [],
    containersToKill: new Map(),
  };
  const containers = pod.spec?.containers ?? [];
  const policy = pod.spec?.restartPolicy ?? "Always";

  if (sandbox.changed) {
    if (
      !shouldRestartOnFailure(pod) && sandbox.attempt !== 0 &&
      podStatus.containerStatuses.length !== 0
    ) {
      // restartPolicy Never and the pod already ran: kill only, no new sandbox.
      actions.createSandbox = false;
      return actions;
    }
    const toStart: number[] = [];
    containers.forEach((c, i) => {
      if (policy === "OnFailure" && containerSucceeded(c.name, podStatus)) return;
      toStart.push(i);
    });
    if (toStart.length === 0 && findNextInitContainerToRun(pod, podStatus).done) {
      actions.createSandbox = false;
      return actions;
    }
    const inits = pod.spec?.initContainers ?? [];
    if (inits.length > 0) {
      actions.nextInitContainerToStart = inits[0].name;
      return actions;
    }
    actions.containersToStart = toStart;
    return actions;
  }

  const init = findNextInitContainerToRun(pod, podStatus, options.startupResults);
  if (!init.done) {
    if (init.next) {
      const failed = init.lastStatus !== undefined && isInitContainerFailed(init.lastStatus);
      if (failed && !shouldRestartOnFailure(pod)) {
        actions.killPod = true;
      } else {
        if (init.lastStatus?.state === "unknown") {
          actions.containersToKill.set(init.lastStatus.id, {
            name: init.next.name,
            reason: "",
            message: "Init container is in unknown state, try killing it before restart",
          });
        }
        actions.nextInitContainerToStart = init.next.name;
      }
    }
    return actions;
  }

  if (!pod.metadata?.deletionTimestamp) {
    actions.nextInitContainerToStart = sidecarToRestart(pod, podStatus)?.name;
  }
  let keepCount = 0;
  containers.forEach((container, idx) => {
    const status = findContainerStatus(podStatus, container.name);
    if (!status || status.state !== "running") {
      if (shouldContainerBeRestarted(container, pod, podStatus)) {
        actions.containersToStart.push(idx);
        if (status?.state === "unknown") {
          actions.containersToKill.set(status.id, {
            name: container.name,
            reason: "",
            message: "Container is in unknown state, try killing it before restart",
          });
        }
      }
      return;
    }
    let restart = shouldRestartOnFailure(pod);
    let message: string;
    let reason = "";
    if (status.hash !== hash(container)) {
      message = `Container ${container.name} definition changed`;
      restart = true;
    } else if (options.livenessResults?.get(status.id) === "failure") {
      message = `Container ${container.name} failed liveness probe`;
      reason = "LivenessProbe";
    } else if (options.startupResults?.get(status.id) === "failure") {
      message = `Container ${container.name} failed startup probe`;
      reason = "StartupProbe";
    } else {
      keepCount++;
      return;
    }
    if (restart) {
      message = `${message}, will be restarted`;
      actions.containersToStart.push(idx);
    }
    actions.containersToKill.set(status.id, { name: container.name, reason, message });
  });
  if (keepCount === 0 && actions.containersToStart.length === 0) actions.killPod = true;
  return actions;
}
