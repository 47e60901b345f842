/**
 * Deno HTTP clients for `http:` probe targets, one per host:port, reused
 * across probes. Each client keeps no idle connections, so every probe still
 * opens and closes its own connection (keep-alive off); reusing the client only
 * saves building it, which costs more than the probe's request. Clients idle
 * for `idleMs` are closed.
 *
 * Requests use the origin form (`GET /path HTTP/1.1`) that servers expect; an
 * earlier version routed them through a "proxy" that was the target itself,
 * which sends the absolute form and made busybox httpd answer 400. Note that
 * Deno's fetch honours `HTTP_PROXY`/`NO_PROXY` from the agent's environment
 * (the kubelet's probes never use a proxy): do not set them for the agent.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";

interface Entry {
  client: Deno.HttpClient;
  lastUsed: number;
  inFlight: number;
  /** Removed from the pool while in use: close on the last release. */
  orphaned: boolean;
}

/** Options for {@linkcode HttpClientPool}. */
export interface HttpClientPoolOptions {
  /** Times idleness. */
  clock: Clock;
  /** A client unused this long is closed. @default 120_000 */
  idleMs?: number;
}

/** Makes a client for one target (origin-form requests, no idle connections). */
export function createTargetClient(): Deno.HttpClient {
  return Deno.createHttpClient({
    allowHost: true,
    poolMaxIdlePerHost: 0,
    http2: false,
  });
}

/** HTTP clients by target, closed when idle. */
export class HttpClientPool {
  #clock: Clock;
  #idleMs: number;
  #entries = new Map<string, Entry>();
  #lastSweep: number;
  #closed = false;

  constructor(options: HttpClientPoolOptions) {
    this.#clock = options.clock;
    this.#idleMs = options.idleMs ?? 120_000;
    this.#lastSweep = this.#clock.now();
  }

  /** Borrows the client for hostname:port; call `release` when the exchange is over. */
  acquire(hostname: string, port: number): { client: Deno.HttpClient; release: () => void } {
    if (this.#closed) {
      const client = createTargetClient();
      return { client, release: () => client.close() };
    }
    const now = this.#clock.now();
    if (now - this.#lastSweep >= this.#idleMs) this.#sweep(now);
    const key = `${hostname}|${port}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = {
        client: createTargetClient(),
        lastUsed: now,
        inFlight: 0,
        orphaned: false,
      };
      this.#entries.set(key, entry);
    }
    entry.inFlight++;
    entry.lastUsed = now;
    const e = entry;
    let released = false;
    return {
      client: e.client,
      release: () => {
        if (released) return;
        released = true;
        e.inFlight--;
        e.lastUsed = this.#clock.now();
        if (e.orphaned && e.inFlight === 0) e.client.close();
      },
    };
  }

  /** How many clients are open. */
  get size(): number {
    return this.#entries.size;
  }

  /** Closes every client not in use; later acquisitions get throw-away clients. */
  close(): void {
    this.#closed = true;
    for (const [key, entry] of this.#entries) {
      this.#entries.delete(key);
      if (entry.inFlight === 0) entry.client.close();
      else entry.orphaned = true;
    }
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, entry] of this.#entries) {
      if (entry.inFlight === 0 && now - entry.lastUsed >= this.#idleMs) {
        this.#entries.delete(key);
        entry.client.close();
      }
    }
  }
}
