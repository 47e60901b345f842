/**
 * The prober's pass over a v1 PodStatus (kubelet's prober manager
 * UpdatePodStatus): `started` and `ready` of each container from the
 * startup and readiness verdicts, and the container states the status shows,
 * which feed the workers.
 *
 * @module
 */

import type { Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import type { ProbeVerdicts } from "../container/runtime.ts";
import type { ProbeType } from "./probe_result.ts";
import type { ObservedContainerStatus } from "./status_source.ts";

/** What the pass reads besides the status: the verdicts, and which workers run. */
export interface ProbeState {
  startupResults: ProbeVerdicts;
  readinessResults: ProbeVerdicts;
  /** Whether a worker of this type runs for the named container of the pod. */
  hasWorker(containerName: string, type: ProbeType): boolean;
}

/** Strips the `<runtime>://` prefix of a v1 containerID. */
export function rawContainerId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const at = id.indexOf("://");
  return at >= 0 ? id.slice(at + 3) : id;
}

/** The container states a v1 PodStatus shows. */
export function observe(status: PodStatus): Map<string, ObservedContainerStatus> {
  const out = new Map<string, ObservedContainerStatus>();
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const state = c.state?.running ? "running" : c.state?.terminated ? "terminated" : "waiting";
    const startedAt = c.state?.running?.startedAt;
    out.set(c.name, {
      containerId: rawContainerId(c.containerID),
      state,
      startedAt: startedAt ? Date.parse(startedAt) : undefined,
    });
  }
  return out;
}

/** Whether the status's container state is running. */
function isRunning(c: { state?: { running?: unknown } | null }): boolean {
  return c.state?.running !== undefined && c.state.running !== null;
}

/**
 * The running instances whose workers must see them: every regular
 * container and every sidecar (restartable init container), by name and id.
 */
export function probedInstances(pod: Pod, status: PodStatus): { name: string; id: string }[] {
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name),
  );
  const out: { name: string; id: string }[] = [];
  const statuses = [
    ...(status.containerStatuses ?? []),
    ...(status.initContainerStatuses ?? []).filter((c) => sidecars.has(c.name)),
  ];
  for (const c of statuses) {
    const id = rawContainerId(c.containerID);
    if (isRunning(c) && id) out.push({ name: c.name, id });
  }
  return out;
}

/**
 * Sets `started` and `ready` on the status's container statuses, in place.
 * A container without a startup probe has started once running; without a
 * readiness probe it is ready once started. Completed init containers are
 * ready; sidecars are judged like regular containers.
 */
export function applyProbeVerdicts(pod: Pod, status: PodStatus, state: ProbeState): PodStatus {
  const { startupResults, readinessResults, hasWorker } = state;
  for (const c of status.containerStatuses ?? []) {
    const id = rawContainerId(c.containerID);
    const running = isRunning(c);
    let started = false;
    if (running && id) {
      const verdict = startupResults.get(id);
      started = verdict !== undefined ? verdict === "success" : !hasWorker(c.name, "startup");
    }
    c.started = started;
    let ready = false;
    if (started && id) {
      ready = readinessResults.get(id) === "success" ||
        (readinessResults.get(id) === undefined && !hasWorker(c.name, "readiness"));
    }
    c.ready = ready;
  }
  for (const c of status.initContainerStatuses ?? []) {
    const id = rawContainerId(c.containerID);
    const running = isRunning(c);
    const sidecar = pod.spec?.initContainers?.find((s) => s.name === c.name)?.restartPolicy ===
      "Always";
    if (sidecar) {
      const startup = id ? startupResults.get(id) : undefined;
      c.started = running &&
        (startup !== undefined ? startup === "success" : !hasWorker(c.name, "startup"));
      const readiness = id ? readinessResults.get(id) : undefined;
      c.ready = c.started &&
        (readiness !== undefined ? readiness === "success" : !hasWorker(c.name, "readiness"));
    } else {
      c.ready = c.state?.terminated?.exitCode === 0;
    }
  }
  return status;
}
