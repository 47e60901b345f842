/**
 * Records the RPCs the fake runtime receives and holds the errors a test
 * injects per method.
 *
 * @module
 */

import type { CriMethod } from "../types.ts";
import { RpcError } from "./_util.ts";

/** One RPC as the fake received it. */
export interface RecordedCall {
  method: CriMethod;
  /** The decoded request (camelCase fields, defaults filled in). */
  request: unknown;
}

/** Options for {@linkcode CallRecorder.injectError}. */
export interface InjectErrorOptions {
  /** How many calls fail before the method works again. @default Infinity */
  times?: number;
}

interface Injected {
  code: number;
  message: string;
  remaining: number;
}

/** Options for {@linkcode CallRecorder}. */
export interface CallRecorderOptions {
  /**
   * Whether calls are kept. A runtime that serves an agent for hours (the
   * embedded one) must not: every request would stay in memory. Errors are
   * injected either way. @default true
   */
  keepCalls?: boolean;
}

/** Call log and per-method error injection, shared by both fake services. */
export class CallRecorder {
  /** Every call received, in order (none unless `keepCalls`). */
  readonly calls: RecordedCall[] = [];
  #errors = new Map<CriMethod, Injected>();
  #keep: boolean;

  constructor(options: CallRecorderOptions = {}) {
    this.#keep = options.keepCalls ?? true;
  }

  /** Appends a call to {@linkcode CallRecorder.calls} (when calls are kept). */
  record(method: CriMethod, request: unknown): void {
    if (this.#keep) this.calls.push({ method, request });
  }

  /** Requests of every recorded call of `method`. */
  requestsOf(method: CriMethod): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.request);
  }

  /** Names of the recorded methods, in order. */
  methods(): CriMethod[] {
    return this.calls.map((c) => c.method);
  }

  /** Forgets the recorded calls. */
  clearCalls(): void {
    this.calls.length = 0;
  }

  /**
   * Makes the next calls of `method` fail with the gRPC status `code` and
   * `message` (the request is still recorded).
   */
  injectError(method: CriMethod, code: number, message: string, options: InjectErrorOptions = {}) {
    const times = options.times ?? Infinity;
    if (!(times > 0)) throw new RangeError(`Cannot inject error: times must be > 0, got ${times}`);
    this.#errors.set(method, { code, message, remaining: times });
  }

  /** Removes the injected error of `method`, or all of them. */
  clearErrors(method?: CriMethod): void {
    if (method) this.#errors.delete(method);
    else this.#errors.clear();
  }

  /** The error to answer `method` with now, if one is injected; uses up one time. */
  takeError(method: CriMethod): RpcError | undefined {
    const injected = this.#errors.get(method);
    if (!injected) return undefined;
    if (--injected.remaining <= 0) this.#errors.delete(method);
    return new RpcError(injected.code, injected.message);
  }
}
