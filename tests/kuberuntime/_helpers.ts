/** Builders shared by the kuberuntime tests. */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type {
  ContainerState,
  ContainerStatus,
  PodStatus,
  SandboxStatus,
} from "../../src/container/runtime.ts";
import { hashContainer } from "../../src/kuberuntime/container_hash.ts";

export function makePod(
  containers: Container[],
  spec: Partial<NonNullable<Pod["spec"]>> = {},
  uid = "uid-1",
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid },
    spec: { containers, ...spec },
  };
}

export function sandbox(overrides: Partial<SandboxStatus> = {}): SandboxStatus {
  return {
    id: "sb-1",
    name: "web",
    namespace: "default",
    uid: "uid-1",
    attempt: 0,
    state: "ready",
    createdAt: 1000,
    ip: "10.0.0.2",
    additionalIps: [],
    hostNetwork: false,
    labels: {},
    annotations: {},
    ...overrides,
  };
}

let seq = 0;
export function cstatus(
  container: Container,
  state: ContainerState,
  overrides: Partial<ContainerStatus> = {},
): ContainerStatus {
  seq++;
  return {
    id: `c-${container.name}-${seq}`,
    name: container.name,
    state,
    createdAt: 2000 + seq,
    startedAt: 2000 + seq,
    finishedAt: state === "exited" ? 3000 + seq : 0,
    exitCode: 0,
    image: container.image ?? "",
    imageRef: "sha256:x",
    imageId: "sha256:x",
    hash: hashContainer(container),
    restartCount: 0,
    reason: "",
    message: "",
    labels: {},
    annotations: {},
    ...overrides,
  };
}

export function podStatus(
  sandboxes: SandboxStatus[],
  containers: ContainerStatus[],
): PodStatus {
  return {
    uid: "uid-1",
    name: "web",
    namespace: "default",
    ips: sandboxes[0]?.ip ? [sandboxes[0].ip] : [],
    containerStatuses: [...containers].sort((a, b) => b.createdAt - a.createdAt),
    sandboxStatuses: sandboxes,
    timestamp: 0,
  };
}
