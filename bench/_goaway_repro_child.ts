/**
 * One reproducer run for bench/cri_soak_bench.ts, in its own process so an
 * abort inside nghttp2 (denoland/deno#36788) kills only this run:
 *
 * - `client` side: holds a CRI channel while a fake runtime child
 *   (scripts/fake_runtime.ts) is stopped with SIGTERM and started again,
 *   `rounds` times; between restarts a few calls, then the channel is idle
 *   when the GOAWAY comes.
 * - `server` side: an in-process fake runtime; `rounds` clients each make a
 *   call and close their idle channel (a GOAWAY to the server).
 *
 * `guard` uses the agent's CRI client and the fake runtime (both install
 * the guard of src/util/guard_http2_session_destroy.ts); `raw` a bare
 * grpc-js client (same channel options) and server, without the guard, as
 * the agent and the fake were before.
 *
 * ```sh
 * deno run -A bench/_goaway_repro_child.ts <dir> <client|server> <guard|raw> <rounds>
 * ```
 *
 * Exits 0 when it survived; 134 or 139 when Deno aborted or crashed.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { CHANNEL_OPTIONS } from "../src/cri/_cri_channel.ts";
import { startFakeRuntime } from "../src/cri/fake/mod.ts";
import { runtimeServiceDefinition } from "../src/cri/package_definition.ts";
import { RemoteRuntimeService } from "../src/cri/remote_runtime_service.ts";
import { RealClock } from "../src/util/clock.ts";

const [dir, side, mode, roundsArg] = Deno.args;
const rounds = Number(roundsArg ?? 20);
const socketPath = `${dir}/cri.sock`;
const endpoint = `unix://${socketPath}`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Client {
  version(): Promise<unknown>;
  close(): void;
}

function rawClient(): Client {
  const Ctor = grpc.makeGenericClientConstructor(runtimeServiceDefinition, "RuntimeService");
  const client = new Ctor(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const version = client.Version.bind(client) as (
    req: unknown,
    opts: grpc.CallOptions,
    cb: (err: unknown, res: unknown) => void,
  ) => void;
  return {
    version: () =>
      new Promise((resolve, reject) =>
        version(
          { version: "0.1.0" },
          { deadline: Date.now() + 2000 },
          (err, res) => err ? reject(err) : resolve(res),
        )
      ),
    close: () => client.close(),
  };
}

function newClient(): Client {
  if (mode === "raw") return rawClient();
  const runtime = new RemoteRuntimeService(endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 2000,
  });
  return { version: () => runtime.version(), close: () => runtime.close() };
}

async function startFakeChild(): Promise<Deno.ChildProcess> {
  const script = new URL("../scripts/fake_runtime.ts", import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--config=${config}`, script, "--listen", endpoint],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  if (!first.value?.includes("listening")) throw new Error("the fake runtime did not start");
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return child;
}

/** The fake runtime in this process (it installs the guard). */
async function startFakeServer(): Promise<() => Promise<void>> {
  const fake = await startFakeRuntime({ clock: new RealClock(), socketPath });
  return () => fake.stop();
}

/** A bare grpc-js server answering Version, without the guard. */
async function startRawServer(): Promise<() => Promise<void>> {
  const server = new grpc.Server();
  server.addService(runtimeServiceDefinition, {
    Version: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, { version: "0.1.0", runtimeName: "raw", runtimeApiVersion: "v1" }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(endpoint, grpc.ServerCredentials.createInsecure(), (err) => {
      if (err) reject(err);
      else resolve();
    })
  );
  return () => {
    server.forceShutdown();
    return Promise.resolve();
  };
}

async function untilAnswers(client: Client): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await client.version();
      return;
    } catch {
      await delay(20);
    }
  }
  throw new Error("the fake runtime did not answer");
}

if (side === "client") {
  const client = newClient();
  for (let i = 0; i < rounds; i++) {
    const fake = await startFakeChild();
    await untilAnswers(client);
    for (let k = 0; k < 3; k++) await client.version();
    fake.kill("SIGTERM"); // GOAWAY to the idle channel
    await fake.status;
    await delay(50);
  }
  client.close();
} else {
  const stop = mode === "raw" ? await startRawServer() : await startFakeServer();
  for (let i = 0; i < rounds; i++) {
    const client = newClient();
    await client.version();
    client.close(); // GOAWAY to the server
    await delay(20);
  }
  await stop();
}
console.log("survived");
