import assert from "node:assert/strict";
import type { Pod } from "../../src/api/types.ts";
import { podObjectRefs } from "../../src/objects/pod_refs.ts";

Deno.test("podObjectRefs() finds every ConfigMap and Secret a pod refers to, each once", () => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "team" },
    spec: {
      imagePullSecrets: [{ name: "pull" }, { name: "" }],
      initContainers: [{
        name: "init",
        envFrom: [{ secretRef: { name: "init-env-s" } }, { configMapRef: { name: "init-env-cm" } }],
      }],
      containers: [{
        name: "c",
        envFrom: [{ prefix: "X_", configMapRef: { name: "cm-from" } }],
        env: [
          { name: "A", value: "plain" },
          { name: "B", valueFrom: { configMapKeyRef: { name: "cm-key", key: "k" } } },
          { name: "C", valueFrom: { secretKeyRef: { name: "s-key", key: "k", optional: true } } },
          { name: "D", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "E", valueFrom: { secretKeyRef: { name: "pull", key: "k" } } },
        ],
      }],
      ephemeralContainers: [{
        name: "debug",
        env: [{ name: "F", valueFrom: { configMapKeyRef: { name: "eph-cm", key: "k" } } }],
        envFrom: [{ secretRef: { name: "eph-s" } }],
      }],
      volumes: [
        { name: "v1", configMap: { name: "cm-vol" } },
        { name: "v2", secret: { secretName: "s-vol" } },
        {
          name: "v3",
          projected: {
            sources: [
              { configMap: { name: "proj-cm" } },
              { secret: { name: "proj-s" } },
              { downwardAPI: { items: [{ path: "n", fieldRef: { fieldPath: "metadata.name" } }] } },
              { serviceAccountToken: { path: "token" } },
            ],
          },
        },
        { name: "v4", configMap: { name: "cm-key" } },
        // Volume plugins denolet does not mount: not visited.
        { name: "v5", csi: { driver: "x", nodePublishSecretRef: { name: "csi-s" } } },
        { name: "v6", emptyDir: {} },
      ],
    },
  };
  const names = podObjectRefs(pod).map((r) => `${r.kind} ${r.namespace}/${r.name}`);
  assert.deepEqual(names, [
    "Secret team/pull",
    "Secret team/init-env-s",
    "Secret team/s-key",
    "Secret team/eph-s",
    "Secret team/s-vol",
    "Secret team/proj-s",
    "ConfigMap team/init-env-cm",
    "ConfigMap team/cm-from",
    "ConfigMap team/cm-key",
    "ConfigMap team/eph-cm",
    "ConfigMap team/cm-vol",
    "ConfigMap team/proj-cm",
  ]);
});

Deno.test("podObjectRefs() uses namespace default for a pod without one, and nothing for a bare pod", () => {
  assert.deepEqual(
    podObjectRefs({ spec: { containers: [], volumes: [{ name: "v", configMap: { name: "a" } }] } }),
    [{ kind: "ConfigMap", namespace: "default", name: "a" }],
  );
  assert.deepEqual(podObjectRefs({}), []);
});
