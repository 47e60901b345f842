/**
 * The streaming server behind the fake runtime's Exec, Attach and
 * PortForward URLs: a real HTTP server on loopback that answers those URLs
 * the way containerd's streaming server does, without streaming.
 *
 * The honest minimum (compared with containerd 1.6 in
 * tests/e2e/cri_contract_e2e_test.ts):
 * - URLs are `http://127.0.0.1:<port>/{exec,attach,portforward}/<token>`,
 *   with a random 8-character token that works once and for one minute (on
 *   the fake's clock);
 * - a used, expired or unknown token is `404 page not found`; another path
 *   404, a method other than GET or POST 405;
 * - a plain GET of exec or attach is `400 unable to upgrade:
 *   X-Stream-Protocol-Version is required`; port-forward answers an empty
 *   200, as containerd's streaming library does; a protocol header without
 *   the upgrade headers is `400 unable to upgrade: missing upgrade headers`;
 * - a real upgrade (SPDY or WebSocket) is `501 Not Implemented`: no session
 *   is ever streamed; exec output comes only through ExecSync.
 *
 * The server listens on first use, so a fake that never hands out a URL
 * opens no port. Needs `--allow-net=127.0.0.1`.
 *
 * @module
 */

import type { Clock } from "../../util/clock.ts";

/** The kinds of streaming URL. */
export type StreamKind = "exec" | "attach" | "portforward";

/** Tokens live this long, like containerd's request cache. */
export const STREAM_TOKEN_TTL_MS = 60_000;

const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function token(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => TOKEN_ALPHABET[b & 63]).join("");
}

function text(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: body ? { "Content-Type": "text/plain; charset=utf-8" } : {},
  });
}

/** Options for {@linkcode FakeStreamingServer}. */
export interface FakeStreamingServerOptions {
  /** Clock the tokens expire on. */
  clock: Clock;
  /** Address to listen on. @default "127.0.0.1" */
  hostname?: string;
}

/** The fake runtime's streaming server. */
export class FakeStreamingServer {
  readonly #clock: Clock;
  readonly #hostname: string;
  #tokens = new Map<string, { kind: StreamKind; expiresAt: number }>();
  #server?: Deno.HttpServer<Deno.NetAddr>;
  #closed = false;

  constructor(options: FakeStreamingServerOptions) {
    this.#clock = options.clock;
    this.#hostname = options.hostname ?? "127.0.0.1";
  }

  /** The `host:port` served, once listening. */
  get address(): string | undefined {
    const addr = this.#server?.addr;
    return addr ? `${addr.hostname}:${addr.port}` : undefined;
  }

  /**
   * A fresh URL of `kind`; starts the server on first use.
   * @throws when the server cannot listen (e.g. no net permission for 127.0.0.1).
   */
  url(kind: StreamKind): string {
    if (this.#closed) throw new Error("Cannot hand out a streaming URL: the server is closed");
    const server = this.#server ?? this.#listen();
    const now = this.#clock.now();
    for (const [t, entry] of this.#tokens) if (entry.expiresAt <= now) this.#tokens.delete(t);
    const t = token();
    this.#tokens.set(t, { kind, expiresAt: now + STREAM_TOKEN_TTL_MS });
    return `http://${this.#hostname}:${server.addr.port}/${kind}/${t}`;
  }

  #listen(): Deno.HttpServer<Deno.NetAddr> {
    this.#server = Deno.serve(
      { hostname: this.#hostname, port: 0, onListen() {} },
      (req) => this.handle(req),
    );
    return this.#server;
  }

  /** Answers one request (the server's handler; callable directly in tests). */
  handle(req: Request): Response {
    const m = new URL(req.url).pathname.match(/^\/(exec|attach|portforward)\/([^/]+)$/);
    if (!m) return text(404, "404: Page Not Found");
    if (req.method !== "GET" && req.method !== "POST") return text(405, "405: Method Not Allowed");
    const kind = m[1] as StreamKind;
    const entry = this.#tokens.get(m[2]);
    this.#tokens.delete(m[2]);
    if (!entry || entry.kind !== kind || entry.expiresAt <= this.#clock.now()) {
      return text(404, "404 page not found\n");
    }
    const protocols = req.headers.get("X-Stream-Protocol-Version");
    const upgrade = /\bupgrade\b/i.test(req.headers.get("Connection") ?? "") &&
      req.headers.has("Upgrade");
    if (!protocols && !upgrade) {
      if (kind === "portforward") return text(200, "");
      return text(400, "unable to upgrade: X-Stream-Protocol-Version is required\n");
    }
    if (!upgrade) {
      const headers = JSON.stringify(Object.fromEntries(req.headers));
      return text(400, `unable to upgrade: missing upgrade headers in request: ${headers}\n`);
    }
    return text(
      501,
      `the fake runtime does not stream: ${kind} sessions need a real runtime (containerd, CRI-O)\n`,
    );
  }

  /** Stops listening and forgets every token. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#tokens.clear();
    const server = this.#server;
    this.#server = undefined;
    await server?.shutdown();
  }
}
