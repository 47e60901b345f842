import assert from "node:assert/strict";
import { type FakeFixture, withFakeRuntime } from "./_with_fake.ts";
import type { StartFakeRuntimeOptions } from "../../src/cri/fake/mod.ts";
import { CommandTimedOutError, NotFoundError } from "../../src/cri/errors.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../src/cri/types.ts";

type Fixture = FakeFixture;

/** The log root of the current test's fake (its temp dir): the fake writes container logs there. */
let logRoot = "";

function withFake(
  fn: (f: Fixture) => Promise<void>,
  options: Partial<StartFakeRuntimeOptions> = {},
): Promise<void> {
  return withFakeRuntime(options, (f) => {
    logRoot = `${f.dir}/logs`;
    return fn(f);
  });
}

function podConfig(name = "web", attempt = 0): PodSandboxConfig {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: "default", attempt },
    logDirectory: `${logRoot}/default_${name}_uid-${name}`,
    labels: { "io.kubernetes.pod.name": name },
    annotations: { a: "b" },
    linux: { securityContext: { namespaceOptions: { network: "NODE" } } },
  };
}

function containerConfig(name: string, image = "busybox"): ContainerConfig {
  return {
    metadata: { name, attempt: 0 },
    image: { image },
    command: ["sleep", "3600"],
    logPath: `${name}/0.log`,
    labels: { "io.kubernetes.container.name": name },
  };
}

async function runContainer(f: Fixture, name: string, image = "busybox") {
  const sandboxConfig = podConfig();
  const existing = await f.runtime.listPodSandbox();
  const podSandboxId = existing[0]?.id ?? await f.runtime.runPodSandbox(sandboxConfig);
  const id = await f.runtime.createContainer({
    podSandboxId,
    config: containerConfig(name, image),
    sandboxConfig,
  });
  return { podSandboxId, id };
}

Deno.test("FakeRuntimeService.version() answers the fake runtime's versions", async () => {
  await withFake(async ({ runtime }) => {
    const v = await runtime.version();
    assert.deepEqual(v, {
      version: "0.1.0",
      runtimeName: "fake-runtime",
      runtimeVersion: "0.1.0",
      runtimeApiVersion: "v1",
    });
  });
});

Deno.test("FakeRuntimeService sandbox lifecycle: READY, NOTREADY, removed", async () => {
  await withFake(async ({ runtime, clock }) => {
    const id = await runtime.runPodSandbox(podConfig());
    const { status } = await runtime.podSandboxStatus(id);
    assert.equal(status.state, "SANDBOX_READY");
    assert.equal(status.metadata.name, "web");
    assert.equal(status.createdAt, clock.now() * 1_000_000);
    assert.equal(status.network?.ip, "");
    assert.equal(status.linux?.namespaces?.options?.network, "NODE");
    assert.deepEqual(status.annotations, { a: "b" });

    await runtime.stopPodSandbox(id);
    assert.equal((await runtime.listPodSandbox())[0].state, "SANDBOX_NOTREADY");
    await runtime.removePodSandbox(id);
    assert.deepEqual(await runtime.listPodSandbox(), []);
    await assert.rejects(runtime.podSandboxStatus(id), NotFoundError);
    // Removing again and stopping a missing sandbox count as success.
    await runtime.removePodSandbox(id);
    await runtime.stopPodSandbox(id);
  });
});

Deno.test("FakeRuntimeService.runPodSandbox() gives pod-network sandboxes an IP and refuses a reused name", async () => {
  await withFake(async ({ runtime }) => {
    const config = { ...podConfig("net"), linux: null, hostname: "net" };
    const id = await runtime.runPodSandbox(config);
    const { status } = await runtime.podSandboxStatus(id);
    assert.match(status.network?.ip ?? "", /^10\.88\.\d+\.\d+$/);
    await assert.rejects(runtime.runPodSandbox(config), /is reserved for/);
    // A new attempt is a new name.
    await runtime.runPodSandbox({ ...config, metadata: { ...config.metadata, attempt: 1 } });
  });
});

Deno.test("FakeRuntimeService.listPodSandbox() filters by id, state and labels", async () => {
  await withFake(async ({ runtime }) => {
    const a = await runtime.runPodSandbox(podConfig("a"));
    const b = await runtime.runPodSandbox(podConfig("b"));
    await runtime.stopPodSandbox(b);
    assert.deepEqual((await runtime.listPodSandbox({ id: a })).map((s) => s.id), [a]);
    assert.deepEqual(
      (await runtime.listPodSandbox({ state: { state: "SANDBOX_NOTREADY" } })).map((s) => s.id),
      [b],
    );
    assert.deepEqual(
      (await runtime.listPodSandbox({ labelSelector: { "io.kubernetes.pod.name": "a" } }))
        .map((s) => s.id),
      [a],
    );
  });
});

Deno.test("FakeRuntimeService container lifecycle: CREATED, RUNNING, EXITED, removed", async () => {
  await withFake(async ({ runtime, clock }) => {
    const { id, podSandboxId } = await runContainer({ runtime, clock } as Fixture, "app");
    let { status } = await runtime.containerStatus(id);
    assert.equal(status.state, "CONTAINER_CREATED");
    assert.equal(status.image.image, "docker.io/library/busybox:latest");
    assert.match(status.imageRef, /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
    assert.match(status.imageId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(status.logPath, `${logRoot}/default_web_uid-web/app/0.log`);
    assert.equal(status.startedAt, 0);

    clock.step(1000);
    await runtime.startContainer(id);
    ({ status } = await runtime.containerStatus(id));
    assert.equal(status.state, "CONTAINER_RUNNING");
    assert.equal(status.startedAt, clock.now() * 1_000_000);

    clock.step(1000);
    await runtime.stopContainer(id, 30);
    ({ status } = await runtime.containerStatus(id));
    assert.equal(status.state, "CONTAINER_EXITED");
    assert.equal(status.exitCode, 0);
    assert.equal(status.reason, "Completed");
    assert.equal(status.finishedAt, clock.now() * 1_000_000);

    const listed = await runtime.listContainers({ podSandboxId });
    assert.deepEqual(listed.map((c) => [c.id, c.state]), [[id, "CONTAINER_EXITED"]]);
    assert.equal(listed[0].image?.image, "busybox");

    await runtime.removeContainer(id);
    assert.deepEqual(await runtime.listContainers(), []);
    await assert.rejects(runtime.containerStatus(id), NotFoundError);
    await runtime.removeContainer(id); // missing: success, like containerd
  });
});

Deno.test("FakeRuntimeService.createContainer() fails for a missing image, sandbox or a reused name", async (t) => {
  await withFake(async (f) => {
    const sandboxConfig = podConfig();
    const podSandboxId = await f.runtime.runPodSandbox(sandboxConfig);
    await t.step("unknown image is NotFound", async () => {
      await assert.rejects(
        f.runtime.createContainer({
          podSandboxId,
          config: containerConfig("x", "nginx"),
          sandboxConfig,
        }),
        NotFoundError,
      );
    });
    await t.step("unknown sandbox is NotFound", async () => {
      await assert.rejects(
        f.runtime.createContainer({
          podSandboxId: "nope",
          config: containerConfig("x"),
          sandboxConfig,
        }),
        NotFoundError,
      );
    });
    await t.step("same name and attempt is reserved", async () => {
      await f.runtime.createContainer({
        podSandboxId,
        config: containerConfig("x"),
        sandboxConfig,
      });
      await assert.rejects(
        f.runtime.createContainer({ podSandboxId, config: containerConfig("x"), sandboxConfig }),
        /failed to reserve container name/,
      );
    });
    await t.step("a stopped sandbox takes no containers", async () => {
      await f.runtime.stopPodSandbox(podSandboxId);
      await assert.rejects(
        f.runtime.createContainer({ podSandboxId, config: containerConfig("y"), sandboxConfig }),
        /is not running/,
      );
    });
  });
});

Deno.test("FakeRuntimeService.script() exits a matching container after exitAfterMs on the clock", async () => {
  await withFake(async (f) => {
    f.fake.script({ match: { containerName: "crash" }, exitAfterMs: 200, exitCode: 1 });
    const { id } = await runContainer(f, "crash");
    const { id: other } = await runContainer(f, "ok");
    await f.runtime.startContainer(id);
    await f.runtime.startContainer(other);
    f.clock.step(199);
    assert.equal((await f.runtime.containerStatus(id)).status.state, "CONTAINER_RUNNING");
    f.clock.step(1);
    const { status } = await f.runtime.containerStatus(id);
    assert.equal(status.state, "CONTAINER_EXITED");
    assert.equal(status.exitCode, 1);
    assert.equal(status.reason, "Error");
    assert.equal((await f.runtime.containerStatus(other)).status.state, "CONTAINER_RUNNING");
  });
});

Deno.test("FakeRuntimeService.script() failCreate, failStart and neverStart", async (t) => {
  await withFake(async (f) => {
    f.fake.runtime.script({
      match: { containerName: "bad" },
      failCreate: "CreateContainerError: boom",
    });
    f.fake.runtime.script({
      match: { image: "docker.io/library/busybox:latest", containerName: "nostart" },
      failStart: 'exec: "nope": not found',
    });
    f.fake.runtime.script({ match: { containerName: "stuck" }, neverStart: true });
    await t.step("failCreate rejects CreateContainer", async () => {
      await assert.rejects(runContainer(f, "bad"), /CreateContainerError: boom/);
    });
    await t.step("failStart leaves the container EXITED 128 StartError", async () => {
      const { id } = await runContainer(f, "nostart");
      await assert.rejects(f.runtime.startContainer(id), /not found/);
      const { status } = await f.runtime.containerStatus(id);
      assert.equal(status.state, "CONTAINER_EXITED");
      assert.equal(status.exitCode, 128);
      assert.equal(status.reason, "StartError");
    });
    await t.step("neverStart keeps the container CREATED", async () => {
      const { id } = await runContainer(f, "stuck");
      await f.runtime.startContainer(id);
      assert.equal((await f.runtime.containerStatus(id)).status.state, "CONTAINER_CREATED");
    });
  });
});

Deno.test("FakeRuntimeService.exitContainer() ends a running container with the given code and reason", async () => {
  await withFake(async (f) => {
    const { id } = await runContainer(f, "app");
    await f.runtime.startContainer(id);
    f.fake.exitContainer(id, 137, { reason: "OOMKilled" });
    const { status } = await f.runtime.containerStatus(id);
    assert.equal(status.exitCode, 137);
    assert.equal(status.reason, "OOMKilled");
    assert.throws(() => f.fake.runtime.exitContainer(id, 1), RangeError);
  });
});

Deno.test("FakeRuntimeService.stopPodSandbox() stops its running containers; removePodSandbox() removes them", async () => {
  await withFake(async (f) => {
    const { id, podSandboxId } = await runContainer(f, "app");
    await f.runtime.startContainer(id);
    await f.runtime.stopPodSandbox(podSandboxId);
    assert.equal((await f.runtime.containerStatus(id)).status.state, "CONTAINER_EXITED");
    await f.runtime.removePodSandbox(podSandboxId);
    assert.deepEqual(await f.runtime.listContainers(), []);
  });
});

Deno.test("FakeRuntimeService.execSync() runs known commands by default, runs a set handler, and honours the timeout", async (t) => {
  await withFake(async (f) => {
    const { id } = await runContainer(f, "app");
    await assert.rejects(
      f.runtime.execSync(id, ["echo", "hi"]),
      /failed to exec in container: container is in CONTAINER_CREATED state/,
    );
    await f.runtime.startContainer(id);
    await t.step("default runs echo, sh -c, false; echoes an unknown command", async () => {
      const r = await f.runtime.execSync(id, ["echo", "hi"]);
      assert.equal(new TextDecoder().decode(r.stdout), "hi\n");
      assert.equal(r.exitCode, 0);
      const sh = await f.runtime.execSync(id, ["sh", "-c", "echo out; echo err >&2; exit 3"]);
      assert.deepEqual(
        [new TextDecoder().decode(sh.stdout), new TextDecoder().decode(sh.stderr), sh.exitCode],
        ["out\n", "err\n", 3],
      );
      assert.equal((await f.runtime.execSync(id, ["false"])).exitCode, 1);
      const unknown = await f.runtime.execSync(id, ["cat", "/tmp/healthy"]);
      assert.equal(new TextDecoder().decode(unknown.stdout), "cat /tmp/healthy");
    });
    await t.step("sleep beyond the timeout fails as a command timeout", async () => {
      const call = f.runtime.execSync(id, ["sleep", "10"], { timeoutSeconds: 1 });
      const rejected = assert.rejects(call, CommandTimedOutError);
      while (f.clock.pendingTimers < 2) await new Promise((r) => setTimeout(r, 1));
      await f.clock.advance(1000);
      await rejected;
    });
    await t.step("sleep within the timeout completes", async () => {
      const call = f.runtime.execSync(id, ["sleep", "1"], { timeoutSeconds: 5 });
      while (f.clock.pendingTimers < 2) await new Promise((r) => setTimeout(r, 1));
      await f.clock.advance(1000);
      assert.equal((await call).exitCode, 0);
    });
    await t.step("a set handler answers", async () => {
      f.fake.setExecHandler((_c, cmd) => ({ stdout: "out", stderr: cmd[0], exitCode: 3 }));
      const r = await f.runtime.execSync(id, ["probe"]);
      assert.equal(new TextDecoder().decode(r.stdout), "out");
      assert.equal(new TextDecoder().decode(r.stderr), "probe");
      assert.equal(r.exitCode, 3);
      f.fake.setExecHandler(undefined);
    });
  });
});

Deno.test("FakeRuntimeService.status() reports settable RuntimeReady and NetworkReady", async () => {
  await withFake(async (f) => {
    let { status } = await f.runtime.status();
    assert.deepEqual(status?.conditions.map((c) => [c.type, c.status]), [
      ["RuntimeReady", true],
      ["NetworkReady", true],
    ]);
    f.fake.setNetworkReady(false, "NetworkPluginNotReady", "cni config uninitialized");
    f.fake.setRuntimeReady(false);
    ({ status } = await f.runtime.status());
    assert.deepEqual(status?.conditions[1], {
      type: "NetworkReady",
      status: false,
      reason: "NetworkPluginNotReady",
      message: "cni config uninitialized",
    });
    assert.equal(status?.conditions[0].status, false);
  });
});

Deno.test("FakeRuntimeService answers the remaining RPCs", async () => {
  await withFake(async (f) => {
    const { id, podSandboxId } = await runContainer(f, "app");
    await f.runtime.startContainer(id);
    await f.runtime.updateContainerResources(id, { linux: { cpuShares: 512 } });
    assert.equal((await f.runtime.containerStatus(id)).status.resources?.linux?.cpuShares, 512);
    await f.runtime.reopenContainerLog(id);
    assert.match(await f.runtime.exec({ containerId: id, cmd: ["sh"], stdin: true }), /^http:\/\//);
    assert.match(await f.runtime.attach({ containerId: id, stdout: true }), /^http:\/\//);
    assert.match(await f.runtime.portForward({ podSandboxId, port: [80] }), /^http:\/\//);
    assert.equal((await f.runtime.containerStats(id))?.attributes?.id, id);
    assert.equal((await f.runtime.listContainerStats()).length, 1);
    assert.equal((await f.runtime.podSandboxStats(podSandboxId))?.linux?.containers.length, 1);
    assert.equal((await f.runtime.listPodSandboxStats()).length, 1);
    await f.runtime.updateRuntimeConfig({ networkConfig: { podCidr: "10.1.0.0/24" } });
    assert.equal(f.fake.runtime.extras.podCidr, "10.1.0.0/24");
    await f.runtime.checkpointContainer({ containerId: id });
    assert.deepEqual(await f.runtime.listMetricDescriptors(), []);
    assert.deepEqual(await f.runtime.listPodSandboxMetrics(), []);
  });
});

Deno.test("FakeRuntimeService lists by pod UID label, sandbox id and id from its indexes, after removals too", async () => {
  await withFake(async ({ runtime }) => {
    const pods: { uid: string; sandbox: string; containers: string[] }[] = [];
    for (const name of ["a", "b", "c"]) {
      const config = podConfig(name);
      config.labels = { ...config.labels, "io.kubernetes.pod.uid": `uid-${name}` };
      const sandbox = await runtime.runPodSandbox(config);
      const containers = [];
      for (const c of ["x", "y"]) {
        const cc = containerConfig(c);
        cc.labels = { ...cc.labels, "io.kubernetes.pod.uid": `uid-${name}` };
        containers.push(
          await runtime.createContainer({
            podSandboxId: sandbox,
            config: cc,
            sandboxConfig: config,
          }),
        );
      }
      pods.push({ uid: `uid-${name}`, sandbox, containers });
    }
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
    const byUid = (uid: string) => ({ labelSelector: { "io.kubernetes.pod.uid": uid } });
    assert.deepEqual(ids(await runtime.listContainers(byUid("uid-b"))), pods[1].containers);
    assert.deepEqual(ids(await runtime.listPodSandbox(byUid("uid-b"))), [pods[1].sandbox]);
    assert.deepEqual(
      ids(await runtime.listContainers({ podSandboxId: pods[2].sandbox })),
      pods[2].containers,
    );
    assert.deepEqual(
      ids(await runtime.listContainers({ ...byUid("uid-b"), podSandboxId: pods[2].sandbox })),
      [],
    );
    assert.deepEqual(ids(await runtime.listContainers({ id: pods[0].containers[1] })), [
      pods[0].containers[1],
    ]);
    await runtime.removeContainer(pods[1].containers[0]);
    assert.deepEqual(ids(await runtime.listContainers(byUid("uid-b"))), [pods[1].containers[1]]);
    await runtime.stopPodSandbox(pods[1].sandbox);
    await runtime.removePodSandbox(pods[1].sandbox);
    assert.deepEqual(ids(await runtime.listContainers(byUid("uid-b"))), []);
    assert.deepEqual(ids(await runtime.listPodSandbox(byUid("uid-b"))), []);
    assert.equal((await runtime.listContainers()).length, 4);
    // The removed sandbox's name is free again.
    const again = podConfig("b");
    assert.ok(await runtime.runPodSandbox(again));
  });
});
