import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import {
  type ContainerState,
  type ContainerStatus,
  emptyPodStatus,
  type PodStatus,
} from "../../src/container/runtime.ts";
import { containerStatus } from "../_fixtures/container_status.ts";

export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

export function makePod(
  containers: Container[],
  options: {
    restartPolicy?: "Always" | "OnFailure" | "Never";
    initContainers?: Container[];
    hostNetwork?: boolean;
  } = {},
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: {
      containers,
      ...(options.initContainers ? { initContainers: options.initContainers } : {}),
      restartPolicy: options.restartPolicy ?? "Always",
      ...(options.hostNetwork ? { hostNetwork: true } : {}),
    },
  };
}

export function cs(
  id: string,
  name: string,
  state: ContainerState,
  extra: Partial<ContainerStatus> = {},
): ContainerStatus {
  return containerStatus({
    id,
    name,
    state,
    createdAt: T0,
    startedAt: state === "created" ? 0 : T0 + 1000,
    finishedAt: state === "exited" ? T0 + 5000 : 0,
    image: "busybox:1.36",
    imageRef: "sha256:aaa",
    imageId: "sha256:aaa",
    ...extra,
  });
}

export function runtimeStatus(
  containers: ContainerStatus[],
  sandbox: { ready?: boolean; ip?: string; hostNetwork?: boolean } | null = {},
): PodStatus {
  const s = emptyPodStatus("u1", "web", "default", T0);
  if (sandbox) {
    const ready = sandbox.ready ?? true;
    const ip = sandbox.ip ?? (sandbox.hostNetwork ? "" : "10.88.0.5");
    s.ips = ready && ip ? [ip] : [];
    s.sandboxStatuses = [{
      id: "sb1",
      name: "web",
      namespace: "default",
      uid: "u1",
      attempt: 0,
      state: ready ? "ready" : "notready",
      createdAt: T0 - 1000,
      ip,
      additionalIps: [],
      hostNetwork: sandbox.hostNetwork ?? false,
      labels: {},
      annotations: {},
    }];
  }
  s.containerStatuses = containers;
  return s;
}
