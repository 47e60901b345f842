/**
 * What the plain HTTP servers (serve.ts) and the kubelet API's HTTPS server
 * (src/kubeletserver/secure_server.ts) share around their node:http(s)
 * server: the net permission asked before binding, the bind with a clear
 * "address already in use", and the stop on the signal that lets open
 * keep-alive connections go.
 *
 * @module
 */

import type { Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Logger } from "../util/logger.ts";

/** A running server. */
export interface RunningServer {
  hostname: string;
  port: number;
  /** Settles when the server has shut down after the signal aborted. */
  finished: Promise<void>;
}

/** What a server's request handler reads while it serves. */
export interface ServingState {
  /** True once the stop began: answers then close their connections. */
  stopping: boolean;
  /** `host:port` as bound, for the requests' URLs. */
  authority: string;
}

/**
 * The responses still streaming on a server, so that stopping it ends them:
 * `register(stop)` returns the unregister function; a response that starts
 * after the stop began is stopped at once.
 */
export class OpenStreams {
  readonly #stops = new Set<() => void>();
  constructor(private readonly state: ServingState) {}

  register = (stop: () => void): () => void => {
    if (this.state.stopping) {
      stop();
      return () => {};
    }
    this.#stops.add(stop);
    return () => this.#stops.delete(stop);
  };

  /** Ends every open stream. */
  stopAll(): void {
    for (const stop of [...this.#stops]) stop();
  }
}

/** `hostname` as it appears in a URL authority (IPv6 in brackets). */
export function urlHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/**
 * Throws `Deno.errors.NotCapable` unless the agent may listen on
 * `hostname:port`: node:http throws a missing permission from a later tick,
 * out of reach of any handler, so it is asked first.
 */
export async function requireListenPermission(
  hostname: string,
  port: number,
  what: string,
): Promise<void> {
  const host = urlHost(hostname);
  const netHost = port === 0 ? host : `${host}:${port}`;
  const state = await Deno.permissions.query({ name: "net", host: netHost });
  if (state.state !== "granted") {
    throw new Deno.errors.NotCapable(
      `Requires net access to "${netHost}" to serve ${what}, run again with the --allow-net flag`,
    );
  }
}

/** Options of {@linkcode listenUntilAborted}. */
export interface ListenOptions {
  hostname: string;
  port: number;
  /** What is served, in messages: "healthz", "the kubelet API". */
  what: string;
  /** The server's name in log lines. */
  name: string;
  signal: AbortSignal;
  logger: Logger;
  /** Called once listening. @default logs it */
  onListen?: (addr: { hostname: string; port: number }) => void;
  /** More to do when the stop begins (end open streams). */
  onStop?: () => void;
}

/**
 * Binds `server`, sets `state.authority`, and stops it (`state.stopping`,
 * close, idle connections closed, `onStop`) when the signal aborts.
 *
 * @throws {Deno.errors.AddrInUse} naming the address when it is taken.
 */
export async function listenUntilAborted(
  server: Server | HttpsServer,
  state: ServingState,
  options: ListenOptions,
): Promise<RunningServer> {
  const host = urlHost(options.hostname);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error & { code?: string }) => {
      reject(
        err.code === "EADDRINUSE"
          ? new Deno.errors.AddrInUse(
            `Cannot serve ${options.what} on ${host}:${options.port}: address already in use`,
          )
          : err,
      );
    };
    server.once("error", onError);
    server.listen(options.port, options.hostname, () => {
      server.off("error", onError);
      resolve();
    });
  });
  // Errors after listening (e.g. out of file descriptors on accept) are logged; the server goes on.
  server.on(
    "error",
    (err) => options.logger.error("HTTP server error", { server: options.name, err }),
  );

  const bound = server.address() as { address: string; port: number };
  state.authority = `${host}:${bound.port}`;
  const finished = new Promise<void>((resolve) => server.once("close", () => resolve()));
  const stop = () => {
    state.stopping = true;
    server.close();
    server.closeIdleConnections();
    options.onStop?.();
  };
  if (options.signal.aborted) stop();
  else options.signal.addEventListener("abort", stop, { once: true });
  const a = { hostname: bound.address, port: bound.port };
  if (options.onListen) options.onListen(a);
  else {options.logger.info("Starting to listen", {
      server: options.name,
      address: `${host}:${a.port}`,
    });}
  return { ...a, finished };
}
