/**
 * One gRPC channel to a CRI socket and the two call shapes the CRI uses
 * (unary and server stream), typed by RPC name, with the kubelet's
 * deadlines (timeout_for.ts), cancellation, error mapping and operation
 * records (operations.ts). Private to src/cri/.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { Clock } from "../util/clock.ts";
import { criErrorFrom } from "./errors.ts";
import { parseEndpoint } from "./endpoint.ts";
import { CRI_OPERATIONS, type CriClientOptions, type OperationObserver } from "./operations.ts";
import { guardHttp2SessionDestroy } from "../util/guard_http2_session_destroy.ts";
import { deadlineAfter, timeoutFor } from "./timeout_for.ts";
import type { CriMethod, CriRequest, CriResponse } from "./types.ts";
import { cachingListDeserializer } from "./_list_item_cache.ts";

/**
 * The list RPCs whose replies decode through a per-channel item cache
 * (_list_item_cache.ts): [response message, repeated field, item message].
 */
const CACHED_LISTS: Record<string, [string, string, string]> = {
  ListContainers: ["ListContainersResponse", "containers", "Container"],
  ListPodSandbox: ["ListPodSandboxResponse", "items", "PodSandbox"],
};

/** 16 MiB: the kubelet's CRI message size limit (gRPC's default is 4 MiB). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Channel options matching the kubelet's CRI client dial settings. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 3000,
  "grpc.default_authority": "localhost",
  "grpc.enable_http_proxy": 0,
  // Private subchannels, so close() really drops this channel's connection.
  "grpc.use_local_subchannel_pool": 1,
};

/** What a caller may add to one call. */
export interface CallExtra {
  /** The request's `timeout` in seconds, for the RPCs whose limit depends on it. */
  timeout?: number;
  /** Cancels the call; it then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Maps a failure instead of `criErrorFrom()`. */
  mapError?: (err: unknown) => unknown;
}

interface Method {
  path: string;
  requestSerialize: (value: unknown) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** A gRPC channel to one CRI service (RPCs `M`) on one Unix socket. */
export class CriChannel<M extends CriMethod> {
  #client: grpc.Client;
  #methods: Map<string, Method>;
  #clock: Clock;
  #observer: OperationObserver | undefined;
  #timeoutMs: number | undefined;
  /** Item-caching decoders of full listings, by RPC and state filter. */
  #listDecoders = new Map<string, Method["responseDeserialize"]>();

  /**
   * Creates the channel; it connects on the first call.
   * @throws {TypeError} when the endpoint is not a Unix socket path.
   * @throws {RangeError} when `options.runtimeRequestTimeoutMs` is not positive.
   */
  constructor(endpoint: string, service: grpc.ServiceDefinition, options: CriClientOptions) {
    const { target } = parseEndpoint(endpoint);
    // Validate the default timeout now rather than on the first call.
    timeoutFor("Version", {}, options);
    this.#timeoutMs = options.runtimeRequestTimeoutMs;
    // Deno's node:http2 can free a session nghttp2 is still using when a
    // GOAWAY reaches an idle channel; see src/util/guard_http2_session_destroy.ts.
    guardHttp2SessionDestroy();
    this.#client = new grpc.Client(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.#methods = new Map();
    for (const [name, def] of Object.entries(service)) {
      this.#methods.set(name, def as unknown as Method);
    }
    this.#clock = options.clock;
    this.#observer = options.onOperation;
  }

  /**
   * Calls the unary RPC `method` within its kubelet time limit. Rejects with
   * a `CriError` (after `extra.mapError`, when given) or, when `extra.signal`
   * aborts, with the signal's reason.
   */
  call<K extends M>(
    method: K,
    request: CriRequest<K>,
    extra: CallExtra = {},
  ): Promise<CriResponse<K>> {
    const { path, requestSerialize } = this.#method(method);
    const responseDeserialize = this.#deserializer(method, request);
    const { signal, mapError } = extra;
    const operation = CRI_OPERATIONS[method];
    const start = this.#clock.now();
    if (signal?.aborted) {
      const reason = abortReason(signal);
      this.#record(operation, start, reason);
      return Promise.reject(reason);
    }
    return new Promise((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = this.#client.makeUnaryRequest<unknown, unknown>(
        path,
        requestSerialize,
        responseDeserialize,
        request,
        new grpc.Metadata(),
        this.#callOptions(method, extra.timeout),
        (err, value) => {
          if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
          if (signal?.aborted) {
            const reason = abortReason(signal);
            this.#record(operation, start, reason);
            reject(reason);
          } else if (err) {
            const mapped = mapError ? mapError(err) : criErrorFrom(err, method);
            this.#record(operation, start, mapped);
            reject(mapped);
          } else {
            this.#record(operation, start);
            resolve(value as CriResponse<K>);
          }
        },
      );
      if (signal !== undefined) {
        onAbort = () => call.cancel();
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }

  /**
   * Calls the server-streaming RPC `method` and yields its messages until the
   * stream ends, `signal` aborts (the iteration then ends quietly) or the call
   * fails (the iteration throws a `CriError`). Leaving the loop early cancels
   * the call.
   */
  async *stream<K extends M>(
    method: K,
    request: CriRequest<K>,
    signal: AbortSignal,
  ): AsyncGenerator<CriResponse<K>, void, undefined> {
    const { path, requestSerialize, responseDeserialize } = this.#method(method);
    const operation = CRI_OPERATIONS[method];
    const start = this.#clock.now();
    if (signal.aborted) {
      this.#record(operation, start);
      return;
    }
    const call = this.#client.makeServerStreamRequest<unknown, unknown>(
      path,
      requestSerialize,
      responseDeserialize,
      request,
      new grpc.Metadata(),
      this.#callOptions(method),
    );
    const onAbort = () => call.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
    let failure: unknown;
    try {
      for await (const message of call) {
        yield message as CriResponse<K>;
      }
    } catch (err) {
      if (!signal.aborted) {
        failure = criErrorFrom(err, method);
        throw failure;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      call.cancel();
      this.#record(operation, start, failure);
    }
  }

  /**
   * The response decoder of one call: for a full listing (ListContainers /
   * ListPodSandbox with no filter, or one on the state only) the one with
   * the item cache of that listing, so a listing of one pod's containers
   * does not replace the cache of the whole node's.
   */
  #deserializer(method: string, request: unknown): Method["responseDeserialize"] {
    const list = CACHED_LISTS[method];
    const plain = this.#method(method).responseDeserialize;
    if (!list) return plain;
    const filter = (request as { filter?: Record<string, unknown> | null }).filter ?? {};
    const narrowed = Object.entries(filter).some(([field, value]) =>
      field !== "state" && value !== undefined && value !== null && value !== "" &&
      !(typeof value === "object" && Object.keys(value).length === 0)
    );
    if (narrowed) return plain;
    const key = `${method} ${JSON.stringify(filter.state ?? null)}`;
    let cached = this.#listDecoders.get(key);
    if (!cached) {
      cached = cachingListDeserializer(...list);
      this.#listDecoders.set(key, cached);
    }
    return cached;
  }

  #method(name: string): Method {
    const method = this.#methods.get(name);
    if (method === undefined) throw new TypeError(`Unknown CRI method '${name}'`);
    return method;
  }

  /** The call's deadline: the kubelet's limit for `method` (timeout_for.ts), if it has one. */
  #callOptions(method: CriMethod, timeout?: number): grpc.CallOptions {
    const timeoutMs = timeoutFor(method, { timeout }, { runtimeRequestTimeoutMs: this.#timeoutMs });
    return timeoutMs === null ? {} : { deadline: deadlineAfter(timeoutMs) };
  }

  #record(operation: string, start: number, error?: unknown): void {
    if (this.#observer === undefined) return;
    const duration = Math.max(0, this.#clock.now() - start);
    try {
      if (error === undefined) this.#observer(operation, duration);
      else this.#observer(operation, duration, error);
    } catch {
      // An observer must not break the call it observes.
    }
  }

  /** Closes the channel; calls in flight fail. */
  close(): void {
    this.#client.close();
  }
}
