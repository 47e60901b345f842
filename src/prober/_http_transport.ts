/**
 * One HTTP request/response exchange for HTTP probes, on two transports:
 *
 * - `http:` goes through `fetch`, with a Deno HTTP client per target (see
 *   `_http_client_pool.ts`): it lets the probe set its own `Host` header
 *   (`allowHost`), sends origin-form requests (`GET /path HTTP/1.1`), and,
 *   as it keeps no idle connections, never reuses a connection (keep-alive
 *   off). Unlike the kubelet's probes, which never use a proxy, Deno's fetch
 *   honours `HTTP_PROXY`/`NO_PROXY` from the agent's environment: do not set
 *   them for the agent.
 * - `https:` goes through `node:https` with `rejectUnauthorized: false` and no
 *   agent: the kubelet does not verify probe certificates, and `fetch` has no
 *   per-request or per-client option to skip verification
 *   (`Deno.CreateHttpClientOptions` only adds CA certificates). Node's client
 *   sends `Connection: close` without an agent.
 *
 * Both follow no redirects themselves; the caller decides.
 *
 * Permissions: `--allow-net` for the target. HTTPS additionally needs
 * `--allow-sys` and `--allow-env=NODE_USE_SYSTEM_CA` (Deno's node:tls looks
 * up the system CA store even when it is not going to verify).
 *
 * @module
 */

import https from "node:https";
import type { IncomingMessage } from "node:http";
import { createTargetClient, type HttpClientPool } from "./_http_client_pool.ts";

/** A response whose body has not been read yet. */
export interface HttpExchange {
  status: number;
  /** The Location header, or null. */
  location: string | null;
  /**
   * Reads the body up to `limit` bytes (more is not an error: the rest is
   * dropped) and releases the connection.
   */
  readBody(limit: number): Promise<Uint8Array>;
  /** Releases the connection without reading the body. */
  discard(): void;
}

/** Sends one GET request; headers may repeat names. */
export type HttpTransport = (
  url: URL,
  headers: [string, string][],
  signal: AbortSignal,
) => Promise<HttpExchange>;

/** Strips the brackets of an IPv6 literal in `URL.hostname`. */
function bareHostname(url: URL): string {
  const h = url.hostname;
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The `http:` transport on `fetch` (see the module doc). With a pool, the
 * client of each target is reused; without, each exchange makes and closes
 * its own.
 */
export function createFetchTransport(pool?: HttpClientPool): HttpTransport {
  return async (url, headers, signal) => {
    const hostname = bareHostname(url);
    const port = defaultPort(url);
    let lease: { client: Deno.HttpClient; release: () => void };
    if (pool) lease = pool.acquire(hostname, port);
    else {
      const client = createTargetClient();
      lease = { client, release: () => client.close() };
    }
    let response: Response;
    try {
      const h = new Headers();
      for (const [name, value] of headers) h.append(name, value);
      response = await fetch(url, { client: lease.client, headers: h, redirect: "manual", signal });
    } catch (e) {
      lease.release();
      throw e;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      lease.release();
    };
    return {
      status: response.status,
      location: response.headers.get("location"),
      async readBody(limit) {
        const body = response.body;
        if (!body) {
          release();
          return new Uint8Array(0);
        }
        try {
          const length = Number(response.headers.get("content-length") ?? NaN);
          if (length <= limit) return await response.bytes(); // bounded: cheaper than a reader
          return await readAtMost(body, limit);
        } finally {
          release();
        }
      },
      discard() {
        response.body?.cancel().catch(() => {});
        release();
      },
    };
  };
}

async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.subarray(0, limit - total);
      chunks.push(take);
      total += take.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return concat(chunks, total);
}

/** The `http:` transport with a throw-away client per exchange. */
export const fetchTransport: HttpTransport = createFetchTransport();

/** The `https:` transport on `node:https` without certificate verification. */
export const nodeHttpsTransport: HttpTransport = (url, headers, signal) => {
  const record: Record<string, string[]> = {};
  for (const [name, value] of headers) (record[name] ??= []).push(value);
  return new Promise<HttpExchange>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const req = https.request({
      protocol: "https:",
      hostname: bareHostname(url),
      port: defaultPort(url),
      path: url.pathname + url.search,
      method: "GET",
      headers: record,
      agent: false,
      rejectUnauthorized: false,
    });
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    const done = () => signal.removeEventListener("abort", onAbort);
    req.on("error", (e: Error) => {
      done();
      reject(signal.aborted ? signal.reason : e);
    });
    req.on("response", (res: IncomingMessage) => {
      resolve(nodeExchange(req, res, signal, done));
    });
    req.end();
  });
};

function nodeExchange(
  req: ReturnType<typeof https.request>,
  res: IncomingMessage,
  signal: AbortSignal,
  done: () => void,
): HttpExchange {
  const location = res.headers.location;
  return {
    status: res.statusCode ?? 0,
    location: typeof location === "string" ? location : null,
    readBody(limit) {
      return new Promise<Uint8Array>((resolve, reject) => {
        const chunks: Uint8Array[] = [];
        let total = 0;
        let settled = false;
        const finish = (error?: unknown) => {
          if (settled) return;
          settled = true;
          done();
          req.destroy();
          if (error !== undefined) reject(error);
          else resolve(concat(chunks, total));
        };
        if (limit <= 0) {
          finish();
          return;
        }
        res.on("data", (chunk: Uint8Array) => {
          const take = chunk.subarray(0, limit - total);
          chunks.push(take);
          total += take.length;
          if (total >= limit) finish();
        });
        res.on("end", () => finish());
        res.on("error", (e: Error) => finish(signal.aborted ? signal.reason : e));
        res.on("close", () => {
          if (signal.aborted) finish(signal.reason);
          else finish(res.complete ? undefined : new Error("unexpected EOF"));
        });
      });
    },
    discard() {
      done();
      req.destroy();
    },
  };
}
