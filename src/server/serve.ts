/**
 * Binds a handler from handler.ts to a TCP address with `Deno.serve`: the
 * healthz endpoint (`--healthz-bind-address:--healthz-port`) and the
 * read-only endpoint (`--address:--read-only-port`).
 *
 * @module
 */

import { type Logger, nullLogger } from "../util/logger.ts";
import type { Handler } from "./handler.ts";

/** Options of {@linkcode startServer}. */
export interface ServeOptions {
  /** Address to bind. @default "127.0.0.1" */
  hostname?: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Stops the server (it finishes open requests first). */
  signal: AbortSignal;
  /** Called once listening, with the bound address. @default logs it */
  onListen?: (addr: { hostname: string; port: number }) => void;
  /** @default nullLogger */
  logger?: Logger;
  /** Name used in log lines, e.g. "healthz" or "read-only". @default "http" */
  name?: string;
}

/** A running server. */
export interface RunningServer {
  hostname: string;
  port: number;
  /** Settles when the server has shut down after the signal aborted. */
  finished: Promise<void>;
}

/**
 * Serves `handler` until `options.signal` aborts; resolves once listening.
 * Rejects when the address cannot be bound (for example in use).
 *
 * Needs `--allow-net=<hostname>:<port>`.
 */
export function startServer(handler: Handler, options: ServeOptions): Promise<RunningServer> {
  const logger = options.logger ?? nullLogger;
  const name = options.name ?? "http";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port,
      signal: options.signal,
      onListen: () => {},
      onError: (e) => {
        logger.error("HTTP request failed", { server: name, err: e });
        return new Response("500 internal server error\n", { status: 500 });
      },
    }, handler);
  } catch (e) {
    return Promise.reject(e);
  }
  // Deno.serve ignores a signal that aborted before it started listening.
  if (options.signal.aborted) void server.shutdown();
  else options.signal.addEventListener("abort", () => void server.shutdown(), { once: true });
  const a = { hostname: server.addr.hostname, port: server.addr.port };
  if (options.onListen) options.onListen(a);
  else logger.info("Starting to listen", { server: name, address: `${a.hostname}:${a.port}` });
  return Promise.resolve({ ...a, finished: server.finished });
}
