/**
 * Serves the fake CRI runtime and image services over gRPC on a Unix socket,
 * so the agent's CRI client is always exercised over the wire. Every call is
 * recorded, and a test can make any method fail with a gRPC status.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { Clock } from "../../util/clock.ts";
import { MAX_MESSAGE_BYTES } from "../_cri_channel.ts";
import type { ContainerEventResponse__Output } from "../generated/runtime/v1/ContainerEventResponse.ts";
import { imageServiceDefinition, runtimeServiceDefinition } from "../package_definition.ts";
import { withCachedListEncoding } from "./_list_encoding.ts";
import { guardHttp2SessionDestroy } from "../../util/guard_http2_session_destroy.ts";
import { listenUnix, type UnixListener } from "./_unix_listener.ts";
import type { CriMethod } from "../types.ts";
import { CallRecorder, type InjectErrorOptions, type RecordedCall } from "./call_recorder.ts";
import type { ContainerScript } from "./container_script.ts";
import type { ExecHandler } from "./exec_handler.ts";
import {
  type FailPullOptions,
  type FakeImageSeed,
  FakeImageService,
} from "./fake_image_service.ts";
import { type ExitContainerOptions, FakeRuntimeService } from "./fake_runtime_service.ts";
import { RpcError } from "./_util.ts";
import { errText } from "../../util/err_text.ts";

/** Options for {@linkcode startFakeRuntime}. */
export interface StartFakeRuntimeOptions {
  /** Path of the Unix socket to listen on (a stale socket file there is replaced). */
  socketPath: string;
  /** Clock for timestamps, scripted exits, exec timeouts and pull delays. */
  clock: Clock;
  /** Images present from the start. @default [] */
  images?: (string | FakeImageSeed)[];
  /** Runtime handlers besides the default "". @default [] */
  runtimeHandlers?: string[];
  /**
   * Whether every call is kept in {@linkcode FakeRuntimeServer.calls} (tests read
   * them). The embedded runtime turns it off: at 1,000 pods the kept requests
   * grow the agent's heap without end. @default true
   */
  recordCalls?: boolean;
}

type Handler = (request: unknown) => Promise<unknown>;

function lowerFirst(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}

function toServiceError(e: unknown): Partial<grpc.StatusObject> {
  if (e instanceof RpcError) return { code: e.code, details: e.message };
  return { code: grpc.status.UNKNOWN, details: errText(e) };
}

/** A running fake CRI runtime; stop it with {@linkcode FakeRuntimeServer.stop}. */
export class FakeRuntimeServer {
  /** The Unix socket path served. */
  readonly socketPath: string;
  /** `unix://<socketPath>`, as the agent's `--container-runtime-endpoint` takes it. */
  readonly endpoint: string;
  /** The runtime service state and test API. */
  readonly runtime: FakeRuntimeService;
  /** The image service state and test API. */
  readonly images: FakeImageService;
  /** Call log and error injection shared by both services. */
  readonly recorder: CallRecorder;
  readonly #server: grpc.Server;
  #listener: UnixListener | undefined;
  #stopped = false;

  constructor(socketPath: string, runtime: FakeRuntimeService, recordCalls = true) {
    this.recorder = new CallRecorder({ keepCalls: recordCalls });
    this.socketPath = socketPath;
    this.endpoint = `unix://${socketPath}`;
    this.runtime = runtime;
    this.images = runtime.images;
    // A client closing an idle channel must not crash the server's process.
    guardHttp2SessionDestroy();
    this.#server = new grpc.Server({
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
    });
    this.#server.addService(
      withCachedListEncoding(runtimeServiceDefinition),
      this.#implementation(runtimeServiceDefinition, runtime.rpcHandlers),
    );
    this.#server.addService(
      imageServiceDefinition,
      this.#implementation(imageServiceDefinition, [runtime.images]),
    );
  }

  /** Every call received, in order. */
  get calls(): RecordedCall[] {
    return this.recorder.calls;
  }

  /** Makes calls of `method` fail with gRPC status `code` and `message`. */
  injectError(
    method: CriMethod,
    code: number,
    message: string,
    options?: InjectErrorOptions,
  ): void {
    this.recorder.injectError(method, code, message, options);
  }

  /** Removes injected errors of `method`, or all. */
  clearErrors(method?: CriMethod): void {
    this.recorder.clearErrors(method);
  }

  /** Adds a container script ({@linkcode FakeRuntimeService.script}); returns a remover. */
  script(script: ContainerScript): () => void {
    return this.runtime.script(script);
  }

  /** Makes a running container exit now ({@linkcode FakeRuntimeService.exitContainer}). */
  exitContainer(id: string, exitCode: number, options?: ExitContainerOptions): void {
    this.runtime.exitContainer(id, exitCode, options);
  }

  /** Sets the RuntimeReady condition Status reports. */
  setRuntimeReady(ready: boolean, reason?: string, message?: string): void {
    this.runtime.extras.setCondition("RuntimeReady", ready, reason, message);
  }

  /** Sets the NetworkReady condition Status reports. */
  setNetworkReady(ready: boolean, reason?: string, message?: string): void {
    this.runtime.extras.setCondition("NetworkReady", ready, reason, message);
  }

  /** Replaces the ExecSync handler (undefined restores the default). */
  setExecHandler(handler: ExecHandler | undefined): void {
    this.runtime.extras.setExecHandler(handler);
  }

  /** Makes pulls of `image` fail ({@linkcode FakeImageService.failPull}). */
  failPull(image: string, message: string, options?: FailPullOptions): void {
    this.images.failPull(image, message, options);
  }

  #implementation(
    definition: grpc.ServiceDefinition,
    targets: object[],
  ): grpc.UntypedServiceImplementation {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const name of Object.keys(definition)) {
      const method = name as CriMethod;
      if (method === "GetContainerEvents") {
        impl[name] = (call: grpc.ServerWritableStream<unknown, ContainerEventResponse__Output>) =>
          this.#events(call);
        continue;
      }
      const target = targets.find((t) =>
        typeof (t as Record<string, unknown>)[lowerFirst(name)] === "function"
      );
      const handler = target && (target as Record<string, Handler>)[lowerFirst(name)].bind(target);
      impl[name] = (
        call: grpc.ServerUnaryCall<unknown, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        this.recorder.record(method, call.request);
        const injected = this.recorder.takeError(method);
        if (injected) return callback(toServiceError(injected));
        if (!handler) {
          return callback({
            code: grpc.status.UNIMPLEMENTED,
            details: `method ${name} not implemented`,
          });
        }
        Promise.resolve().then(() => handler(call.request)).then(
          (response) => callback(null, response),
          (e) => callback(toServiceError(e)),
        );
      };
    }
    return impl;
  }

  #events(call: grpc.ServerWritableStream<unknown, ContainerEventResponse__Output>): void {
    this.recorder.record("GetContainerEvents", call.request);
    const injected = this.recorder.takeError("GetContainerEvents");
    if (injected) {
      call.emit("error", toServiceError(injected));
      return;
    }
    const unsubscribe = this.runtime.subscribe((event) => call.write(event));
    const end = () => unsubscribe();
    call.on("cancelled", end);
    call.on("close", end);
    call.on("error", end);
  }

  /** Binds the socket. Called by {@linkcode startFakeRuntime}. */
  async listen(): Promise<void> {
    try {
      const info = await Deno.lstat(this.socketPath);
      if (info.isSocket) await Deno.remove(this.socketPath);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    // Our own listener, so clients sending the socket path as :authority work too.
    this.#listener = await listenUnix(this.#server, this.socketPath).catch((err) => {
      throw new Error(`Cannot listen on '${this.endpoint}': ${err.message}`);
    });
  }

  /** Ends every stream, closes the socket and cancels scripted timers. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.runtime.close();
    this.#server.forceShutdown();
    await this.#listener?.close();
    await Deno.remove(this.socketPath).catch(() => {});
  }

  /** Same as {@linkcode FakeRuntimeServer.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Starts the fake CRI runtime (RuntimeService and ImageService) on a Unix
 * socket and returns its handle.
 *
 * Requires `--allow-read` and `--allow-write` for the socket path, and
 * `--allow-env` for the GRPC_* variables grpc-js reads.
 */
export async function startFakeRuntime(
  options: StartFakeRuntimeOptions,
): Promise<FakeRuntimeServer> {
  if (!options.socketPath) throw new TypeError("Cannot start fake runtime: socketPath is empty");
  const clock = options.clock;
  const images = new FakeImageService({ clock, images: options.images });
  const runtime = new FakeRuntimeService({
    clock,
    images,
    runtimeHandlers: options.runtimeHandlers,
  });
  const server = new FakeRuntimeServer(options.socketPath, runtime, options.recordCalls ?? true);
  await server.listen();
  return server;
}
