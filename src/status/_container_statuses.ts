/**
 * v1 container statuses from the runtime's view (kubelet's
 * convertToAPIContainerStatuses), before readiness is applied.
 */

import type {
  Container,
  ContainerState,
  ContainerStatus as V1ContainerStatus,
  Pod,
} from "kubernetes-types/core/v1.d.ts";
import { shouldContainerBeRestarted } from "../container/helpers.ts";
import { type ContainerStatus, findContainerStatus, type PodStatus } from "../container/runtime.ts";
import type { WaitingReason } from "./reason_cache.ts";

/** RFC 3339 with seconds, as v1 Time serialises; undefined for 0. */
export function rfc3339(ms: number): string | undefined {
  if (!ms) return undefined;
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

export interface ConvertOptions {
  runtimeType: string;
  reasons: ReadonlyMap<string, WaitingReason>;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function convertOne(
  cs: ContainerStatus,
  old: V1ContainerStatus | undefined,
  runtimeType: string,
): V1ContainerStatus {
  const containerID = `${runtimeType}://${cs.id}`;
  const status: V1ContainerStatus = {
    name: cs.name,
    restartCount: cs.restartCount,
    image: cs.image,
    imageID: cs.imageId || cs.imageRef,
    containerID,
    ready: false,
  };
  let state: ContainerState;
  switch (cs.state) {
    case "running":
      state = { running: { startedAt: rfc3339(cs.startedAt) } };
      break;
    case "created":
      state = { waiting: {} };
      break;
    case "exited":
      state = {
        terminated: {
          exitCode: cs.exitCode,
          reason: cs.reason || (cs.exitCode === 0 ? "Completed" : "Error"),
          ...(cs.message ? { message: cs.message } : {}),
          startedAt: rfc3339(cs.startedAt),
          finishedAt: rfc3339(cs.finishedAt),
          containerID,
        },
      };
      break;
    default:
      state = old?.state?.running
        ? {
          terminated: {
            reason: "ContainerStatusUnknown",
            message: "The container could not be located when the pod was terminated",
            exitCode: 137,
          },
        }
        : { waiting: {} };
  }
  status.state = state;
  return status;
}

/**
 * The v1 statuses of `containers` (the regular or the init containers of the
 * pod), combining the runtime's instances (newest → state, second newest →
 * lastState), the previous v1 statuses and the last start failures.
 */
export function convertContainerStatuses(
  pod: Pod,
  podStatus: PodStatus,
  previous: readonly V1ContainerStatus[],
  containers: readonly Container[],
  isInit: boolean,
  options: ConvertOptions,
): V1ContainerStatus[] {
  const hasInit = (pod.spec?.initContainers ?? []).length > 0;
  const defaultReason = hasInit ? "PodInitializing" : "ContainerCreating";
  const old = new Map(previous.map((s) => [s.name, s]));
  const statuses = new Map<string, V1ContainerStatus>();

  for (const c of containers) {
    let status: V1ContainerStatus = {
      name: c.name,
      image: c.image ?? "",
      imageID: "",
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: defaultReason } },
    };
    const o = old.get(c.name);
    if (o) {
      if (o.state?.terminated) status = clone(o);
      else {
        status.restartCount = o.restartCount;
        if (o.lastState) status.lastState = clone(o.lastState);
      }
    }
    statuses.set(c.name, status);
  }

  // A container that was running and has vanished from the runtime terminated
  // with an unknown status.
  for (const c of containers) {
    if (podStatus.containerStatuses.some((s) => s.name === c.name)) continue;
    const o = old.get(c.name);
    if (!o || o.state?.terminated || !o.state?.running) continue;
    const status = statuses.get(c.name)!;
    if (status.state?.waiting?.reason !== defaultReason) continue;
    if (status.lastState?.terminated) continue;
    status.lastState = {
      terminated: {
        reason: "ContainerStatusUnknown",
        message:
          "The container could not be located when the pod was deleted.  The container used to be Running",
        exitCode: 137,
      },
    };
    if (!pod.metadata?.deletionTimestamp) status.restartCount++;
  }

  const newestFirst = [...podStatus.containerStatuses].sort((a, b) => b.createdAt - a.createdAt);
  const seen = new Map<string, number>();
  for (const cs of newestFirst) {
    if (!statuses.has(cs.name)) continue;
    const n = seen.get(cs.name) ?? 0;
    if (n >= 2) continue;
    const converted = convertOne(cs, old.get(cs.name), options.runtimeType);
    if (n === 0) statuses.set(cs.name, converted);
    else statuses.get(cs.name)!.lastState = converted.state;
    seen.set(cs.name, n + 1);
  }

  // Containers the next sync would (re)start and whose last start failed are waiting.
  for (const c of containers) {
    if (isInit) {
      const s = findContainerStatus(podStatus, c.name);
      if (s && s.state === "exited" && s.exitCode === 0) continue;
    }
    if (!shouldContainerBeRestarted(c, pod, podStatus)) continue;
    const reason = options.reasons.get(c.name);
    if (!reason) continue;
    const status = statuses.get(c.name)!;
    if (status.state?.terminated) status.lastState = status.state;
    status.state = {
      waiting: { reason: reason.reason, ...(reason.message ? { message: reason.message } : {}) },
    };
  }

  const out = containers.map((c) => statuses.get(c.name)!);
  if (!isInit) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}
