/**
 * A fake API server for the client tests: node:https on 127.0.0.1 with the
 * test PKI's server certificate, asking for a client certificate (signed by
 * the test CA) without requiring one, so a test can check who connected.
 * Deno.serve cannot ask for client certificates, node:https can. Each test
 * gives the routes; every request is recorded.
 *
 * @module
 */

import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { TestPki } from "./_certs.ts";

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Whether the client presented a certificate the test CA signed, and its CN. */
  clientCertAuthorized: boolean;
  clientCN?: string;
}

/** Answers one request; `res` is node's ServerResponse. */
export type Route = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

/** A running fake API server. */
export interface FakeApiServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Sets the handler for the next requests. */
  route(handler: Route): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Writes `body` as JSON with `code`. */
export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Writes a failure Status like the API server's. */
export function sendStatus(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  sendJson(res, code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
    ...extra,
  });
}

/** Starts the server on a free loopback port. */
export async function startFakeApiServer(pki: TestPki, handler?: Route): Promise<FakeApiServer> {
  let current: Route = handler ?? ((_req, res) => sendStatus(res, 404, "NotFound", "no route"));
  const requests: SeenRequest[] = [];
  const server = https.createServer({
    cert: pki.serverCert,
    key: pki.serverKey,
    ca: pki.ca,
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => text += c);
    req.on("end", async () => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate?.();
      const seen: SeenRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: text,
        clientCertAuthorized: socket.authorized === true,
        clientCN: peer && "subject" in peer ? (peer.subject?.CN as string | undefined) : undefined,
      };
      requests.push(seen);
      try {
        await current(seen, res);
      } catch (e) {
        if (!res.headersSent) sendStatus(res, 500, "InternalError", String(e));
        else res.end();
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    });
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    route(h) {
      current = h;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
