/**
 * Feeds the kubelet metrics that describe pods and workers from the agent's
 * own signals, without the sync loop knowing about metrics:
 * - {@linkcode timedRuntime}: `kubelet_pod_worker_duration_seconds` per sync
 *   and kill, `kubelet_started_pods_total` for new sandboxes;
 * - {@linkcode podStartObserver}: `kubelet_pod_start_duration_seconds`, from
 *   the time a source first declared the pod (`kubernetes.io/config.seen`)
 *   to the first status in which every container has started;
 * - {@linkcode eventCounter}: `kubelet_started_containers_total` and
 *   `kubelet_started_containers_errors_total` from container events.
 *
 * @module
 */

import type { Pod, PodStatus as V1PodStatus } from "kubernetes-types/core/v1.d.ts";
import { CONFIG_SEEN_ANNOTATION } from "../api/pod_helpers.ts";
import type { Runtime } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";
import type { KubeletMetrics } from "./kubelet_metrics.ts";

type SyncMetrics = Pick<KubeletMetrics, "podWorkerDuration" | "startedPods" | "startedPodsErrors">;

/**
 * Wraps `runtime` so every `syncPod` and `killPod` is timed into
 * `kubelet_pod_worker_duration_seconds{operation_type="sync"|"kill"}` and each
 * sandbox creation counts in `kubelet_started_pods_total` (or its errors).
 */
export function timedRuntime(runtime: Runtime, metrics: SyncMetrics, clock: Clock): Runtime {
  const timed = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    const start = clock.now();
    try {
      return await work();
    } finally {
      metrics.podWorkerDuration.observe(
        { operation_type: operation },
        (clock.now() - start) / 1000,
      );
    }
  };
  return {
    type: () => runtime.type(),
    version: () => runtime.version(),
    apiVersion: () => runtime.apiVersion(),
    status: () => runtime.status(),
    getPods: (all) => runtime.getPods(all),
    getPodStatus: (uid, name, namespace) => runtime.getPodStatus(uid, name, namespace),
    pullImage: (image, pod, signal) => runtime.pullImage(image, pod, signal),
    listImages: () => runtime.listImages(),
    removeImage: (id) => runtime.removeImage(id),
    imageStats: () => runtime.imageStats(),
    listContainerStats: () => runtime.listContainerStats(),
    removePodSandbox: (id) => runtime.removePodSandbox(id),
    removeContainer: (id) => runtime.removeContainer(id),
    execSync: (id, cmd, options) => runtime.execSync(id, cmd, options),
    getExec: (id, cmd, streams) => runtime.getExec(id, cmd, streams),
    getAttach: (id, streams) => runtime.getAttach(id, streams),
    getPortForward: (name, namespace, uid, ports) =>
      runtime.getPortForward(name, namespace, uid, ports),
    containerEvents: (signal) => runtime.containerEvents(signal),
    syncPod: (pod, status, options) =>
      timed("sync", async () => {
        const result = await runtime.syncPod(pod, status, options);
        for (const r of result.results) {
          if (r.action !== "CreatePodSandbox") continue;
          if (r.error) metrics.startedPodsErrors.inc();
          else metrics.startedPods.inc();
        }
        return result;
      }),
    killPod: (pod, runningPod, gracePeriodOverride) =>
      timed("kill", () => runtime.killPod(pod, runningPod, gracePeriodOverride)),
  };
}

function allStarted(pod: Pod, status: V1PodStatus | undefined): boolean {
  const want = pod.spec?.containers?.length ?? 0;
  const have = (status?.containerStatuses ?? []).filter((c) => c.state?.running || c.started);
  return want > 0 && have.length >= want;
}

/**
 * A status listener that observes `kubelet_pod_start_duration_seconds` once
 * per pod UID: from `kubernetes.io/config.seen` to the first status in which
 * every container has started.
 */
export function podStartObserver(
  metrics: Pick<KubeletMetrics, "podStartDuration">,
  clock: Clock,
): (change: { uid: string; pod: Pod; status?: V1PodStatus }) => void {
  const observed = new Set<string>();
  return ({ uid, pod, status }) => {
    if (!status) {
      observed.delete(uid);
      return;
    }
    if (observed.has(uid) || !allStarted(pod, status)) return;
    observed.add(uid);
    const seen = Date.parse(pod.metadata?.annotations?.[CONFIG_SEEN_ANNOTATION] ?? "");
    if (Number.isFinite(seen)) {
      metrics.podStartDuration.observe({}, Math.max(0, clock.now() - seen) / 1000);
    }
  };
}

/**
 * An event listener that counts container starts and start failures by
 * container type (`container`, `init_container`), from the `Started` and
 * `Failed` events on container field paths.
 */
export function eventCounter(
  metrics: Pick<KubeletMetrics, "startedContainers" | "startedContainersErrors">,
): (event: { reason: string; fieldPath?: string }) => void {
  return ({ reason, fieldPath }) => {
    if (!fieldPath) return;
    const containerType = fieldPath.startsWith("spec.initContainers")
      ? "init_container"
      : fieldPath.startsWith("spec.ephemeralContainers")
      ? "ephemeral_container"
      : "container";
    if (reason === "Started") metrics.startedContainers.inc({ container_type: containerType });
    if (reason === "Failed") {
      metrics.startedContainersErrors.inc({ container_type: containerType, code: reason });
    }
  };
}
