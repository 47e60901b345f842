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
 * Every request is logged at --v=4 with method, path (no query), user,
 * authentication method, verdict and status — never a token.
 *
 * @module
 */

import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Handler } from "../server/handler.ts";
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  toRequest,
} from "../server/serve.ts";
import {
  listenUntilAborted,
  requireListenPermission,
  type RunningServer,
  type ServingState,
  urlHost,
} from "../server/listen.ts";
import type { Clock } from "../util/clock.ts";
import { RealClock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { LogThrottle } from "../util/log_throttle.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import type { Authenticator } from "./authn.ts";
import type { Authorizer } from "./authz.ts";
import { pipeResponse } from "./_pipe_response.ts";
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

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  return path.startsWith("/") ? path : `/${path}`;
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

  const throttle = new LogThrottle({ burst: 1, windowMs: 60_000 });
  const streams = new Set<() => void>();
  const state: ServingState = { stopping: false, authority: urlHost(hostname) };
  const register = (stop: () => void) => {
    if (state.stopping) {
      stop(); // a response that starts after the stop began ends at once
      return () => {};
    }
    streams.add(stop);
    return () => streams.delete(stop);
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = pathOf(req.url);
    const line = { method, path };
    const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
    const authn = await options.authn.authenticate({
      authorization: req.headers.authorization ?? null,
      peerCertificate: peer ? new Uint8Array(peer.raw) : undefined,
    });
    if (!authn.authenticated) {
      if (authn.webhookError && throttle.admit("tokenreview", clock.now()).show) {
        logger.error("Unable to authenticate the request due to an error", {
          ...line,
          err: authn.reason,
        });
      }
      logger.debug(4, "Kubelet API request", {
        ...line,
        verdict: "unauthorized",
        reason: authn.reason,
        status: 401,
      });
      plain(res, 401, "Unauthorized");
      return;
    }
    const who = { ...line, user: authn.user.name, authn: authn.method };
    const authz = await options.authz.authorize(authn.user, method, path);
    if (authz.verdict === "error") {
      if (throttle.admit("subjectaccessreview", clock.now()).show) {
        logger.error("Authorization error", {
          ...who,
          verb: authz.attributes.verb,
          subresource: authz.attributes.subresource,
          err: authz.error,
        });
      }
      logger.debug(4, "Kubelet API request", { ...who, verdict: "error", status: 500 });
      plain(res, 500, authz.message);
      return;
    }
    if (authz.verdict === "forbidden") {
      const a = authz.attributes[0];
      logger.debug(2, "Forbidden", {
        user: a.user.name,
        verb: a.verb,
        resource: a.resource,
        subresources: authz.attributes.map((x) => x.subresource).join(","),
        reason: authz.reason,
      });
      logger.debug(4, "Kubelet API request", { ...who, verdict: "forbidden", status: 403 });
      plain(res, 403, authz.message);
      return;
    }
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort(new DOMException("client went away", "AbortError"));
    };
    res.once("close", onClose);
    const base = toRequest(req, state.authority);
    const headers = new Headers(base.headers);
    headers.delete("authorization");
    const request = new Request(base.url, { method: base.method, headers, signal: ac.signal });
    const response = await handler(request);
    logger.debug(4, "Kubelet API request", {
      ...who,
      verdict: "allowed",
      subresource: authz.attributes.subresource,
      status: response.status,
    });
    req.socket.setTimeout(streamingIdle);
    try {
      await pipeResponse(res, response, register);
    } finally {
      if (!req.socket.destroyed) req.socket.setTimeout(idleTimeout);
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
      for (const s of [...streams]) s();
    },
  });
}
