/**
 * A tiny CRI gRPC server for the client tests: each test hands in the
 * handlers it needs; RPCs without a handler answer Unimplemented.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import {
  imageServiceDefinition,
  runtimeServiceDefinition,
} from "../../src/cri/package_definition.ts";
import { guardHttp2SessionDestroy } from "../../src/util/guard_http2_session_destroy.ts";
import type {
  ImageServiceMethod,
  RuntimeServiceMethod,
  ServedRequest,
  ServedResponse,
} from "../../src/cri/types.ts";

/** Thrown by a handler to answer with a gRPC status. */
export class Status extends Error {
  constructor(readonly code: number, readonly details: string) {
    super(details);
  }
}

/** Answers one unary call (or throws a {@linkcode Status}). */
export type Unary<Req, Res> = (request: Req) => Res | Promise<Res>;

/**
 * Unary handlers by RPC name: each gets the decoded request and may leave
 * any field of its answer out (the client's decoder fills in defaults).
 */
export type RuntimeHandlers = {
  [M in Exclude<RuntimeServiceMethod, "GetContainerEvents">]?: Unary<
    ServedRequest<M>,
    ServedResponse<M>
  >;
};

/** Unary handlers by RPC name, as {@linkcode RuntimeHandlers}. */
export type ImageHandlers = {
  [M in ImageServiceMethod]?: Unary<ServedRequest<M>, ServedResponse<M>>;
};

/** Handlers of a {@linkcode TestServer}. */
export interface TestServerHandlers {
  runtime?: RuntimeHandlers;
  image?: ImageHandlers;
  /** Serves GetContainerEvents. */
  events?: (call: grpc.ServerWritableStream<unknown, unknown>) => void;
}

type AnyUnary = (request: unknown) => unknown;

function toImplementation(
  handlers: Record<string, AnyUnary | undefined>,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    if (handler === undefined) continue;
    impl[name] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      Promise.resolve().then(() => handler(call.request)).then(
        (value) => callback(null, value),
        (err) => {
          if (err instanceof Status) callback({ code: err.code, details: err.details });
          else callback({ code: grpc.status.INTERNAL, details: String(err) });
        },
      );
    };
  }
  return impl;
}

/** An in-process gRPC server on a Unix socket. */
export class TestServer {
  #server: grpc.Server;
  /** Path of the socket. */
  readonly socketPath: string;

  private constructor(server: grpc.Server, socketPath: string) {
    this.#server = server;
    this.socketPath = socketPath;
  }

  /** The endpoint clients dial. */
  get endpoint(): string {
    return `unix://${this.socketPath}`;
  }

  /** Starts a server on `socketPath` with `handlers`. */
  static start(socketPath: string, handlers: TestServerHandlers = {}): Promise<TestServer> {
    // As the fake runtime does: a client closing its channel must not crash this process.
    guardHttp2SessionDestroy();
    const server = new grpc.Server();
    const runtime = toImplementation(
      handlers.runtime as Record<string, AnyUnary | undefined> ?? {},
    );
    if (handlers.events) runtime.GetContainerEvents = handlers.events;
    server.addService(runtimeServiceDefinition, runtime);
    server.addService(
      imageServiceDefinition,
      toImplementation(handlers.image as Record<string, AnyUnary | undefined> ?? {}),
    );
    return new Promise((resolve, reject) => {
      server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (err) => {
        if (err) reject(err);
        else resolve(new TestServer(server, socketPath));
      });
    });
  }

  /** Stops the server at once, ending open calls, and removes the socket. */
  async stop(): Promise<void> {
    this.#server.forceShutdown();
    await Deno.remove(this.socketPath).catch(() => {});
  }

  /** Same as {@linkcode TestServer.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** A temp dir for sockets, removed by `Symbol.asyncDispose`. */
export async function tempSocketDir(): Promise<
  AsyncDisposable & { path: (name: string) => string }
> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-cri-" });
  return {
    path: (name: string) => `${dir}/${name}`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** A valid sandbox status for handlers to return. */
export function sandboxStatus(id: string) {
  return {
    id,
    metadata: { name: "web", namespace: "default", uid: "uid-1", attempt: 0 },
    state: "SANDBOX_READY" as const,
    // Nanoseconds since the epoch.
    createdAt: 1_700_000_000_000 * 1_000_000,
  };
}

/** A valid container status for handlers to return. */
export function containerStatus(id: string) {
  return {
    id,
    metadata: { name: "app", attempt: 0 },
    state: "CONTAINER_RUNNING" as const,
    // Nanoseconds since the epoch.
    createdAt: 1_700_000_000_000 * 1_000_000,
    image: { image: "busybox:latest" },
    imageRef: "sha256:abc",
  };
}
