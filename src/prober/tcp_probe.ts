/**
 * TCP probes (kubelet's pkg/probe/tcp): healthy when a TCP connection to
 * host:port opens within the timeout; the connection is closed at once.
 *
 * Permission: `--allow-net` for the target.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { failure, type ProbeOutcome, success } from "./probe_result.ts";

/** Opens a TCP connection; what {@linkcode tcpProbe} needs of `Deno.connect`. */
export type TcpConnect = (hostname: string, port: number) => Promise<{ close(): void }>;

/** Options for {@linkcode tcpProbe}. */
export interface TcpProbeOptions {
  /** The connection must open within this time. @default 1000 */
  timeoutMs?: number;
  /** Clock the timeout runs on. */
  clock: Clock;
  /** How to connect, for tests. @default Deno.connect */
  connect?: TcpConnect;
}

const denoConnect: TcpConnect = (hostname, port) => Deno.connect({ hostname, port });

/**
 * Runs one TCP probe against `host:port`. A refused or timed-out connect is
 * a failure whose output names the address ("dial tcp 10.1.0.7:80: i/o timeout").
 *
 * Permission: `--allow-net` for `host:port`.
 */
export function tcpProbe(
  host: string,
  port: number,
  options: TcpProbeOptions,
): Promise<ProbeOutcome> {
  const { clock } = options;
  const connect = options.connect ?? denoConnect;
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise<ProbeOutcome>((resolve) => {
    let settled = false;
    const cancelTimer = clock.after(options.timeoutMs ?? 1000, () => {
      if (settled) return;
      settled = true;
      resolve(failure(`dial tcp ${address}: i/o timeout`));
    });
    let attempt: Promise<{ close(): void }>;
    try {
      attempt = connect(host, port);
    } catch (e) {
      attempt = Promise.reject(e);
    }
    attempt.then(
      (conn) => {
        try {
          conn.close();
        } catch {
          // already closed
        }
        if (settled) return;
        settled = true;
        cancelTimer();
        resolve(success());
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        resolve(failure(`dial tcp ${address}: ${errText(e)}`));
      },
    );
  });
}
