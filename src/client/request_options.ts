/**
 * The shapes callers of {@linkcode ApiClient} pass and get back: the
 * transport, the client's options, per-request options (write, list, watch,
 * delete), patch content types, list answers, and the default User-Agent.
 *
 * @module
 */

import type { ListMeta, Preconditions } from "kubernetes-types/meta/v1.d.ts";
import type { Clock } from "../util/clock.ts";
import { DENOLET_VERSION, KUBELET_COMPATIBLE_VERSION } from "../options/version.ts";
import type { RateLimiter } from "./token_bucket.ts";
import type { ApiStatusError } from "./api_error.ts";

/** How the client reaches the API server. */
export interface ApiTransport {
  /** Base URL: scheme, host, port and path prefix, no trailing `/`. */
  readonly server: string;
  /** Sends one request (Deno's fetch with the TLS client, or a test's fake). */
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** The `Authorization` header value, if any (bearer token). */
  authorization?(): Promise<string | undefined>;
  /** Releases connections. */
  close?(): void;
}

/** Options of {@linkcode ApiClient}. */
export interface ApiClientOptions {
  clock: Clock;
  /** @default apiRateLimiter(50, 100, clock): the kubelet's kubeAPIQPS / kubeAPIBurst defaults */
  rateLimiter?: RateLimiter;
  /** @default defaultUserAgent() */
  userAgent?: string;
  /** Deadline of each request but watches, in ms; 0 means none. @default 0 */
  requestTimeoutMs?: number;
  /**
   * Called for every answer 401 Unauthorized or 403 Forbidden, with the
   * request (`GET /api/v1/...`) and the error, before it is thrown (the agent
   * logs these once a minute, naming its identity). @default none
   */
  onRefused?: (request: string, error: ApiStatusError) => void;
  /**
   * Called once per request with its method and the HTTP status code, or
   * `<error>` when no answer came (client-go's rest_client_requests_total). @default none
   */
  onResponse?: (method: string, code: string) => void;
}

/** Patch flavours and their content types. */
export const PATCH_CONTENT_TYPES = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
} as const;

/** `merge` (RFC 7386), `strategic` (Kubernetes strategic merge) or `json` (RFC 6902). */
export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

/** Options every request takes. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** Options of create, replace and patch. */
export interface WriteOptions extends RequestOptions {
  fieldManager?: string;
  /** Validate only (`dryRun=All`). */
  dryRun?: boolean;
}

/** Options of {@linkcode ApiClient.list}. */
export interface ListOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  limit?: number;
  continue?: string;
}

/** Options of {@linkcode ApiClient.watch}. */
export interface WatchOptions extends RequestOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Where to start (the list's `metadata.resourceVersion`). */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long. */
  timeoutSeconds?: number;
}

/** Options of {@linkcode ApiClient.delete}: a `DeleteOptions` body. */
export interface DeleteOptions extends RequestOptions {
  gracePeriodSeconds?: number;
  /** The delete fails with 409 Conflict unless the object still has this UID / resourceVersion. */
  preconditions?: Preconditions;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  dryRun?: boolean;
}

/** A list answer: `items` and the list's `metadata.resourceVersion` to watch from. */
export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

const GO_ARCH: Readonly<Record<string, string>> = { x86_64: "amd64", aarch64: "arm64" };

/** `denolet/v0.1.0 (linux/amd64) kubelet-compatible/v1.35`, like client-go's `kubelet/v1.35.0 (linux/amd64) ...`. */
export function defaultUserAgent(): string {
  const arch = GO_ARCH[Deno.build.arch] ?? Deno.build.arch;
  return `denolet/v${DENOLET_VERSION} (${Deno.build.os}/${arch}) kubelet-compatible/${KUBELET_COMPATIBLE_VERSION}`;
}

/** A request's body and signal. */
export interface SendInit extends RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** @default "application/json" (when there is a body) */
  contentType?: string;
}
