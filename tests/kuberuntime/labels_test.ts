import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import {
  containerInfoFromAnnotations,
  containerInfoFromLabels,
  newContainerAnnotations,
  newContainerLabels,
  newPodAnnotations,
  newPodLabels,
  sandboxInfoFromLabels,
} from "../../src/kuberuntime/labels.ts";
import { makePod } from "./_helpers.ts";

Deno.test("newPodLabels() adds the kubelet pod labels to the pod's own", () => {
  const pod = makePod([{ name: "a", image: "x" }]);
  const withLabels = { ...pod, metadata: { ...pod.metadata, labels: { app: "web" } } };
  assert.deepEqual(newPodLabels(withLabels), {
    app: "web",
    "io.kubernetes.pod.name": "web",
    "io.kubernetes.pod.namespace": "default",
    "io.kubernetes.pod.uid": "uid-1",
  });
  assert.deepEqual(sandboxInfoFromLabels(newPodLabels(withLabels)), {
    podName: "web",
    podNamespace: "default",
    podUid: "uid-1",
    labels: { app: "web" },
  });
  const annotated = { ...pod, metadata: { ...pod.metadata, annotations: { a: "1" } } };
  assert.deepEqual(newPodAnnotations(annotated), { a: "1" });
});

Deno.test("newContainerLabels() sets exactly the four kubelet labels", () => {
  const c: Container = { name: "app", image: "x" };
  const labels = newContainerLabels(c, makePod([c]));
  assert.deepEqual(labels, {
    "io.kubernetes.pod.name": "web",
    "io.kubernetes.pod.namespace": "default",
    "io.kubernetes.pod.uid": "uid-1",
    "io.kubernetes.container.name": "app",
  });
  assert.deepEqual(containerInfoFromLabels(labels), {
    podName: "web",
    podNamespace: "default",
    podUid: "uid-1",
    containerName: "app",
  });
});

Deno.test("newContainerAnnotations() writes the kubelet annotations and they read back", () => {
  const c: Container = {
    name: "app",
    image: "x",
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    ports: [{ containerPort: 80, protocol: "TCP" }],
    lifecycle: { preStop: { exec: { command: ["sh", "-c", "sleep 1"] } } },
  };
  const init: Container = { name: "setup", image: "x" };
  const pod = makePod([c], { terminationGracePeriodSeconds: 45, initContainers: [init] });
  const a = newContainerAnnotations(c, pod, { hash: "abc123", restartCount: 3 });
  assert.deepEqual(a, {
    "io.kubernetes.container.hash": "abc123",
    "io.kubernetes.container.restartCount": "3",
    "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
    "io.kubernetes.container.terminationMessagePolicy": "File",
    "io.kubernetes.pod.terminationGracePeriod": "45",
    "io.kubernetes.container.preStopHandler": '{"exec":{"command":["sh","-c","sleep 1"]}}',
    "io.kubernetes.container.ports": '[{"containerPort":80,"protocol":"TCP"}]',
    "io.kubernetes.container.type": "container",
  });
  const back = containerInfoFromAnnotations(a);
  assert.equal(back.hash, "abc123");
  assert.equal(back.restartCount, 3);
  assert.equal(back.podTerminationGracePeriod, 45);
  assert.equal(back.podDeletionGracePeriod, undefined);
  assert.deepEqual(back.preStopHandler, c.lifecycle!.preStop);
  assert.deepEqual(back.containerPorts, c.ports);
  assert.equal(
    newContainerAnnotations(init, pod, { hash: "1", restartCount: 0 })[
      "io.kubernetes.container.type"
    ],
    "init",
  );
});

Deno.test("containerInfoFromAnnotations() reads missing or bad values as absent", () => {
  const info = containerInfoFromAnnotations({
    "io.kubernetes.container.restartCount": "x",
    "io.kubernetes.container.preStopHandler": "{not json",
  });
  assert.equal(info.restartCount, 0);
  assert.equal(info.preStopHandler, undefined);
  assert.equal(info.hash, "");
});
