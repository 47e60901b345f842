/**
 * Serves a grpc-js server on a Unix socket through our own listener, so
 * that every connection's bytes pass the {@linkcode AuthorityRewriter}
 * before nghttp2 reads them (see _authority_rewriter.ts). Private to
 * src/cri/fake/.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import net from "node:net";
import { Duplex } from "node:stream";
import { AuthorityRewriter } from "./_authority_rewriter.ts";

/** A listening socket; {@linkcode UnixListener.close} stops it. */
export interface UnixListener {
  /** Stops accepting and destroys open connections. */
  close(): Promise<void>;
}

/** A client connection whose incoming bytes are rewritten; outgoing ones pass as they are. */
class RewritingSocket extends Duplex {
  readonly #socket: net.Socket;

  constructor(socket: net.Socket) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    const rewriter = new AuthorityRewriter();
    socket.on("data", (chunk: Uint8Array) => {
      const out = rewriter.push(chunk);
      if (out.length > 0 && !this.push(out)) socket.pause();
    });
    socket.on("end", () => this.push(null));
    socket.on("error", (err) => this.destroy(err));
    socket.on("close", () => this.destroy());
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  get localAddress(): string | undefined {
    return this.#socket.localAddress;
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(
    chunk: Uint8Array,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.#socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(error);
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.#socket.setTimeout(ms, callback);
    return this;
  }
}

/**
 * Listens on `socketPath` and hands each connection, rewritten, to
 * `server`. The path must not exist.
 *
 * Needs `--allow-read` and `--allow-write` for `socketPath`.
 */
export async function listenUnix(server: grpc.Server, socketPath: string): Promise<UnixListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    injector.injectConnection(new RewritingSocket(socket));
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(socketPath, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        injector.destroy();
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}
