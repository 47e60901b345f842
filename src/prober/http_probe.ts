/**
 * HTTP probes as the kubelet runs them (pkg/probe/http): a GET whose 2xx or
 * 3xx answer is healthy, with redirects to the same host followed and a
 * redirect to another host reported as a warning.
 *
 * Plain `http:` targets go through `fetch`; `https:` targets go through
 * `node:https`, because the kubelet does not verify probe certificates and
 * `fetch` cannot be told not to (see `_http_transport.ts`).
 *
 * Permissions: `--allow-net` for the targets; HTTPS targets also
 * `--allow-sys` and `--allow-env=NODE_USE_SYSTEM_CA`.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import type { HttpClientPool } from "./_http_client_pool.ts";
import { socketHttpTransport } from "./_http_socket_transport.ts";
import { createFetchTransport, type HttpTransport, nodeHttpsTransport } from "./_http_transport.ts";
import { errored, failure, type ProbeOutcome, success } from "./probe_result.ts";

/** How much of a response body a probe reads (kubelet's maxRespBodyLength). */
export const MAX_RESPONSE_BODY_BYTES = 10 * 1024;

/** Requests a probe makes at most when following redirects (Go's default policy). */
export const MAX_REDIRECT_REQUESTS = 10;

/** The `User-Agent` probes send when the probe sets none. */
export const DEFAULT_PROBE_USER_AGENT = "kube-probe/1.35";

/** Where an HTTP probe goes. */
export interface HttpProbeTarget {
  /** @default "http" */
  scheme?: "http" | "https";
  /** A host name or an IPv4/IPv6 address (without brackets). */
  host: string;
  port: number;
  /** Path and optional query. @default "/" */
  path?: string;
  /** Request headers; names may repeat. A `Host` header overrides the request host. */
  headers?: { name: string; value: string }[];
}

/** Options for {@linkcode httpProbe}. */
export interface HttpProbeOptions {
  /** The whole probe (all redirects and the body) must finish in this time. @default 1000 */
  timeoutMs?: number;
  /** Clock the timeout runs on. */
  clock: Clock;
  /** Sent unless the target's headers set a User-Agent. @default DEFAULT_PROBE_USER_AGENT */
  userAgent?: string;
  /** Follow redirects to other hosts too (the kubelet's probes do not). @default false */
  followNonLocalRedirects?: boolean;
  /** Aborts the probe; it then resolves with an error outcome. */
  signal?: AbortSignal;
  /**
   * Probes `http:` through `fetch`, reusing the client of each target across
   * probes (connections are still not reused). @default none: a plain TCP
   * socket per probe (_http_socket_transport.ts), a fraction of fetch's CPU
   */
  clientPool?: HttpClientPool;
  /** Transports by URL scheme, for tests. @default a TCP socket for http, node:https for https */
  transports?: { http?: HttpTransport; https?: HttpTransport };
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const bodyDecoder = new TextDecoder();

/** A probe's first request: its URL and headers (never changed once made). */
interface RequestPlan {
  url: URL;
  /** The headers without `Host`. */
  baseHeaders: [string, string][];
  /** The probe's own `Host` header, if it sets one. */
  hostOverride?: string;
}

/**
 * Plans of probes without headers of their own, by target: a worker probes
 * the same URL every period, and parsing it each time cost a tenth of a
 * probe's JavaScript. Cleared when full.
 */
const plans = new Map<string, RequestPlan>();
const MAX_PLANS = 4096;

function requestPlan(target: HttpProbeTarget, userAgent: string): RequestPlan {
  const path = target.path ?? "/";
  const key = target.headers?.length || path.includes("\0") || userAgent.includes("\0")
    ? undefined
    : `${target.scheme ?? "http"}\0${target.host}\0${target.port}\0${path}\0${userAgent}`;
  const known = key === undefined ? undefined : plans.get(key);
  if (known) return known;
  const url = probeUrl(target);
  const headers = probeRequestHeaders(target.headers, userAgent);
  const plan: RequestPlan = {
    url,
    baseHeaders: headers.filter(([n]) => n.toLowerCase() !== "host"),
    hostOverride: headers.find(([n]) => n.toLowerCase() === "host")?.[1],
  };
  if (key !== undefined) {
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

class ProbeTimeoutError extends Error {
  constructor() {
    super("probe timed out");
    this.name = "ProbeTimeoutError";
  }
}

/**
 * The URL a target names: `scheme://host:port/path`, with IPv6 hosts in
 * brackets. Throws a TypeError when the parts do not form a URL.
 */
export function probeUrl(target: HttpProbeTarget): URL {
  const scheme = target.scheme ?? "http";
  const host = target.host.includes(":") && !target.host.startsWith("[")
    ? `[${target.host}]`
    : target.host;
  let path = target.path ?? "/";
  if (!path.startsWith("/")) path = `/${path}`;
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new RangeError(`Cannot probe port ${target.port}: not in 1..65535`);
  }
  return new URL(`${scheme}://${host}:${target.port}${path}`);
}

/** The request headers: the probe's own, then User-Agent and Accept defaults. */
export function probeRequestHeaders(
  headers: { name: string; value: string }[] | undefined,
  userAgent: string,
): [string, string][] {
  const out: [string, string][] = [];
  let hasUserAgent = false;
  let hasAccept = false;
  for (const { name, value } of headers ?? []) {
    const lower = name.toLowerCase();
    if (lower === "user-agent") hasUserAgent = true;
    if (lower === "accept") {
      hasAccept = true;
      if (value === "") continue; // an empty Accept removes the header
    }
    out.push([name, value]);
  }
  if (!hasUserAgent) out.push(["User-Agent", userAgent]);
  if (!hasAccept) out.push(["Accept", "*/*"]);
  // No compression, like the kubelet's transport: an empty Accept-Encoding asks for identity.
  if (!out.some(([n]) => n.toLowerCase() === "accept-encoding")) out.push(["Accept-Encoding", ""]);
  return out;
}

/**
 * Runs one HTTP probe. Success for 200..399; a redirect that is not followed
 * (to another host) is a `"warning"`; other codes fail with "HTTP probe failed
 * with statuscode: N" (the body is never in a failure text). Connection
 * errors and timeouts before the answer are failures; an error while reading
 * the body is an error outcome (retried by the caller), as in the kubelet.
 *
 * Permissions: `--allow-net`; for HTTPS also `--allow-sys` and
 * `--allow-env=NODE_USE_SYSTEM_CA`.
 */
export async function httpProbe(
  target: HttpProbeTarget,
  options: HttpProbeOptions,
): Promise<ProbeOutcome> {
  const { clock } = options;
  const timeoutMs = options.timeoutMs ?? 1000;
  const transportFor = (url: URL): HttpTransport =>
    url.protocol === "https:"
      ? options.transports?.https ?? nodeHttpsTransport
      : options.transports?.http ??
        (options.clientPool ? createFetchTransport(options.clientPool) : socketHttpTransport);
  let plan: RequestPlan;
  try {
    plan = requestPlan(target, options.userAgent ?? DEFAULT_PROBE_USER_AGENT);
  } catch (e) {
    return errored(e instanceof Error ? e : new TypeError(String(e)));
  }
  let url = plan.url;
  const controller = new AbortController();
  const cancelTimer = clock.after(timeoutMs, () => controller.abort(new ProbeTimeoutError()));
  const outer = options.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const signal = controller.signal;
  const timedOut = () => signal.reason instanceof ProbeTimeoutError;

  let hostOverride = plan.hostOverride;
  const baseHeaders = plan.baseHeaders;
  try {
    for (let requests = 1;; requests++) {
      const transport = transportFor(url);
      const reqHeaders = hostOverride === undefined
        ? baseHeaders
        : [...baseHeaders, ["Host", hostOverride] as [string, string]];
      let exchange;
      try {
        exchange = await transport(url, reqHeaders, signal);
      } catch (e) {
        if (timedOut()) {
          return failure(
            `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
          );
        }
        if (outer?.aborted) return errored(new Error(`Get "${url}": probe aborted`));
        return failure(`Get "${url}": ${errText(e)}`);
      }
      if (REDIRECT_CODES.has(exchange.status) && exchange.location !== null) {
        let next: URL;
        try {
          next = new URL(exchange.location, url);
        } catch {
          exchange.discard();
          return failure(`Get "${url}": failed to parse Location header "${exchange.location}"`);
        }
        const local = next.hostname === plan.url.hostname;
        if (local || options.followNonLocalRedirects) {
          exchange.discard();
          if (requests >= MAX_REDIRECT_REQUESTS) {
            return failure(`Get "${next}": stopped after ${MAX_REDIRECT_REQUESTS} redirects`);
          }
          // A custom Host survives only a relative Location (Go's client does the same).
          if (/^[a-z][a-z0-9+.-]*:/i.test(exchange.location)) hostOverride = undefined;
          url = next;
          continue;
        }
      }
      let body: Uint8Array;
      try {
        body = await exchange.readBody(MAX_RESPONSE_BODY_BYTES);
      } catch (e) {
        const why = timedOut()
          ? "context deadline exceeded (Client.Timeout or context cancellation while reading body)"
          : errText(e);
        return errored(new Error(`Cannot read the body of ${url}: ${why}`));
      }
      const text = bodyDecoder.decode(body);
      const status = exchange.status;
      if (status >= 200 && status < 400) {
        if (status >= 300) {
          return {
            result: "warning",
            output: `Probe terminated redirects, Response body: ${text}`,
          };
        }
        return success(text);
      }
      return failure(`HTTP probe failed with statuscode: ${status}`);
    }
  } finally {
    cancelTimer();
    outer?.removeEventListener("abort", onOuterAbort);
  }
}
