/**
 * Small helpers shared by the fake runtime's stores and services.
 *
 * The fake is a CRI server: it reads requests as they are decoded (the
 * generated `__Output` types, every field present) and answers with what the
 * serializer accepts ({@linkcode ServedHandlers}); the views it builds are
 * complete `__Output` values, so its test API reads like a client's.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { ImageSpec__Output } from "../generated/runtime/v1/ImageSpec.ts";
import type { CriMethod, ServedRequest, ServedResponse, StringMap } from "../types.ts";

/** Handlers of the RPCs `M`, by uncapitalised RPC name, as a server implements them. */
export type ServedHandlers<M extends CriMethod> = {
  [K in M as Uncapitalize<K>]: (request: ServedRequest<K>) => Promise<ServedResponse<K>>;
};

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

/** An image spec naming only `image`, every other field at its default. */
export function imageSpec(image: string): ImageSpec__Output {
  return { image, annotations: {}, userSpecifiedImage: "", runtimeHandler: "", imageRef: "" };
}

/** The `info` map of a status response: one JSON entry when verbose, else empty. */
export function verboseInfo(verbose: boolean | undefined, info: unknown): StringMap {
  return verbose ? { info: JSON.stringify(info) } : {};
}

/** The bytes of `parts`, in order, as one array (the one part itself when there is one). */
export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
