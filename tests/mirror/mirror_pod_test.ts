import assert from "node:assert/strict";
import type { Pod } from "../../src/api/types.ts";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
} from "../../src/api/pod_helpers.ts";
import {
  buildMirrorPod,
  isMirrorPod,
  mirrorPodHash,
  staticPodHash,
} from "../../src/mirror/mirror_pod.ts";

const OWNER = { nodeName: "n1", nodeUid: "node-uid" };

function staticPod(): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-n1",
      namespace: "default",
      uid: "static-uid",
      resourceVersion: "7",
      creationTimestamp: "2026-12-01T00:00:00Z",
      labels: { app: "web" },
      annotations: {
        [CONFIG_SOURCE_ANNOTATION]: "file",
        [CONFIG_SEEN_ANNOTATION]: "2026-12-01T00:00:00.000000000Z",
        [CONFIG_HASH_ANNOTATION]: "h1",
        team: "a",
      },
    },
    spec: { nodeName: "other", containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Running" },
  };
}

Deno.test("buildMirrorPod() copies name, labels and annotations, adds config.mirror, the node and its owner reference", () => {
  const pod = staticPod();
  const before = structuredClone(pod);
  const mirror = buildMirrorPod(pod, OWNER);
  assert.deepEqual(mirror, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-n1",
      namespace: "default",
      labels: { app: "web" },
      annotations: {
        [CONFIG_SOURCE_ANNOTATION]: "file",
        [CONFIG_SEEN_ANNOTATION]: "2026-12-01T00:00:00.000000000Z",
        [CONFIG_HASH_ANNOTATION]: "h1",
        [CONFIG_MIRROR_ANNOTATION]: "h1",
        team: "a",
      },
      ownerReferences: [
        { apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid", controller: true },
      ],
    },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
  });
  assert.deepEqual(pod, before, "the static pod is not modified");
  assert.equal(isMirrorPod(mirror), true);
  assert.equal(isMirrorPod(pod), false);
  assert.equal(mirrorPodHash(mirror), "h1");
});

Deno.test("staticPodHash() is the config.hash annotation, or the UID when it is absent", () => {
  const pod = staticPod();
  assert.equal(staticPodHash(pod), "h1");
  delete pod.metadata!.annotations![CONFIG_HASH_ANNOTATION];
  assert.equal(staticPodHash(pod), "static-uid");
  assert.equal(
    buildMirrorPod(pod, OWNER).metadata!.annotations![CONFIG_MIRROR_ANNOTATION],
    "static-uid",
  );
});

Deno.test("buildMirrorPod() rejects a pod without a name with one line naming it", () => {
  const pod = staticPod();
  delete pod.metadata!.name;
  assert.throws(() => buildMirrorPod(pod, OWNER), TypeError, "default/");
});
