/**
 * The real CRI client against the fake runtime server (src/cri/fake/), over
 * the Unix socket: every RuntimeService and ImageService RPC at least once.
 */

import assert from "node:assert/strict";
import { status as code } from "@grpc/grpc-js";
import { connectRuntime } from "../../src/cri/connect_runtime.ts";
import { NotFoundError, UnavailableError } from "../../src/cri/errors.ts";
import { startFakeRuntime } from "../../src/cri/fake/mod.ts";
import {
  imageServiceDefinition,
  runtimeServiceDefinition,
} from "../../src/cri/package_definition.ts";
import type {
  ContainerConfig,
  ContainerEventResponse,
  PodSandboxConfig,
} from "../../src/cri/types.ts";
import { FakeClock, RealClock } from "../../src/util/clock.ts";
import { tempSocketDir } from "./_test_server.ts";

const sandboxConfig: PodSandboxConfig = {
  metadata: { name: "web", namespace: "default", uid: "uid-web", attempt: 0 },
  hostname: "web",
  logDirectory: "/var/log/pods/default_web_uid-web",
  dnsConfig: { servers: ["10.0.0.10"], searches: ["default.svc.cluster.local"] },
  portMappings: [{ protocol: "TCP", containerPort: 80, hostPort: 8080 }],
  labels: { "io.kubernetes.pod.name": "web" },
  annotations: { note: "kept" },
  linux: {
    cgroupParent: "/kubepods/besteffort/poduid-web",
    securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" } },
  },
};

const containerConfig: ContainerConfig = {
  metadata: { name: "app", attempt: 0 },
  image: { image: "docker.io/library/busybox:latest" },
  command: ["sh", "-c"],
  args: ["sleep 3600"],
  envs: [{ key: "A", value: "1" }],
  labels: { "io.kubernetes.container.name": "app" },
  annotations: { "io.kubernetes.container.restartCount": "0" },
  logPath: "app/0.log",
  linux: {
    resources: { cpuShares: 2, memoryLimitInBytes: 64 * 1024 * 1024 },
    securityContext: { runAsUser: { value: 1000 }, noNewPrivs: true },
  },
};

Deno.test("the CRI client drives every RPC of the fake runtime over its socket", async () => {
  await using dir = await tempSocketDir();
  // The fake writes container logs there, as containerd does.
  sandboxConfig.logDirectory = dir.path("logs/default_web_uid-web");
  const fake = await startFakeRuntime({
    socketPath: dir.path("fake.sock"),
    clock: new FakeClock(),
  });
  const cri = await connectRuntime(fake.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 5000,
  });
  const events: ContainerEventResponse[] = [];
  const watch = new AbortController();
  let streamDone!: Promise<void>;
  try {
    assert.equal(cri.version.runtimeName, "fake-runtime");

    // Event stream first, so it sees the lifecycle below.
    streamDone = (async () => {
      for await (const event of cri.runtime.getContainerEvents(watch.signal)) events.push(event);
    })();
    // The subscription is registered when the server has seen the call.
    for (let i = 0; i < 100 && !fake.calls.some((c) => c.method === "GetContainerEvents"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    // Runtime-wide calls.
    const status = await cri.runtime.status(true);
    assert.deepStrictEqual(status.status?.conditions.map((c) => c.type), [
      "RuntimeReady",
      "NetworkReady",
    ]);
    await cri.runtime.updateRuntimeConfig({ networkConfig: { podCidr: "10.88.0.0/16" } });
    assert.equal(fake.runtime.extras.podCidr, "10.88.0.0/16");
    assert.deepStrictEqual(await cri.runtime.listMetricDescriptors(), []);
    assert.deepStrictEqual(await cri.runtime.listPodSandboxMetrics(), []);

    // Images.
    const imageRef = await cri.image.pullImage({ image: "busybox" }, { sandboxConfig });
    assert(imageRef.length > 0);
    const image = await cri.image.imageStatus({ image: "busybox" });
    assert.equal(image.image?.id, imageRef);
    assert.equal((await cri.image.imageStatus({ image: "absent:1" })).image, null);
    assert((await cri.image.listImages()).some((i) => i.id === imageRef));
    const fsInfo = await cri.image.imageFsInfo();
    assert.equal(fsInfo.imageFilesystems.length, 1);

    // Sandbox.
    const sandboxId = await cri.runtime.runPodSandbox(sandboxConfig);
    const sandbox = await cri.runtime.podSandboxStatus(sandboxId);
    assert.equal(sandbox.status.metadata.uid, "uid-web");
    assert.equal(sandbox.status.state, "SANDBOX_READY");
    assert.deepStrictEqual(sandbox.status.annotations, { note: "kept" });
    assert.deepStrictEqual(
      (await cri.runtime.listPodSandbox({ labelSelector: { "io.kubernetes.pod.name": "web" } }))
        .map((s) => s.id),
      [sandboxId],
    );

    // Container.
    const containerId = await cri.runtime.createContainer({
      podSandboxId: sandboxId,
      config: containerConfig,
      sandboxConfig,
    });
    await cri.runtime.startContainer(containerId);
    const listed = await cri.runtime.listContainers({ podSandboxId: sandboxId });
    assert.deepStrictEqual(listed.map((c) => [c.id, c.state]), [[
      containerId,
      "CONTAINER_RUNNING",
    ]]);
    const container = await cri.runtime.containerStatus(containerId, true);
    assert.equal(container.status.metadata.name, "app");
    // Like containerd: imageRef is the repo digest, imageId the pulled image's id.
    assert.match(container.status.imageRef, /@sha256:/);
    assert.equal(container.status.imageId, imageRef);
    assert.deepStrictEqual(container.status.labels, containerConfig.labels);
    await cri.runtime.updateContainerResources(containerId, { linux: { cpuShares: 4 } });
    await cri.runtime.reopenContainerLog(containerId);
    const exec = await cri.runtime.execSync(containerId, ["echo", "hi"], { timeoutSeconds: 5 });
    assert.equal(new TextDecoder().decode(exec.stdout), "hi\n");
    assert.equal(exec.exitCode, 0);
    assert.equal((await cri.runtime.execSync(containerId, ["false"])).exitCode, 1);
    assert.match(await cri.runtime.exec({ containerId, cmd: ["sh"], stdout: true }), /^http/);
    assert.match(await cri.runtime.attach({ containerId, stdout: true }), /^http/);
    assert.match(await cri.runtime.portForward({ podSandboxId: sandboxId, port: [80] }), /^http/);
    assert.equal((await cri.runtime.containerStats(containerId))?.attributes?.id, containerId);
    assert.equal((await cri.runtime.listContainerStats({ podSandboxId: sandboxId })).length, 1);
    assert.equal((await cri.runtime.podSandboxStats(sandboxId))?.attributes?.id, sandboxId);
    assert.equal((await cri.runtime.listPodSandboxStats({ id: sandboxId })).length, 1);
    await cri.runtime.checkpointContainer({ containerId, location: "/tmp/ckpt.tar" });

    // Teardown, twice: NotFound on stop/remove counts as success.
    await cri.runtime.stopContainer(containerId, 0);
    await cri.runtime.removeContainer(containerId);
    await cri.runtime.stopContainer(containerId, 0);
    await cri.runtime.removeContainer(containerId);
    await assert.rejects(cri.runtime.containerStatus(containerId), NotFoundError);
    await cri.runtime.stopPodSandbox(sandboxId);
    await cri.runtime.removePodSandbox(sandboxId);
    await cri.runtime.stopPodSandbox(sandboxId);
    await cri.runtime.removePodSandbox(sandboxId);
    await assert.rejects(cri.runtime.podSandboxStatus(sandboxId), NotFoundError);
    await cri.image.removeImage({ image: imageRef });
    assert.equal((await cri.image.imageStatus({ image: "busybox" })).image, null);

    // Injected failures arrive as typed errors.
    fake.injectError("ListContainers", code.UNAVAILABLE, "runtime restarting", { times: 1 });
    await assert.rejects(cri.runtime.listContainers(), UnavailableError);
    assert.deepStrictEqual(await cri.runtime.listContainers(), []);

    // Events for the container's lifecycle reached the stream.
    for (
      let i = 0;
      i < 100 &&
      !events.some((e) =>
        e.containerEventType === "CONTAINER_DELETED_EVENT" && e.containerId === containerId
      );
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const mine = events.filter((e) => e.containerId === containerId).map((e) =>
      e.containerEventType
    );
    assert.deepStrictEqual(mine, [
      "CONTAINER_CREATED_EVENT",
      "CONTAINER_STARTED_EVENT",
      "CONTAINER_STOPPED_EVENT",
      "CONTAINER_DELETED_EVENT",
    ]);

    // Every RPC of both services went over the wire.
    const seen = new Set(fake.calls.map((c) => c.method));
    const all = [...Object.keys(runtimeServiceDefinition), ...Object.keys(imageServiceDefinition)];
    assert.deepStrictEqual(all.filter((m) => !seen.has(m as never)), []);
    assert.equal(all.length, 33);
  } finally {
    watch.abort();
    await streamDone;
    cri.close();
    await fake.stop();
  }
});
