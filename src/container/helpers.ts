/**
 * Small runtime-neutral decisions about containers (kubelet's
 * container/helpers.go), shared by the sync and the status computation.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { findContainerStatus, type PodStatus } from "./runtime.ts";

/** True for a sidecar: an init container with `restartPolicy: Always`. */
export function isRestartableInitContainer(container: Container): boolean {
  return container.restartPolicy === "Always";
}

/**
 * Kubelet's ShouldContainerBeRestarted: whether a container that is not
 * running would be started (again) by the next sync. In order: a pod being
 * deleted → no; never ran → yes; running → no; unknown or created → yes;
 * restartPolicy Never → no; OnFailure with exit code 0 → no; otherwise yes.
 */
export function shouldContainerBeRestarted(
  container: Container,
  pod: Pod,
  podStatus: PodStatus,
): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  const status = findContainerStatus(podStatus, container.name);
  if (!status) return true;
  if (status.state === "running") return false;
  if (status.state === "unknown" || status.state === "created") return true;
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (policy === "Never") return false;
  if (policy === "OnFailure" && status.exitCode === 0) return false;
  return true;
}
