/**
 * Binds a handler from handler.ts to a TCP address: the healthz endpoint
 * (`--healthz-bind-address:--healthz-port`) and the read-only endpoint
 * (`--address:--read-only-port`).
 *
 * Safer than the kubelet's servers (Go's http.Server without timeouts): a
 * connection that has not sent complete request headers within
 * `headersTimeoutMs` (a slowloris or half-open client) gets 408 and is
 * closed, so is one idle for `idleTimeoutMs`, and a whole request may take
 * at most `requestTimeoutMs`. `Deno.serve` (2.9.6) has no such timeouts — it
 * keeps a half-sent request open forever — so the server is node:http's,
 * whose parser enforces them, with the handler's `Request`/`Response`
 * adapted at the edge (request bodies are not read: the handler refuses them).
 *
 * Response bodies stream with back-pressure (pipe_response.ts), so a
 * `containerLogs?follow=true` answer goes on while the client reads; while a
 * request is being answered its connection may go `streamingIdleTimeoutMs`
 * without traffic (the kubelet's `streamingConnectionIdleTimeout`), then
 * `idleTimeoutMs` again. A client that goes away aborts the request's signal
 * and cancels the body; stopping the server ends open streams.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type Logger, nullLogger } from "../util/logger.ts";
import type { Handler } from "./handler.ts";
import { pipeResponse } from "./pipe_response.ts";
import {
  listenUntilAborted,
  OpenStreams,
  requireListenPermission,
  type RunningServer,
  type ServingState,
  urlHost,
} from "./listen.ts";

export type { RunningServer } from "./listen.ts";

/** Default of {@linkcode ServeOptions.headersTimeoutMs}. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Default of {@linkcode ServeOptions.idleTimeoutMs}. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Default of {@linkcode ServeOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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
  /** Most time from a connection's first byte to the end of its request headers. @default 10 s */
  headersTimeoutMs?: number;
  /** Most time a connection may go without traffic (keep-alive included). @default 30 s */
  idleTimeoutMs?: number;
  /** Most time to receive a whole request. @default 30 s */
  requestTimeoutMs?: number;
  /**
   * Most time a connection may go without traffic while its request is being
   * answered (a streaming body, a long `/run`). @default idleTimeoutMs
   */
  streamingIdleTimeoutMs?: number;
}

/** The fetch `Request` of a node:http request (`http://<host><path>`, no body, headers fetch refuses dropped). */
export function toRequest(req: IncomingMessage, host: string): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i], raw[i + 1]);
    } catch {
      // a header value fetch's Headers refuses: the handler never needs it
    }
  }
  const path = req.url?.startsWith("/") ? req.url : `/${req.url ?? ""}`;
  return new Request(`http://${host}${path}`, { method: req.method ?? "GET", headers });
}

/**
 * Serves `handler` until `options.signal` aborts; resolves once listening.
 * Rejects when the address cannot be bound: `Deno.errors.AddrInUse` when in
 * use, `Deno.errors.NotCapable` without the net permission.
 *
 * Needs `--allow-net=<hostname>:<port>`.
 */
export async function startServer(
  handler: Handler,
  options: ServeOptions,
): Promise<RunningServer> {
  const logger = options.logger ?? nullLogger;
  const name = options.name ?? "http";
  const hostname = options.hostname ?? "127.0.0.1";
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const requestTimeout = Math.max(
    options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    headersTimeout,
  );
  const streamingIdle = options.streamingIdleTimeoutMs ?? idleTimeout;
  await requireListenPermission(hostname, options.port, name);

  const state: ServingState = { stopping: false, authority: urlHost(hostname) };
  const streams = new OpenStreams(state);
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const ac = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) ac.abort(new DOMException("client went away", "AbortError"));
    });
    req.socket.setTimeout(streamingIdle);
    try {
      const request = new Request(toRequest(req, state.authority), { signal: ac.signal });
      await pipeResponse(res, await handler(request), streams.register);
    } finally {
      if (!req.socket.destroyed) req.socket.setTimeout(idleTimeout);
    }
  };
  const server = createServer({
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: idleTimeout,
    // How often node checks the headers and request deadlines.
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeout / 4))),
  }, (req, res) => {
    // Once stopping, every answer closes its connection, so `finished` never
    // waits for a client's keep-alive.
    if (state.stopping) res.setHeader("connection", "close");
    void (async () => {
      try {
        await serve(req, res);
      } catch (err) {
        logger.error("HTTP request failed", { server: name, err });
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader("content-type", "text/plain; charset=utf-8");
          res.end("500 internal server error\n");
        } else {
          res.destroy();
        }
      }
    })();
  });
  // A socket without traffic for this long is destroyed; bad or late
  // requests get node's own 400, 408 or 431 and a close.
  server.timeout = idleTimeout;

  return await listenUntilAborted(server, state, {
    hostname,
    port: options.port,
    what: name,
    name,
    signal: options.signal,
    logger,
    onListen: options.onListen,
    onStop: () => {
      streams.stopAll();
    },
  });
}
