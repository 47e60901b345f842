import assert from "node:assert/strict";
import {
  groupPods,
  nanosToMs,
  toContainerStatus,
  toSandboxStatus,
} from "../../src/kuberuntime/convert.ts";
import type * as cri from "../../src/cri/types.ts";
import { imageSpec, namespaceOption } from "../cri/_messages.ts";

const podLabels = {
  "io.kubernetes.pod.name": "web",
  "io.kubernetes.pod.namespace": "default",
  "io.kubernetes.pod.uid": "u1",
};

Deno.test("toContainerStatus() converts states, nanoseconds and kubelet annotations", () => {
  const s: cri.ContainerStatus = {
    id: "c1",
    metadata: { name: "app", attempt: 2 },
    state: "CONTAINER_EXITED",
    createdAt: 1_700_000_000_123_456_789,
    startedAt: 1_700_000_001_000_000_000,
    finishedAt: 1_700_000_002_000_000_000,
    exitCode: 3,
    image: imageSpec({ image: "docker.io/library/busybox:1", userSpecifiedImage: "busybox:1" }),
    imageRef: "sha256:x",
    reason: "Error",
    message: "",
    labels: { ...podLabels, "io.kubernetes.container.name": "app" },
    annotations: {
      "io.kubernetes.container.hash": "beef",
      "io.kubernetes.container.restartCount": "2",
      "io.kubernetes.pod.terminationGracePeriod": "30",
    },
    mounts: [],
    logPath: "",
    resources: null,
    imageId: "",
    user: null,
  };
  const c = toContainerStatus(s);
  assert.equal(c.state, "exited");
  assert.equal(c.createdAt, 1_700_000_000_123);
  assert.equal(c.finishedAt, 1_700_000_002_000);
  assert.equal(c.image, "busybox:1");
  assert.equal(c.imageId, "sha256:x");
  assert.equal(c.hash, "beef");
  assert.equal(c.restartCount, 2);
  assert.equal(c.terminationGracePeriodSeconds, 30);
  assert.equal(nanosToMs(0), 0);
});

Deno.test("toSandboxStatus() reads host networking and IPs", () => {
  const sb = toSandboxStatus({
    id: "s1",
    metadata: { name: "web", namespace: "default", uid: "u1", attempt: 1 },
    state: "SANDBOX_READY",
    createdAt: 5_000_000,
    network: { ip: "10.0.0.2", additionalIps: [{ ip: "fd00::2" }] },
    linux: { namespaces: { options: namespaceOption({ network: "NODE" }) } },
    labels: {},
    annotations: {},
    runtimeHandler: "",
  });
  assert.equal(sb.state, "ready");
  assert.equal(sb.hostNetwork, true);
  assert.equal(sb.attempt, 1);
  assert.equal(sb.createdAt, 5);
  assert.deepEqual(sb.additionalIps, ["fd00::2"]);
});

Deno.test("groupPods() groups by the pod UID label and skips unlabeled items", () => {
  const sandbox = (
    id: string,
    labels: Record<string, string>,
    createdAt: number,
  ): cri.PodSandbox => ({
    id,
    metadata: { name: "web", namespace: "default", uid: "u1", attempt: 0 },
    state: "SANDBOX_READY",
    createdAt,
    labels,
    annotations: {},
    runtimeHandler: "",
  });
  const pods = groupPods(
    [sandbox("s1", podLabels, 1e6), sandbox("s2", podLabels, 3e6), sandbox("x", {}, 2e6)],
    [{
      id: "c1",
      podSandboxId: "s2",
      metadata: { name: "app", attempt: 0 },
      image: imageSpec({ image: "busybox:1" }),
      imageRef: "sha256:x",
      state: "CONTAINER_RUNNING",
      createdAt: 4e6,
      labels: { ...podLabels, "io.kubernetes.container.name": "app" },
      annotations: { "io.kubernetes.container.hash": "h" },
      imageId: "",
    }],
  );
  assert.equal(pods.length, 1);
  assert.deepEqual(pods[0].sandboxes.map((s) => s.id), ["s2", "s1"]);
  assert.equal(pods[0].createdAt, 3);
  assert.deepEqual(pods[0].containers, [{
    id: "c1",
    name: "app",
    image: "busybox:1",
    imageRef: "sha256:x",
    hash: "h",
    state: "running",
    createdAt: 4,
    attempt: 0,
  }]);
});

Deno.test("groupPods() converts a frozen listed container once and gives the same answer", () => {
  const listed = (state: cri.ContainerState): cri.Container =>
    Object.freeze({
      id: "c1",
      podSandboxId: "s1",
      metadata: { name: "app", attempt: 1 },
      image: imageSpec({ image: "busybox:1" }),
      imageRef: "sha256:x",
      state,
      createdAt: 4e6,
      labels: { ...podLabels, "io.kubernetes.container.name": "app" },
      annotations: { "io.kubernetes.container.hash": "h" },
      imageId: "",
    });
  const frozen = listed("CONTAINER_RUNNING");
  const first = groupPods([], [frozen]);
  const again = groupPods([], [frozen]);
  // The same frozen object converts to the same (frozen) container, grouped afresh.
  assert.equal(again[0].containers[0], first[0].containers[0]);
  assert.notEqual(again[0], first[0]);
  assert.ok(Object.isFrozen(first[0].containers[0]));
  assert.deepEqual(first, groupPods([], [{ ...frozen }]));
  // Another object (the container changed) is converted on its own.
  const exited = groupPods([], [listed("CONTAINER_EXITED")]);
  assert.equal(exited[0].containers[0].state, "exited");
  // A frozen container without the pod UID label stays left out.
  assert.deepEqual(groupPods([], [Object.freeze({ ...frozen, labels: {} })]), []);
  assert.deepEqual(groupPods([], [Object.freeze({ ...frozen, labels: {} })]), []);
});
