import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { containerFieldPath, podRef } from "../../src/container/ref.ts";

const pod: Pod = {
  metadata: { name: "web", namespace: "prod", uid: "u1" },
  spec: {
    containers: [{ name: "app" }],
    initContainers: [{ name: "setup" }],
    ephemeralContainers: [{ name: "debug" }],
  },
};

Deno.test("containerFieldPath() names the spec list the container is in", async (t) => {
  for (
    const [name, want] of [
      ["app", "spec.containers{app}"],
      ["setup", "spec.initContainers{setup}"],
      ["debug", "spec.ephemeralContainers{debug}"],
      ["nope", undefined],
    ] as const
  ) {
    await t.step(name, () => assert.equal(containerFieldPath(pod, name), want));
  }
});

Deno.test("podRef() references the pod and optionally a container", () => {
  assert.deepEqual(podRef(pod), {
    kind: "Pod",
    apiVersion: "v1",
    namespace: "prod",
    name: "web",
    uid: "u1",
  });
  assert.equal(podRef(pod, "app").fieldPath, "spec.containers{app}");
  assert.equal(podRef(pod, "nope").fieldPath, undefined);
});
