import {
  type ContainerState,
  emptyPodStatus,
  type PodStatus,
  type RuntimePod,
  type SandboxState,
} from "../../src/container/runtime.ts";
import { containerStatus } from "../_fixtures/container_status.ts";

export interface FakeContainer {
  id: string;
  name?: string;
  state: ContainerState;
}

export interface FakeSandbox {
  id: string;
  state: SandboxState;
  ip?: string;
}

/** A hand-written fake of the Runtime methods the PLEG uses. */
export class FakePlegRuntime {
  pods = new Map<string, { sandboxes: FakeSandbox[]; containers: FakeContainer[] }>();
  getPodsCalls: boolean[] = [];
  statusCalls: string[] = [];
  failStatus = new Set<string>();
  failList = false;

  setPod(uid: string, sandboxes: FakeSandbox[], containers: FakeContainer[]): void {
    this.pods.set(uid, { sandboxes, containers });
  }

  getPods(all: boolean): Promise<RuntimePod[]> {
    this.getPodsCalls.push(all);
    if (this.failList) return Promise.reject(new Error("runtime down"));
    return Promise.resolve([...this.pods].map(([uid, p]) => ({
      uid,
      name: `pod-${uid}`,
      namespace: "default",
      createdAt: 1,
      sandboxes: p.sandboxes.map((s) => ({ id: s.id, state: s.state, createdAt: 1, attempt: 0 })),
      containers: p.containers.map((c) => ({
        id: c.id,
        name: c.name ?? c.id,
        image: "busybox",
        imageRef: "sha256:1",
        hash: "h",
        state: c.state,
        createdAt: 1,
        attempt: 0,
      })),
    })));
  }

  getPodStatus(uid: string, name: string, namespace: string): Promise<PodStatus> {
    this.statusCalls.push(uid);
    if (this.failStatus.has(uid)) return Promise.reject(new Error(`cannot inspect ${uid}`));
    const p = this.pods.get(uid) ?? { sandboxes: [], containers: [] };
    const status = emptyPodStatus(uid, name, namespace, 0);
    const ready = p.sandboxes.find((s) => s.state === "ready" && s.ip);
    status.ips = ready?.ip ? [ready.ip] : [];
    status.sandboxStatuses = p.sandboxes.map((s) => ({
      id: s.id,
      name,
      namespace,
      uid,
      attempt: 0,
      state: s.state,
      createdAt: 1,
      ip: s.ip ?? "",
      additionalIps: [],
      hostNetwork: false,
      labels: {},
      annotations: {},
    }));
    status.containerStatuses = p.containers.map((c) =>
      containerStatus({ id: c.id, name: c.name ?? c.id, state: c.state })
    );
    return Promise.resolve(status);
  }
}
