/**
 * One gRPC channel to a CRI socket and the two call shapes the CRI uses
 * (unary and server stream), with deadlines, cancellation, error mapping and
 * operation records. Private to src/cri/.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { Clock } from "../util/clock.ts";
import { RealClock } from "../util/clock.ts";
import { criErrorFrom } from "./errors.ts";
import { parseEndpoint } from "./endpoint.ts";
import { guardHttp2SessionDestroy } from "../util/guard_http2_session_destroy.ts";
import { deadlineAfter } from "./timeout_for.ts";

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

/** Called once per finished CRI operation. */
export type OperationObserver = (operation: string, durationMs: number, error?: unknown) => void;

/** Settings of one call. */
export interface CallSettings {
  /** Operation name for the observer (kubelet's `operation_type` label). */
  operation: string;
  /** Time limit in ms; `null` for no deadline. */
  timeoutMs: number | null;
  /** Cancels the call; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface Method {
  path: string;
  requestSerialize: (value: unknown) => Uint8Array;
  responseDeserialize: (bytes: Uint8Array) => unknown;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** A gRPC channel to one CRI service on one Unix socket. */
export class CriChannel {
  #client: grpc.Client;
  #methods: Map<string, Method>;
  #clock: Clock;
  #observer: OperationObserver | undefined;

  constructor(
    endpoint: string,
    service: grpc.ServiceDefinition,
    options: { clock?: Clock; onOperation?: OperationObserver } = {},
  ) {
    const { target } = parseEndpoint(endpoint);
    // Deno's node:http2 can free a session nghttp2 is still using when a
    // GOAWAY reaches an idle channel; see src/util/guard_http2_session_destroy.ts.
    guardHttp2SessionDestroy();
    this.#client = new grpc.Client(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    this.#methods = new Map();
    for (const [name, def] of Object.entries(service)) {
      this.#methods.set(name, def as unknown as Method);
    }
    this.#clock = options.clock ?? new RealClock();
    this.#observer = options.onOperation;
  }

  #method(name: string): Method {
    const method = this.#methods.get(name);
    if (method === undefined) throw new TypeError(`Unknown CRI method '${name}'`);
    return method;
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

  /**
   * Makes a unary call. Rejects with a `CriError` (after `mapError`, when
   * given) or, when `settings.signal` aborts, with the signal's reason.
   */
  unary<Res>(
    name: string,
    request: unknown,
    settings: CallSettings,
    mapError?: (err: unknown) => unknown,
  ): Promise<Res> {
    const method = this.#method(name);
    const { signal } = settings;
    const start = this.#clock.now();
    if (signal?.aborted) {
      const reason = abortReason(signal);
      this.#record(settings.operation, start, reason);
      return Promise.reject(reason);
    }
    return new Promise<Res>((resolve, reject) => {
      const callOptions: grpc.CallOptions = {};
      if (settings.timeoutMs !== null) {
        callOptions.deadline = deadlineAfter(settings.timeoutMs);
      }
      let onAbort: (() => void) | undefined;
      const call = this.#client.makeUnaryRequest<unknown, unknown>(
        method.path,
        method.requestSerialize as (value: unknown) => Buffer,
        method.responseDeserialize as (bytes: Buffer) => unknown,
        request,
        new grpc.Metadata(),
        callOptions,
        (err, value) => {
          if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
          if (signal?.aborted) {
            const reason = abortReason(signal);
            this.#record(settings.operation, start, reason);
            reject(reason);
          } else if (err) {
            const mapped = mapError ? mapError(err) : criErrorFrom(err, name);
            this.#record(settings.operation, start, mapped);
            reject(mapped);
          } else {
            this.#record(settings.operation, start);
            resolve(value as Res);
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
   * Makes a server-streaming call and yields its messages until the stream
   * ends, `signal` aborts (the iteration then ends quietly) or the call fails
   * (the iteration throws a `CriError`). Leaving the loop early cancels the
   * call.
   */
  async *serverStream<Res>(
    name: string,
    request: unknown,
    settings: CallSettings & { signal: AbortSignal },
  ): AsyncGenerator<Res, void, undefined> {
    const method = this.#method(name);
    const { signal } = settings;
    const start = this.#clock.now();
    if (signal.aborted) {
      this.#record(settings.operation, start);
      return;
    }
    const callOptions: grpc.CallOptions = {};
    if (settings.timeoutMs !== null) {
      callOptions.deadline = deadlineAfter(settings.timeoutMs);
    }
    const call = this.#client.makeServerStreamRequest<unknown, unknown>(
      method.path,
      method.requestSerialize as (value: unknown) => Buffer,
      method.responseDeserialize as (bytes: Buffer) => unknown,
      request,
      new grpc.Metadata(),
      callOptions,
    );
    const onAbort = () => call.cancel();
    signal.addEventListener("abort", onAbort, { once: true });
    let failure: unknown;
    try {
      for await (const message of call) {
        yield message as Res;
      }
    } catch (err) {
      if (!signal.aborted) {
        failure = criErrorFrom(err, name);
        throw failure;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      call.cancel();
      this.#record(settings.operation, start, failure);
    }
  }

  /** Waits until the channel is connected, or rejects after `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#client.waitForReady(deadlineAfter(timeoutMs), (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Closes the channel; calls in flight fail. */
  close(): void {
    this.#client.close();
  }
}
