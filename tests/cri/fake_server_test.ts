import assert from "node:assert/strict";
import { withFakeRuntime } from "./_with_fake.ts";
import http2 from "node:http2";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { status as grpcStatus } from "@grpc/grpc-js";
import { FakeClock, RealClock } from "../../src/util/clock.ts";
import { startFakeRuntime } from "../../src/cri/fake/mod.ts";
import type { FakeRuntimeServer } from "../../src/cri/fake/mod.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { CriError, UnavailableError } from "../../src/cri/errors.ts";
import type { ContainerEventResponse, PodSandboxConfig } from "../../src/cri/types.ts";
import { runtimeServiceDefinition } from "../../src/cri/package_definition.ts";
import { CHANNEL_OPTIONS } from "../../src/cri/_cri_channel.ts";

function withFake(
  fn: (fake: FakeRuntimeServer, runtime: RemoteRuntimeService, clock: FakeClock) => Promise<void>,
): Promise<void> {
  return withFakeRuntime({}, (f) => fn(f.fake, f.runtime, f.clock));
}

const sandboxConfig: PodSandboxConfig = {
  metadata: { name: "web", uid: "u1", namespace: "default", attempt: 0 },
  linux: { securityContext: { namespaceOptions: { network: "NODE" } } },
};

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(cond(), "condition not reached within 2000 polls");
}

Deno.test("FakeRuntimeServer records every call with its decoded request", async () => {
  await withFake(async (fake, runtime) => {
    await runtime.version();
    await runtime.listContainers({ podSandboxId: "abc" });
    assert.deepEqual(fake.recorder.methods(), ["Version", "ListContainers"]);
    const request = fake.recorder.requestsOf("ListContainers")[0] as {
      filter: { podSandboxId: string };
    };
    assert.equal(request.filter.podSandboxId, "abc");
    fake.recorder.clearCalls();
    assert.deepEqual(fake.calls, []);
  });
});

Deno.test("FakeRuntimeServer.injectError() fails a method with the status code, for `times` calls", async (t) => {
  await withFake(async (fake, runtime) => {
    await t.step("Unavailable twice, then works", async () => {
      fake.injectError("ListPodSandbox", grpcStatus.UNAVAILABLE, "runtime down", { times: 2 });
      await assert.rejects(runtime.listPodSandbox(), UnavailableError);
      await assert.rejects(runtime.listPodSandbox(), /runtime down/);
      assert.deepEqual(await runtime.listPodSandbox(), []);
      assert.equal(fake.recorder.requestsOf("ListPodSandbox").length, 3);
    });
    await t.step("until cleared by default", async () => {
      fake.injectError("Status", grpcStatus.INTERNAL, "boom");
      for (let i = 0; i < 3; i++) {
        await assert.rejects(runtime.status(), (e: unknown) => {
          assert.ok(e instanceof CriError);
          assert.equal(e.code, grpcStatus.INTERNAL);
          return true;
        });
      }
      fake.clearErrors("Status");
      assert.ok(await runtime.status());
    });
    await t.step("times must be positive", () => {
      assert.throws(() => fake.injectError("Status", 2, "x", { times: 0 }), RangeError);
    });
  });
});

Deno.test("GetContainerEvents streams created/started/stopped/deleted to every subscriber", async () => {
  await withFake(async (fake, runtime, clock) => {
    const controller = new AbortController();
    const collect = async (into: ContainerEventResponse[]) => {
      for await (const e of runtime.getContainerEvents(controller.signal)) into.push(e);
    };
    const first: ContainerEventResponse[] = [];
    const second: ContainerEventResponse[] = [];
    const done = Promise.all([collect(first), collect(second)]);
    await until(() => fake.runtime.subscriberCount === 2);

    fake.runtime.script({ match: { containerName: "app" }, exitAfterMs: 100, exitCode: 2 });
    const podSandboxId = await runtime.runPodSandbox(sandboxConfig);
    const id = await runtime.createContainer({
      podSandboxId,
      config: { metadata: { name: "app", attempt: 0 }, image: { image: "busybox" } },
      sandboxConfig,
    });
    await runtime.startContainer(id);
    clock.step(100);
    await runtime.removeContainer(id);
    await until(() => first.length >= 6 && second.length >= 6);
    controller.abort();
    await done;

    const kinds = (events: ContainerEventResponse[]) =>
      events.map((e) => `${e.containerId === id ? "app" : "sandbox"}:${e.containerEventType}`);
    const want = [
      "sandbox:CONTAINER_CREATED_EVENT",
      "sandbox:CONTAINER_STARTED_EVENT",
      "app:CONTAINER_CREATED_EVENT",
      "app:CONTAINER_STARTED_EVENT",
      "app:CONTAINER_STOPPED_EVENT",
      "app:CONTAINER_DELETED_EVENT",
    ];
    assert.deepEqual(kinds(first), want);
    assert.deepEqual(kinds(second), want);
    const stopped = first[4];
    assert.equal(stopped.podSandboxStatus?.id, podSandboxId);
    assert.equal(stopped.containersStatuses[0].exitCode, 2);
    assert.equal(stopped.createdAt, clock.now() * 1_000_000);
    assert.deepEqual(first[5].containersStatuses, []);
    await until(() => fake.runtime.subscriberCount === 0);
  });
});

Deno.test("GetContainerEvents fails with an injected error", async () => {
  await withFake(async (fake, runtime) => {
    fake.injectError("GetContainerEvents", grpcStatus.UNIMPLEMENTED, "not supported", { times: 1 });
    await assert.rejects(async () => {
      for await (const _ of runtime.getContainerEvents(new AbortController().signal)) {
        // no events expected
      }
    }, /not supported/);
  });
});

Deno.test("FakeRuntimeServer.stop() ends event streams and removes the socket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-fake-" });
  const fake = await startFakeRuntime({ socketPath: `${dir}/cri.sock`, clock: new FakeClock() });
  const runtime = new RemoteRuntimeService(fake.endpoint, { clock: new RealClock() });
  try {
    const stream = (async () => {
      for await (const _ of runtime.getContainerEvents(new AbortController().signal)) {
        // none
      }
    })();
    await until(() => fake.runtime.subscriberCount === 1);
    const ended = assert.rejects(stream, CriError);
    await fake.stop();
    await ended;
    await assert.rejects(Deno.lstat(`${dir}/cri.sock`), Deno.errors.NotFound);
    await fake.stop(); // idempotent
  } finally {
    runtime.close();
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startFakeRuntime() replaces a stale socket file and rejects an empty path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-fake-" });
  try {
    const path = `${dir}/cri.sock`;
    // A socket file left behind by a process that exited without closing it.
    const code = `Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} }); Deno.exit(0);`;
    await new Deno.Command(Deno.execPath(), { args: ["eval", code] }).output();
    assert.ok((await Deno.lstat(path)).isSocket);
    const fake = await startFakeRuntime({
      clock: new RealClock(),
      socketPath: path,
      images: ["busybox"],
    });
    const images = new RemoteImageService(fake.endpoint, { clock: new RealClock() });
    try {
      assert.equal((await images.listImages()).length, 1);
    } finally {
      images.close();
      await fake.stop();
    }
    await assert.rejects(startFakeRuntime({ clock: new RealClock(), socketPath: "" }), TypeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scripts/fake_runtime.ts serves on --listen with the narrow permissions and stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-fake-" });
  const sock = `${dir}/cri.sock`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-net=unix:${sock}`,
      `--allow-read=${sock}`,
      `--allow-write=${sock}`,
      "--allow-env=GRPC_NODE_VERBOSITY,GRPC_VERBOSITY,GRPC_NODE_TRACE,GRPC_TRACE," +
      "GRPC_NODE_USE_ALTERNATIVE_RESOLVER,GRPC_NODE_DEBUG_SEND_ERROR_DETAILS," +
      "GRPC_EXPERIMENTAL_ENABLE_OUTLIER_DETECTION,GRPC_SSL_CIPHER_SUITES," +
      "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
      new URL("../../scripts/fake_runtime.ts", import.meta.url).pathname,
      "--listen",
      `unix://${sock}`,
      "--image",
      "busybox",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const images = new RemoteImageService(`unix://${sock}`, { clock: new RealClock() });
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    assert.equal(out.trim(), `fake-runtime listening on unix://${sock}`);
    const list = await images.listImages();
    assert.deepEqual(list.map((i) => i.repoTags[0]), ["docker.io/library/busybox:latest"]);
    // Close the channel before the server goes (the child then takes the client's GOAWAY
    // on an idle session, denoland/deno#36788, and must still exit 0).
    images.close();
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
  } finally {
    images.close();
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FakeRuntimeServer answers clients that send the socket path as :authority (crictl 1.26)", async (t) => {
  await withFake(async (fake) => {
    await t.step("a grpc-js client with grpc.default_authority = the socket path", async () => {
      const Client = grpc.makeGenericClientConstructor(runtimeServiceDefinition, "RuntimeService");
      const client = new Client(fake.endpoint, grpc.credentials.createInsecure(), {
        ...CHANNEL_OPTIONS,
        "grpc.default_authority": fake.socketPath,
      });
      try {
        for (let i = 0; i < 3; i++) {
          const version = await new Promise<{ runtimeName: string }>((resolve, reject) =>
            client.Version(
              { version: "0.1.0" },
              (err: unknown, res: { runtimeName: string }) => err ? reject(err) : resolve(res),
            )
          );
          assert.equal(version.runtimeName, "fake-runtime");
        }
      } finally {
        client.close();
      }
    });
    await t.step("a raw HTTP/2 client (Huffman-coded, then indexed :authority)", async () => {
      const session = http2.connect("http://localhost", {
        createConnection: () => net.connect(fake.socketPath),
      });
      try {
        for (let i = 0; i < 2; i++) {
          const stream = session.request({
            ":method": "POST",
            ":path": "/runtime.v1.RuntimeService/Version",
            ":authority": fake.socketPath,
            "content-type": "application/grpc",
            "te": "trailers",
          });
          stream.end(new Uint8Array(5)); // one empty gRPC message
          const answer = await new Promise<{ status: unknown; grpc: unknown; bytes: number }>(
            (resolve, reject) => {
              let status: unknown;
              let bytes = 0;
              stream.on("response", (h) => status = h[":status"]);
              stream.on("data", (d: Uint8Array) => bytes += d.length);
              stream.on("trailers", (h) => resolve({ status, grpc: h["grpc-status"], bytes }));
              stream.on("error", reject);
            },
          );
          assert.deepEqual({ status: answer.status, grpc: answer.grpc }, {
            status: 200,
            grpc: "0",
          });
          assert.ok(answer.bytes > 5, "a Version answer");
        }
      } finally {
        session.close();
      }
    });
  });
});

Deno.test("startFakeRuntime({ recordCalls: false }) keeps no calls but still injects errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-fake-norecord-" });
  const fake = await startFakeRuntime({
    socketPath: `${dir}/cri.sock`,
    clock: new RealClock(),
    recordCalls: false,
  });
  const runtime = new RemoteRuntimeService(fake.endpoint, { clock: new RealClock() });
  try {
    await runtime.version();
    await runtime.listContainers();
    fake.injectError("Status", grpcStatus.INTERNAL, "boom", { times: 1 });
    await assert.rejects(runtime.status(), /boom/);
    assert.deepEqual(fake.calls, []);
  } finally {
    runtime.close();
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
