/**
 * Deno HTTP clients for `http:` probe targets, one per host:port, reused
 * across probes. Each client sends everything straight to its target (a TCP
 * "proxy" that is the target itself, so no `HTTP_PROXY` applies) and keeps no
 * idle connections, so every probe still opens and closes its own connection
 * (keep-alive off); reusing the client only saves building it, which costs
 * more than the probe's request. Clients idle for `idleMs` are closed.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { RealClock } from "../util/clock.ts";

interface Entry {
  client: Deno.HttpClient;
  lastUsed: number;
  inFlight: number;
  /** Removed from the pool while in use: close on the last release. */
  orphaned: boolean;
}

/** Options for {@linkcode HttpClientPool}. */
export interface HttpClientPoolOptions {
  /** @default new RealClock() */
  clock?: Clock;
  /** A client unused this long is closed. @default 120_000 */
  idleMs?: number;
}

/** Makes the client for one target. */
export function createTargetClient(hostname: string, port: number): Deno.HttpClient {
  return Deno.createHttpClient({
    proxy: { transport: "tcp", hostname, port },
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

  constructor(options: HttpClientPoolOptions = {}) {
    this.#clock = options.clock ?? new RealClock();
    this.#idleMs = options.idleMs ?? 120_000;
    this.#lastSweep = this.#clock.now();
  }

  /** Borrows the client for hostname:port; call `release` when the exchange is over. */
  acquire(hostname: string, port: number): { client: Deno.HttpClient; release: () => void } {
    if (this.#closed) {
      const client = createTargetClient(hostname, port);
      return { client, release: () => client.close() };
    }
    const now = this.#clock.now();
    if (now - this.#lastSweep >= this.#idleMs) this.#sweep(now);
    const key = `${hostname}|${port}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = {
        client: createTargetClient(hostname, port),
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
