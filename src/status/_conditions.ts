/**
 * The pod conditions the kubelet owns (pkg/kubelet/status/generate.go):
 * PodReadyToStartContainers, Initialized, ContainersReady and Ready.
 */

import type { ContainerStatus, Pod, PodCondition } from "kubernetes-types/core/v1.d.ts";
import { isRestartableInitContainer } from "../container/helpers.ts";
import type { PodStatus } from "../container/runtime.ts";
import { hasAnyRegularContainerStarted, type PodPhase } from "./phase.ts";

/**
 * The condition types the kubelet owns (kubelet types PodConditionsByKubelet,
 * with PodReadyToStartContainers): it computes them; every other condition
 * belongs to another component and is only read.
 */
export const KUBELET_CONDITIONS: ReadonlySet<string> = new Set([
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
]);

/** Go's %s of a []string: "[a b]". */
function goList(names: string[]): string {
  return `[${names.join(" ")}]`;
}

function condition(
  type: string,
  ok: boolean,
  reason?: string,
  message?: string,
): PodCondition {
  const c: PodCondition = { type, status: ok ? "True" : "False" };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/**
 * Kubelet's PodSandboxChanged, reduced to "is a new sandbox needed": none, more
 * than one ready, the newest not ready, a network mode mismatch, or a pod
 * network sandbox without an IP.
 */
export function sandboxNeeded(pod: Pod, podStatus: PodStatus): boolean {
  const sandboxes = podStatus.sandboxStatuses;
  if (sandboxes.length === 0) return true;
  if (sandboxes.filter((s) => s.state === "ready").length > 1) return true;
  const newest = sandboxes.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
  if (newest.state !== "ready") return true;
  const hostNetwork = pod.spec?.hostNetwork === true;
  if (newest.hostNetwork !== hostNetwork) return true;
  return !hostNetwork && newest.ip === "";
}

export function readyToStartContainersCondition(pod: Pod, podStatus: PodStatus): PodCondition {
  return condition("PodReadyToStartContainers", !sandboxNeeded(pod, podStatus));
}

export function initializedCondition(
  pod: Pod,
  statuses: readonly ContainerStatus[],
  phase: PodPhase,
): PodCondition {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return condition("Initialized", true);
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    if (isRestartableInitContainer(c)) {
      if (!s.started) incomplete.push(c.name);
      continue;
    }
    if (!s.state?.terminated || s.state.terminated.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === "Succeeded" && unknown.length === 0) {
    return condition("Initialized", true, "PodCompleted");
  }
  if (hasAnyRegularContainerStarted(pod, statuses)) return condition("Initialized", true);
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (messages.length) {
    return condition("Initialized", false, "ContainersNotInitialized", messages.join(", "));
  }
  return condition("Initialized", true);
}

export function containersReadyCondition(
  pod: Pod,
  statuses: readonly ContainerStatus[],
  phase: PodPhase,
): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (name: string) => {
    const s = statuses.find((x) => x.name === name);
    if (!s) unknown.push(name);
    else if (!s.ready) unready.push(name);
  };
  for (const c of pod.spec?.initContainers ?? []) if (isRestartableInitContainer(c)) check(c.name);
  for (const c of pod.spec?.containers ?? []) check(c.name);
  if (phase === "Succeeded" && unknown.length === 0) {
    return condition("ContainersReady", false, "PodCompleted");
  }
  if (phase === "Failed") return condition("ContainersReady", false, "PodFailed");
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length) {
    return condition("ContainersReady", false, "ContainersNotReady", messages.join(", "));
  }
  return condition("ContainersReady", true);
}

export function readyCondition(
  pod: Pod,
  containersReady: PodCondition,
  otherConditions: readonly PodCondition[],
): PodCondition {
  if (containersReady.status !== "True") {
    return condition("Ready", false, containersReady.reason, containersReady.message);
  }
  const messages: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = otherConditions.find((x) => x.type === gate.conditionType);
    if (!c) {
      messages.push(
        `corresponding condition of pod readiness gate ${
          JSON.stringify(gate.conditionType)
        } does not exist.`,
      );
    } else if (c.status !== "True") {
      messages.push(
        `the status of pod readiness gate ${
          JSON.stringify(gate.conditionType)
        } is not "True", but ${c.status}`,
      );
    }
  }
  if (messages.length) {
    return condition("Ready", false, "ReadinessGatesNotReady", messages.join(", "));
  }
  return condition("Ready", true);
}
