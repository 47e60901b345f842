/**
 * Small helpers shared by the fake runtime's stores and services.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { StringMap } from "../types.ts";

/** An error a fake RPC handler throws to answer with a gRPC status. */
export class RpcError extends Error {
  /** gRPC status code. */
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = "RpcError";
    this.code = code;
  }
}

/** `NotFound` with containerd's wording. */
export function notFound(what: string, id: string): RpcError {
  return new RpcError(
    status.NOT_FOUND,
    `an error occurred when try to find ${what} "${id}": not found`,
  );
}

/** A random 64-hex-digit id, like containerd's. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Milliseconds to the nanoseconds the CRI uses for timestamps. */
export function nanos(ms: number): number {
  return ms * 1_000_000;
}

/** True when every key/value of `selector` is in `labels`. */
export function matchesLabels(labels: StringMap, selector: StringMap | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** A shallow copy of a string map (the stores never share maps with callers). */
export function copyMap(map: StringMap | undefined): StringMap {
  return { ...(map ?? {}) };
}

/** The `info` map of a status response: one JSON entry when verbose, else empty. */
export function verboseInfo(verbose: boolean | undefined, info: unknown): StringMap {
  return verbose ? { info: JSON.stringify(info) } : {};
}
