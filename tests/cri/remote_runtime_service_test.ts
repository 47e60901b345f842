import assert from "node:assert/strict";
import { status as code } from "@grpc/grpc-js";
import type * as grpc from "@grpc/grpc-js";
import {
  CommandTimedOutError,
  CriError,
  DeadlineExceededError,
  InvalidResponseError,
  isNotFound,
  NotFoundError,
  UnavailableError,
} from "../../src/cri/errors.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import type { ContainerEventResponse } from "../../src/cri/types.ts";
import { FakeClock, RealClock } from "../../src/util/clock.ts";
import {
  containerStatus,
  sandboxStatus,
  Status,
  tempSocketDir,
  TestServer,
} from "./_test_server.ts";

const never = () => new Promise<never>(() => {});

Deno.test("RemoteRuntimeService calls fail with DeadlineExceededError when the runtime never answers", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: { ListContainers: never, RunPodSandbox: never },
  });
  using client = new RemoteRuntimeService(server.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 200,
  });
  const started = Date.now();
  await assert.rejects(client.listContainers(), (err: unknown) => {
    assert(err instanceof DeadlineExceededError);
    assert.equal(err.method, "ListContainers");
    return true;
  });
  // A bounded check that the deadline, not something else, ended the call.
  const elapsed = Date.now() - started;
  assert(elapsed >= 150 && elapsed < 5000, `elapsed ${elapsed}ms`);
});

Deno.test("execSync() turns DeadlineExceeded into CommandTimedOutError and returns exit codes as values", async () => {
  await using dir = await tempSocketDir();
  const requests: unknown[] = [];
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      ExecSync: (req) => {
        requests.push(req);
        if (req.cmd[0] === "slow") {
          throw new Status(code.DEADLINE_EXCEEDED, "context deadline exceeded");
        }
        return { stdout: new TextEncoder().encode("out"), stderr: new Uint8Array(), exitCode: 3 };
      },
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  await assert.rejects(client.execSync("c1", ["slow"], { timeoutSeconds: 1 }), (err: unknown) => {
    assert(err instanceof CommandTimedOutError);
    assert.equal(err.message, "command timed out");
    return true;
  });
  const result = await client.execSync("c1", ["cat", "x"], { timeoutSeconds: 7 });
  assert.equal(new TextDecoder().decode(result.stdout), "out");
  assert.equal(result.stderr.length, 0);
  assert.equal(result.exitCode, 3);
  assert.deepStrictEqual(requests[1], { containerId: "c1", cmd: ["cat", "x"], timeout: 7 });
});

Deno.test("execSync() rejects with the signal's reason when aborted", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: { ExecSync: never },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  const controller = new AbortController();
  const call = client.execSync("c1", ["sleep"], { signal: controller.signal });
  const reason = new Error("stop");
  setTimeout(() => controller.abort(reason), 20);
  await assert.rejects(call, (err: unknown) => err === reason);
  await assert.rejects(
    client.execSync("c1", ["x"], { signal: AbortSignal.abort(reason) }),
    (err: unknown) => err === reason,
  );
});

Deno.test("stop and remove calls treat NotFound as success; status calls reject with NotFoundError", async () => {
  await using dir = await tempSocketDir();
  const gone = () => {
    throw new Status(code.NOT_FOUND, "not found");
  };
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      StopPodSandbox: gone,
      RemovePodSandbox: gone,
      StopContainer: gone,
      RemoveContainer: gone,
      ContainerStatus: gone,
      PodSandboxStatus: gone,
      StartContainer: gone,
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  await client.stopPodSandbox("s1");
  await client.removePodSandbox("s1");
  await client.stopContainer("c1", 30);
  await client.removeContainer("c1");
  await assert.rejects(client.containerStatus("c1"), NotFoundError);
  await assert.rejects(client.podSandboxStatus("s1"), (err) => isNotFound(err));
  await assert.rejects(client.startContainer("c1"), NotFoundError);
});

Deno.test("stopContainer() passes the grace period and surfaces other errors", async () => {
  await using dir = await tempSocketDir();
  const seen: unknown[] = [];
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      StopContainer: (req) => {
        seen.push(req);
        if (req.containerId === "bad") throw new Status(code.INTERNAL, "runc failed");
        return {};
      },
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  await client.stopContainer("c1", 30);
  assert.deepStrictEqual(seen[0], { containerId: "c1", timeout: 30 });
  await assert.rejects(client.stopContainer("bad", 0), (err: unknown) => {
    assert(err instanceof CriError);
    assert.equal(err.code, code.INTERNAL);
    assert.equal(err.details, "runc failed");
    return true;
  });
});

Deno.test("podSandboxStatus() and containerStatus() reject incomplete statuses", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      PodSandboxStatus: (req) => {
        const status = sandboxStatus(req.podSandboxId);
        if (req.podSandboxId === "bad") status.metadata.uid = "";
        return { status, info: { k: "v" }, timestamp: 5 };
      },
      ContainerStatus: (req) => {
        const status = containerStatus(req.containerId);
        if (req.containerId === "bad") status.imageRef = "";
        return { status };
      },
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  const sandbox = await client.podSandboxStatus("s1", true);
  assert.equal(sandbox.status.metadata.name, "web");
  assert.equal(sandbox.status.state, "SANDBOX_READY");
  assert.deepStrictEqual(sandbox.info, { k: "v" });
  assert.equal(sandbox.timestamp, 5);
  await assert.rejects(client.podSandboxStatus("bad"), (err: unknown) => {
    assert(err instanceof InvalidResponseError);
    assert.equal(err.field, "status.metadata.uid");
    return true;
  });
  const container = await client.containerStatus("c1");
  assert.equal(container.status.image.image, "busybox:latest");
  assert.equal(container.status.state, "CONTAINER_RUNNING");
  await assert.rejects(client.containerStatus("bad"), (err: unknown) => {
    assert(err instanceof InvalidResponseError);
    assert.equal(err.field, "status.imageRef");
    return true;
  });
});

Deno.test("runPodSandbox() and createContainer() return ids and reject empty ones", async () => {
  await using dir = await tempSocketDir();
  const seen: unknown[] = [];
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      RunPodSandbox: (req) => {
        seen.push(req);
        return { podSandboxId: req.config?.metadata?.name === "empty" ? "" : "sandbox-1" };
      },
      CreateContainer: (req) => ({
        containerId: req.podSandboxId === "empty" ? "" : "container-1",
      }),
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  const metadata = { name: "web", namespace: "default", uid: "u1", attempt: 0 };
  assert.equal(
    await client.runPodSandbox({ metadata, hostname: "web", labels: { a: "b" } }, "runc"),
    "sandbox-1",
  );
  const request = seen[0] as {
    config: { hostname: string; labels: object };
    runtimeHandler: string;
  };
  assert.equal(request.runtimeHandler, "runc");
  assert.equal(request.config.hostname, "web");
  assert.deepStrictEqual(request.config.labels, { a: "b" });
  await assert.rejects(
    client.runPodSandbox({ metadata: { ...metadata, name: "empty" } }),
    InvalidResponseError,
  );
  const config = { metadata: { name: "app", attempt: 0 }, image: { image: "busybox" } };
  assert.equal(
    await client.createContainer({ podSandboxId: "s1", config, sandboxConfig: { metadata } }),
    "container-1",
  );
  await assert.rejects(
    client.createContainer({ podSandboxId: "empty", config, sandboxConfig: { metadata } }),
    InvalidResponseError,
  );
});

Deno.test("status() requires the RuntimeReady and NetworkReady conditions", async () => {
  await using dir = await tempSocketDir();
  let conditions = [{ type: "RuntimeReady", status: true }];
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      Status: () => ({
        status: { conditions: conditions.map((c) => ({ ...c, reason: "", message: "" })) },
      }),
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  await assert.rejects(client.status(), InvalidResponseError);
  conditions = [...conditions, { type: "NetworkReady", status: false }];
  const response = await client.status();
  assert.deepStrictEqual(response.status?.conditions.map((c) => [c.type, c.status]), [
    ["RuntimeReady", true],
    ["NetworkReady", false],
  ]);
});

Deno.test("onOperation records each call with the kubelet operation name and its error", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      ListContainers: () => ({ containers: [] }),
      StartContainer: () => {
        throw new Status(code.INTERNAL, "boom");
      },
    },
  });
  const records: [string, number, unknown][] = [];
  using client = new RemoteRuntimeService(server.endpoint, {
    clock: new FakeClock(),
    onOperation: (op, ms, err) => records.push([op, ms, err]),
  });
  await client.listContainers();
  await client.startContainer("c1").catch(() => {});
  await client.listPodSandbox().catch(() => {});
  assert.deepStrictEqual(records.map(([op, ms]) => [op, ms]), [
    ["list_containers", 0],
    ["start_container", 0],
    ["list_podsandbox", 0],
  ]);
  assert.equal(records[0][2], undefined);
  assert(records[1][2] instanceof CriError);
  assert.equal((records[2][2] as CriError).name, "UnimplementedError");
});

Deno.test("responses larger than gRPC's default 4 MiB limit are received", async () => {
  await using dir = await tempSocketDir();
  const big = new Uint8Array(6 * 1024 * 1024).fill(65);
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: { ExecSync: () => ({ stdout: big, stderr: new Uint8Array(), exitCode: 0 }) },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  const result = await client.execSync("c1", ["cat"]);
  assert.equal(result.stdout.length, big.length);
});

Deno.test("getContainerEvents() yields events until the signal aborts", async () => {
  await using dir = await tempSocketDir();
  let serverCancelled!: () => void;
  const cancelled = new Promise<void>((resolve) => (serverCancelled = resolve));
  await using server = await TestServer.start(dir.path("cri.sock"), {
    events: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.on("cancelled", () => serverCancelled());
      call.write({
        containerId: "c1",
        containerEventType: "CONTAINER_STARTED_EVENT",
        createdAt: 10,
        podSandboxStatus: sandboxStatus("s1"),
        containersStatuses: [containerStatus("c1")],
      });
      call.write({
        containerId: "c2",
        containerEventType: "CONTAINER_STOPPED_EVENT",
        createdAt: 11,
      });
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 200,
  });
  const controller = new AbortController();
  const events: ContainerEventResponse[] = [];
  for await (const event of client.getContainerEvents(controller.signal)) {
    events.push(event);
    if (events.length === 2) controller.abort();
  }
  assert.deepStrictEqual(events.map((e) => [e.containerId, e.containerEventType, e.createdAt]), [
    ["c1", "CONTAINER_STARTED_EVENT", 10],
    ["c2", "CONTAINER_STOPPED_EVENT", 11],
  ]);
  assert.equal(events[0].podSandboxStatus?.metadata?.uid, "uid-1");
  assert.equal(events[0].containersStatuses[0].imageRef, "sha256:abc");
  assert.equal(events[1].podSandboxStatus, null);
  await cancelled;
});

Deno.test("getContainerEvents() outlives the request timeout and throws when the stream fails", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    events: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      // Answer after more than runtimeRequestTimeoutMs, then fail the stream.
      setTimeout(() => {
        call.write({ containerId: "late", containerEventType: "CONTAINER_CREATED_EVENT" });
        call.emit("error", { code: code.UNAVAILABLE, details: "runtime shutting down" });
      }, 150);
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 50,
  });
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of client.getContainerEvents(new AbortController().signal)) {
        seen.push(event.containerId);
      }
    })(),
    (err: unknown) => err instanceof CriError && err.method === "GetContainerEvents",
  );
  assert.deepStrictEqual(seen, ["late"]);
});

function versionHandlers(name: string) {
  return {
    runtime: {
      Version: () => ({
        version: "0.1.0",
        runtimeName: name,
        runtimeVersion: "1",
        runtimeApiVersion: "v1",
      }),
    },
  };
}

Deno.test("a call after the runtime restarts on the same socket succeeds", async () => {
  await using dir = await tempSocketDir();
  const socket = dir.path("cri.sock");
  let server = await TestServer.start(socket, versionHandlers("first"));
  const client = new RemoteRuntimeService(server.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 5000,
  });
  try {
    assert.equal((await client.version()).runtimeName, "first");
    await server.stop();
    server = await TestServer.start(socket, versionHandlers("second"));
    assert.equal((await client.version()).runtimeName, "second");
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("calls fail fast with UnavailableError while the runtime is down and work again once it is back", async () => {
  await using dir = await tempSocketDir();
  const socket = dir.path("cri.sock");
  let server = await TestServer.start(socket, versionHandlers("first"));
  const client = new RemoteRuntimeService(server.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 5000,
  });
  try {
    await client.version();
    await server.stop();
    // Fails at once (no wait-for-ready), like the kubelet's gRPC client.
    await assert.rejects(client.version(), UnavailableError);
    server = await TestServer.start(socket, versionHandlers("second"));
    // grpc-js retries the socket on its own back-off (100ms doubling to 3s,
    // real timers inside the library); poll, bounded, until it is back.
    let name = "";
    for (let attempt = 0; attempt < 100 && name === ""; attempt++) {
      try {
        name = (await client.version()).runtimeName;
      } catch (err) {
        assert(err instanceof UnavailableError, String(err));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    assert.equal(name, "second");
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("every RuntimeService method reaches its RPC", async () => {
  await using dir = await tempSocketDir();
  const called: string[] = [];
  const ok = (name: string, response: object = {}) => () => {
    called.push(name);
    return response;
  };
  await using server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      Version: ok("Version", {
        version: "0.1.0",
        runtimeName: "t",
        runtimeVersion: "1",
        runtimeApiVersion: "v1",
      }),
      UpdateContainerResources: ok("UpdateContainerResources"),
      ReopenContainerLog: ok("ReopenContainerLog"),
      Exec: ok("Exec", { url: "http://127.0.0.1/exec/1" }),
      Attach: ok("Attach", { url: "http://127.0.0.1/attach/1" }),
      PortForward: ok("PortForward", { url: "" }),
      ContainerStats: ok("ContainerStats", { stats: { attributes: { id: "c1" } } }),
      ListContainerStats: ok("ListContainerStats", { stats: [{}] }),
      PodSandboxStats: ok("PodSandboxStats", {}),
      ListPodSandboxStats: ok("ListPodSandboxStats", { stats: [] }),
      UpdateRuntimeConfig: ok("UpdateRuntimeConfig"),
      CheckpointContainer: ok("CheckpointContainer"),
      ListMetricDescriptors: ok("ListMetricDescriptors", { descriptors: [{ name: "m" }] }),
      ListPodSandboxMetrics: ok("ListPodSandboxMetrics", { podMetrics: [{ podSandboxId: "s1" }] }),
    },
  });
  using client = new RemoteRuntimeService(server.endpoint, { clock: new RealClock() });
  assert.equal((await client.version()).runtimeName, "t");
  await client.updateContainerResources("c1", { linux: { cpuShares: 2 } });
  await client.reopenContainerLog("c1");
  assert.equal(await client.exec({ containerId: "c1", cmd: ["sh"] }), "http://127.0.0.1/exec/1");
  assert.equal(await client.attach({ containerId: "c1" }), "http://127.0.0.1/attach/1");
  await assert.rejects(client.portForward({ podSandboxId: "s1" }), InvalidResponseError);
  assert.equal((await client.containerStats("c1"))?.attributes?.id, "c1");
  assert.equal((await client.listContainerStats()).length, 1);
  assert.equal(await client.podSandboxStats("s1"), null);
  assert.deepStrictEqual(await client.listPodSandboxStats({ id: "s1" }), []);
  await client.updateRuntimeConfig({ networkConfig: { podCidr: "10.0.0.0/24" } });
  await client.checkpointContainer({ containerId: "c1", location: "/tmp/x.tar" });
  assert.equal((await client.listMetricDescriptors())[0].name, "m");
  assert.equal((await client.listPodSandboxMetrics())[0].podSandboxId, "s1");
  assert.equal(called.length, 14);
});

Deno.test("new RemoteRuntimeService() refuses non-unix endpoints and bad timeouts", () => {
  assert.throws(
    () => new RemoteRuntimeService("tcp://127.0.0.1:1", { clock: new RealClock() }),
    TypeError,
  );
  assert.throws(
    () =>
      new RemoteRuntimeService("/x.sock", { clock: new RealClock(), runtimeRequestTimeoutMs: -1 }),
    RangeError,
  );
});
