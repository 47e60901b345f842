/**
 * The API-server client: typed get, list, watch, create, replace, patch
 * (merge, strategic merge, JSON patch) and delete (with preconditions) on
 * any resource and its `status` subresource, JSON in and out, each request
 * rate-limited (`kubeAPIQPS` / `kubeAPIBurst`) and sent with a User-Agent
 * naming denolet. Runtime-neutral: the connection (TLS, credentials) is an
 * {@linkcode ApiTransport}; http_transport.ts makes the real one from a
 * kubeconfig.
 *
 * A non-2xx answer is an {@linkcode ApiStatusError} with the server's Status;
 * a failure to reach the server is an `Error` naming the request; an abort
 * rejects with the signal's reason. Nothing here retries: callers back off.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import {
  type ApiClientOptions,
  type ApiTransport,
  defaultUserAgent,
  type DeleteOptions,
  type ListOptions,
  type ObjectList,
  PATCH_CONTENT_TYPES,
  type PatchType,
  type RequestOptions,
  type SendInit,
  type WatchOptions,
  type WriteOptions,
} from "./request_options.ts";
import { statusError } from "./api_error.ts";
import { queryString, resourcePath, type ResourceRef } from "./resource_path.ts";
import { apiRateLimiter, type RateLimiter } from "./token_bucket.ts";
import { decodeWatchStream, type WatchEvent } from "./watch_stream.ts";

/** A typed client of one API server. */
export class ApiClient {
  #transport: ApiTransport;
  #clock: Clock;
  #limiter: RateLimiter;
  #userAgent: string;
  #timeoutMs: number;
  #onRefused: ApiClientOptions["onRefused"];
  #onResponse: ApiClientOptions["onResponse"];

  constructor(transport: ApiTransport, options: ApiClientOptions) {
    this.#transport = transport;
    this.#clock = options.clock;
    this.#limiter = options.rateLimiter ?? apiRateLimiter(50, 100, options.clock);
    this.#userAgent = options.userAgent ?? defaultUserAgent();
    this.#timeoutMs = options.requestTimeoutMs ?? 0;
    this.#onRefused = options.onRefused;
    this.#onResponse = options.onResponse;
  }

  /** The API server's base URL. */
  get server(): string {
    return this.#transport.server;
  }

  /** GET one object (or its subresource). */
  get<T>(ref: ResourceRef, options: RequestOptions = {}): Promise<T> {
    return this.request<T>("GET", resourcePath(ref), { signal: options.signal });
  }

  /** GET a collection: its items and the resourceVersion to watch from. */
  list<T>(ref: ResourceRef, options: ListOptions = {}): Promise<ObjectList<T>> {
    const query = queryString({
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      resourceVersionMatch: options.resourceVersionMatch,
      limit: options.limit,
      continue: options.continue,
    });
    return this.request<ObjectList<T>>("GET", resourcePath(ref) + query, {
      signal: options.signal,
    });
  }

  /**
   * Starts a watch of a collection. Resolves once the server has answered
   * (an ApiStatusError if it refused); the events then arrive as the server
   * streams them, until it ends the watch, the signal aborts or the loop
   * breaks.
   */
  async watch<T>(
    ref: ResourceRef,
    options: WatchOptions = {},
  ): Promise<AsyncGenerator<WatchEvent<T>, void, undefined>> {
    const path = resourcePath(ref) + queryString({
      watch: true,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: options.allowWatchBookmarks,
      timeoutSeconds: options.timeoutSeconds,
    });
    const res = await this.#open("GET", path, { signal: options.signal });
    return decodeWatchStream<T>(res.body!, `GET ${path}`, options.signal);
  }

  /** POST `body` to `ref` (the collection, or a subresource such as `binding`). */
  create<T>(ref: ResourceRef, body: T, options: WriteOptions = {}): Promise<T> {
    return this.request<T>("POST", resourcePath(ref) + writeQuery(options), {
      signal: options.signal,
      body,
    });
  }

  /** PUT the whole object (or its `status`): a stale resourceVersion fails with 409 Conflict. */
  replace<T>(ref: ResourceRef, body: T, options: WriteOptions = {}): Promise<T> {
    return this.request<T>("PUT", resourcePath(ref) + writeQuery(options), {
      signal: options.signal,
      body,
    });
  }

  /** PATCH one object (or its `status`) with a merge, strategic merge or JSON patch. */
  patch<T>(
    ref: ResourceRef,
    patch: unknown,
    type: PatchType,
    options: WriteOptions = {},
  ): Promise<T> {
    if (type === "json" && !Array.isArray(patch)) {
      throw new TypeError("Cannot send a JSON patch: it must be an array of operations");
    }
    return this.request<T>("PATCH", resourcePath(ref) + writeQuery(options), {
      signal: options.signal,
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
    });
  }

  /** PATCH the `status` subresource of `ref`. */
  patchStatus<T>(
    ref: ResourceRef,
    patch: unknown,
    type: PatchType,
    options: WriteOptions = {},
  ): Promise<T> {
    return this.patch<T>({ ...ref, subresource: "status" }, patch, type, options);
  }

  /**
   * DELETE one object with a `DeleteOptions` body. Resolves with what the
   * server answers: the object (with a deletionTimestamp while it is being
   * deleted gracefully) or a Success Status.
   */
  delete<T = unknown>(ref: ResourceRef, options: DeleteOptions = {}): Promise<T> {
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (options.gracePeriodSeconds !== undefined) {
      body.gracePeriodSeconds = options.gracePeriodSeconds;
    }
    if (options.preconditions !== undefined) body.preconditions = options.preconditions;
    if (options.propagationPolicy !== undefined) body.propagationPolicy = options.propagationPolicy;
    if (options.dryRun) body.dryRun = ["All"];
    return this.request<T>("DELETE", resourcePath(ref), { signal: options.signal, body });
  }

  /** Any request on a path of the server (`/version`, `/readyz`), JSON answer decoded. */
  async request<T>(method: string, path: string, init: SendInit = {}): Promise<T> {
    const request = `${method} ${path}`;
    const deadline = new AbortController();
    const cancel = this.#timeoutMs > 0
      ? this.#clock.after(
        this.#timeoutMs,
        () => deadline.abort(new Error(`${request}: no answer within ${this.#timeoutMs} ms`)),
      )
      : undefined;
    const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    let text: string;
    try {
      const res = await this.#open(method, path, { ...init, signal });
      text = await res.text().catch((e) => {
        throw failure(request, signal, e);
      });
    } finally {
      cancel?.();
    }
    if (text.trim() === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TypeError(`${request}: the answer is not JSON: ${text.slice(0, 100)}`);
    }
  }

  /** Closes the transport's connections. */
  close(): void {
    this.#transport.close?.();
  }

  /** Waits for the rate limiter, sends, and turns a non-2xx answer into an ApiStatusError. */
  async #open(method: string, path: string, init: SendInit): Promise<Response> {
    const request = `${method} ${path}`;
    await this.#limiter.wait(init.signal);
    const headers = new Headers({ Accept: "application/json", "User-Agent": this.#userAgent });
    const auth = await this.#transport.authorization?.();
    if (auth) headers.set("Authorization", auth);
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers.set("Content-Type", init.contentType ?? "application/json");
    }
    let res: Response;
    try {
      init.signal?.throwIfAborted();
      res = await this.#transport.fetch(this.#transport.server + path, {
        method,
        headers,
        body,
        signal: init.signal,
      });
    } catch (e) {
      if (!init.signal?.aborted) this.#onResponse?.(method, "<error>");
      throw failure(request, init.signal, e);
    }
    this.#onResponse?.(method, String(res.status));
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      const err = statusError(request, res.status, text, res.headers.get("Retry-After"));
      if (res.status === 401 || res.status === 403) this.#onRefused?.(request, err);
      throw err;
    }
    return res;
  }
}

/** The error for a request that got no answer: the abort reason, or one naming the request. */
function failure(request: string, signal: AbortSignal | undefined, e: unknown): unknown {
  if (signal?.aborted) return signal.reason;
  return new Error(`${request}: ${fetchErrorText(e)}`, { cause: e });
}

/**
 * A fetch failure as text: Deno's `TypeError: fetch failed` keeps the reason
 * (connection refused, an unknown certificate issuer) in its `cause`.
 */
export function fetchErrorText(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  const text = errText(e);
  return cause === undefined ? text : `${text}: ${errText(cause)}`;
}

function writeQuery(options: WriteOptions): string {
  return queryString({
    fieldManager: options.fieldManager,
    dryRun: options.dryRun ? "All" : undefined,
  });
}
