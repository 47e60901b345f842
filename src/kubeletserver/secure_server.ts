/**
 * The kubelet's secure server (`--address:--port`, 10250): HTTPS with the
 * serving certificate, every request authenticated (authn.ts) and authorized
 * (authz.ts) before the handler sees it, as the kubelet's auth filter does:
 * 401 `Unauthorized` without valid credentials, 403 with the kubelet's
 * `Forbidden (...)` line when not allowed, 500 `Authorization error (...)`
 * when the API server could not be asked. The handler is the plain
 * `(Request) => Promise<Response>` of src/server/handler.ts, given the
 * request without its `Authorization` header.
 *
 * TLS: the client certificate is requested but not required
 * (`requestCert`, `rejectUnauthorized: false`), so bearer-token clients
 * connect too; the client CA is advertised to clients, and the
 * authenticator verifies the certificate itself. `tlsMinVersion` and
 * `tlsCipherSuites` are checked by tls_settings.ts (a setting Deno's TLS
 * cannot honour is refused before listening).
 *
 * Timeouts are serve.ts's (TLS handshake and request headers 10 s, whole
 * request 30 s, idle connection 30 s), except that a response still streaming (`kubectl logs
 * -f`) keeps its connection for up to `streamingIdleTimeoutMs` without
 * traffic (the kubelet's `streamingConnectionIdleTimeout`, 4h). Response
 * bodies stream with back-pressure; a client that goes away cancels the
 * body and aborts the request's signal. Stopping ends open streams.
 *
 * Upgrades (`Connection: Upgrade`: SPDY/3.1 or WebSocket, for exec, attach
 * and portForward) pass the same authentication and authorization, their
 * refusals written on the socket as ordinary HTTP answers; then the
 * `upgrade` handler takes the socket for its paths (it keeps its own idle
 * timeout), and any other path gets the plain handler's answer, after
 * which the connection closes.
 *
 * Every request is logged at --v=4 with method, path (no query), user,
 * authentication method, verdict and status — never a token.
 *
 * @module
 */

import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import type { Handler } from "../server/handler.ts";
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  toRequest,
} from "../server/serve.ts";
import {
  listenUntilAborted,
  OpenStreams,
  requireListenPermission,
  type RunningServer,
  type ServingState,
  urlHost,
} from "../server/listen.ts";
import type { Clock } from "../util/clock.ts";
import { RealClock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import type { Authenticator } from "./authn.ts";
import type { Authorizer } from "./authz.ts";
import { pipeResponse } from "../server/pipe_response.ts";
import { pathOf, requestCheck } from "./_request_check.ts";
import { socketConn } from "./_socket_conn.ts";
import {
  answerAndClose,
  rawTextAnswer,
  type StreamConn,
  type UpgradeOutcome,
  type UpgradeRequest,
  writeResponse,
} from "../streaming/mod.ts";
import { type ServingKeyType, tlsServerSettings } from "./tls_settings.ts";

/** Default of {@linkcode SecureServerOptions.streamingIdleTimeoutMs}: 4 hours. */
export const DEFAULT_STREAMING_IDLE_TIMEOUT_MS = 4 * 3600_000;

/** Options of {@linkcode startSecureServer}. */
export interface SecureServerOptions {
  /** Address to bind (`--address`). @default "0.0.0.0" */
  hostname?: string;
  /** Port (`--port`); 0 picks a free one. */
  port: number;
  /** PEM serving certificate (and chain). */
  cert: string;
  /** PEM private key of `cert`. */
  key: string;
  /** PEM client CA bundle, advertised to clients in the TLS handshake. */
  clientCa?: string;
  authn: Authenticator;
  authz: Authorizer;
  /** `tlsMinVersion`: "", "VersionTLS12" or "VersionTLS13". @default "" (TLS 1.2) */
  tlsMinVersion?: string;
  /** `tlsCipherSuites` (Go names). @default [] */
  tlsCipherSuites?: readonly string[];
  /** Stops the server: it stops accepting, finishes open requests and ends open streams. */
  signal: AbortSignal;
  /** @default nullLogger */
  logger?: Logger;
  /** Clock of the log throttle. @default RealClock */
  clock?: Clock;
  /** Called once listening. @default logs it */
  onListen?: (addr: { hostname: string; port: number }) => void;
  /** @default 10 s */
  headersTimeoutMs?: number;
  /** @default 30 s */
  idleTimeoutMs?: number;
  /** @default 30 s */
  requestTimeoutMs?: number;
  /** Most time a streaming response may go without traffic. @default 4 h */
  streamingIdleTimeoutMs?: number;
  /** Serves upgrade requests (exec, attach, portForward). @default none: upgrades get the plain handler's answer */
  upgrade?: UpgradeHandler;
}

/**
 * Upgrade requests (`Connection: Upgrade`) to the paths `handles` claims,
 * after authentication and authorization (src/streaming's handler).
 */
export interface UpgradeHandler {
  handles(path: string): boolean;
  /** Answers on `conn`; resolves once the status is known. `signal` aborts when the server stops. */
  serve(request: UpgradeRequest, conn: StreamConn, signal: AbortSignal): Promise<UpgradeOutcome>;
}

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };

function keyTypeOfCert(cert: string): ServingKeyType {
  const first = cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  if (!first) {
    throw new TypeError("Cannot serve the kubelet API: the certificate holds no PEM block");
  }
  return new X509Certificate(first[0]).publicKey.asymmetricKeyType === "rsa" ? "rsa" : "ec";
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(TEXT)) res.setHeader(k, v);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

/**
 * Serves `handler` over HTTPS with authentication and authorization until
 * `options.signal` aborts; resolves once listening. Rejects with a
 * `RangeError` for a TLS setting that cannot be honoured,
 * `Deno.errors.AddrInUse` when the address is taken and
 * `Deno.errors.NotCapable` without the net permission.
 *
 * Needs `--allow-net=<hostname>:<port>`.
 */
export async function startSecureServer(
  handler: Handler,
  options: SecureServerOptions,
): Promise<RunningServer> {
  const logger = options.logger ?? nullLogger;
  const clock = options.clock ?? new RealClock();
  const hostname = options.hostname ?? "0.0.0.0";
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const requestTimeout = Math.max(
    options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    headersTimeout,
  );
  const streamingIdle = options.streamingIdleTimeoutMs ?? DEFAULT_STREAMING_IDLE_TIMEOUT_MS;
  const tls = tlsServerSettings(
    options.tlsMinVersion,
    options.tlsCipherSuites,
    keyTypeOfCert(options.cert),
  );
  await requireListenPermission(hostname, options.port, "the kubelet API");

  const check = requestCheck({ authn: options.authn, authz: options.authz, logger, clock });
  const state: ServingState = { stopping: false, authority: urlHost(hostname) };
  const streams = new OpenStreams(state);

  /** The request for `handler`: no `Authorization` header, aborted by `signal`. */
  function handlerRequest(req: IncomingMessage, signal: AbortSignal): Request {
    const base = toRequest(req, state.authority);
    const headers = new Headers(base.headers);
    headers.delete("authorization");
    return new Request(base.url, { method: base.method, headers, signal });
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const checked = await check(req);
    if (!checked.ok) {
      plain(res, checked.status, checked.body);
      return;
    }
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort(new DOMException("client went away", "AbortError"));
    };
    res.once("close", onClose);
    const response = await handler(handlerRequest(req, ac.signal));
    logger.debug(4, "Kubelet API request", { ...checked.who, status: response.status });
    req.socket.setTimeout(streamingIdle);
    try {
      await pipeResponse(res, response, streams.register);
    } finally {
      if (!req.socket.destroyed) req.socket.setTimeout(idleTimeout);
    }
  }

  /**
   * A request with upgrade headers: the same checks, then the upgrade
   * handler for its paths (exec, attach, portForward), else the plain
   * handler's answer written on the socket, which is then closed.
   */
  async function serveUpgrade(req: IncomingMessage, socket: Socket, head: Uint8Array) {
    // The node server's idle timeout no longer applies: the stream keeps its own.
    socket.setTimeout(0);
    // Interactive frames go out at once (Go's TCP default), not after the peer's delayed ACK.
    socket.setNoDelay(true);
    const conn = socketConn(socket);
    const checked = await check(req);
    if (!checked.ok) {
      await answerAndClose(conn, rawTextAnswer(checked.status, checked.body));
      return;
    }
    const ac = new AbortController();
    const unregister = streams.register(() => ac.abort());
    socket.once("close", () => ac.abort());
    try {
      const path = pathOf(req.url);
      if (!options.upgrade?.handles(path)) {
        const response = await handler(handlerRequest(req, ac.signal));
        logger.debug(4, "Kubelet API request", { ...checked.who, status: response.status });
        await writeResponse(conn, response);
        return;
      }
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i].toLowerCase() === "authorization") continue;
        headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      }
      const outcome = await options.upgrade.serve(
        {
          method: req.method ?? "GET",
          url: req.url ?? "/",
          headers,
          head,
          remoteAddress: socket.remoteAddress,
        },
        conn,
        ac.signal,
      );
      logger.debug(4, "Kubelet API request", {
        ...checked.who,
        upgrade: req.headers.upgrade,
        status: outcome.status,
      });
      await outcome.finished;
    } finally {
      unregister();
      conn.close();
    }
  }

  const server = createServer({
    cert: options.cert,
    key: options.key,
    ca: options.clientCa,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: tls.minVersion,
    // node's default is 120 s: a client that never finishes its handshake would hold a socket.
    handshakeTimeout: headersTimeout,
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: idleTimeout,
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeout / 4))),
  }, (req, res) => {
    if (state.stopping) res.setHeader("connection", "close");
    serve(req, res).catch((err) => {
      logger.error("HTTP request failed", { server: "kubelet", err: errText(err) });
      if (!res.headersSent) plain(res, 500, "500 internal server error\n");
      else res.destroy();
    });
  });
  server.timeout = idleTimeout;
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Uint8Array) => {
    serveUpgrade(req, socket, head).catch((err) => {
      logger.error("HTTP request failed", { server: "kubelet", err: errText(err) });
      socket.destroy();
    });
  });

  server.on("tlsClientError", (err: Error) => {
    logger.debug(4, "TLS handshake failed", { server: "kubelet", err: errText(err) });
  });
  return await listenUntilAborted(server, state, {
    hostname,
    port: options.port,
    what: "the kubelet API",
    name: "kubelet",
    signal: options.signal,
    logger,
    onListen: options.onListen,
    onStop: () => {
      streams.stopAll();
    },
  });
}
