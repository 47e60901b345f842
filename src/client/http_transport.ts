/**
 * The real connection to the API server, made from a kubeconfig: Deno's
 * `fetch` with a `Deno.createHttpClient` that trusts the kubeconfig's CA and
 * presents its client certificate, and the bearer token (`tokenFile` re-read
 * at most once a minute, as client-go's cached file token source does; when a
 * re-read fails the last token is kept).
 *
 * `insecure-skip-tls-verify`: `Deno.createHttpClient` (Deno 2.9) has no option
 * to skip verification. Deno's `--unsafely-ignore-certificate-errors=<host>`
 * does it for that one host, for the whole process; the computed permissions
 * (src/options/permissions.ts) add it for the API server's host when the
 * kubeconfig asks, so `deno task start` and the compiled binary get it. A
 * process started without it fails its requests with a message saying so.
 *
 * Note: Deno adds `caCerts` to its default roots (it cannot replace them), so
 * a server certificate from a public CA for the server's name is accepted too.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { ApiClient, fetchErrorText } from "./api_client.ts";
import type { ApiClientOptions, ApiTransport } from "./request_options.ts";
import type { Kubeconfig } from "./kubeconfig.ts";

/** How often `tokenFile` is re-read, as client-go's file token source (1 min). */
export const TOKEN_FILE_REFRESH_MS = 60_000;

/** Options of {@linkcode createApiTransport}. */
export interface ApiTransportOptions {
  clock: Clock;
  /** Reads `tokenFile`. @default Deno.readTextFile (needs --allow-read on it) */
  readTextFile?: (path: string) => Promise<string>;
  /** @default globalThis.fetch (needs --allow-net on the server's host:port) */
  fetch?: typeof fetch;
}

/**
 * The `Authorization` header: `Bearer <token>`, the token static or `tokenFile`
 * re-read every {@linkcode TOKEN_FILE_REFRESH_MS}.
 */
function tokenSource(
  kc: Kubeconfig,
  clock: Clock,
  read: (path: string) => Promise<string>,
): (() => Promise<string | undefined>) | undefined {
  if (kc.tokenFile === undefined) {
    const header = `Bearer ${kc.token}`;
    return kc.token === undefined ? undefined : () => Promise.resolve(header);
  }
  const file = kc.tokenFile;
  // The static token (or the file as read at load) until the first re-read.
  let token = kc.token;
  let readAt = -Infinity;
  return async () => {
    const now = clock.now();
    if (now - readAt >= TOKEN_FILE_REFRESH_MS) {
      readAt = now;
      try {
        const text = (await read(file)).trim();
        if (text !== "") token = text;
      } catch {
        // keep the last token, as client-go does when a rotation read fails
      }
    }
    return token === undefined ? undefined : `Bearer ${token}`;
  };
}

/**
 * The transport for `kc`: https with the kubeconfig's CA and client
 * certificate, or plain http for an `http://` server.
 *
 * Needs --allow-net on the server's host:port and --allow-read on `tokenFile`.
 */
export function createApiTransport(kc: Kubeconfig, options: ApiTransportOptions): ApiTransport {
  const doFetch = options.fetch ?? fetch;
  const https = kc.server.startsWith("https:");
  const tls: Deno.CreateHttpClientOptions & { cert?: string; key?: string } = {};
  if (kc.certificateAuthority !== undefined) tls.caCerts = [kc.certificateAuthority];
  if (kc.clientCertificate !== undefined && kc.clientKey !== undefined) {
    tls.cert = kc.clientCertificate;
    tls.key = kc.clientKey;
  }
  const client = https ? Deno.createHttpClient(tls as Deno.CreateHttpClientOptions) : undefined;
  const host = new URL(kc.server).hostname;
  const authorization = tokenSource(kc, options.clock, options.readTextFile ?? Deno.readTextFile);
  return {
    server: kc.server,
    authorization,
    async fetch(url, init) {
      try {
        return await doFetch(url, client ? { ...init, client } : init);
      } catch (e) {
        if (kc.insecureSkipTLSVerify && /certificate/i.test(fetchErrorText(e))) {
          throw new Error(
            `${fetchErrorText(e)} (insecure-skip-tls-verify needs Deno's ` +
              `--unsafely-ignore-certificate-errors=${host}; the computed permissions add it)`,
          );
        }
        throw e;
      }
    },
    close() {
      client?.close();
    },
  };
}

/**
 * An {@linkcode ApiClient} for `kc` over {@linkcode createApiTransport}.
 *
 * Needs --allow-net on the server's host:port and --allow-read on `tokenFile`.
 */
export function createApiClient(
  kc: Kubeconfig,
  options: ApiClientOptions & Omit<ApiTransportOptions, "clock">,
): ApiClient {
  return new ApiClient(createApiTransport(kc, options), options);
}
