/**
 * The shape the three strategies of the object manager share (the kubelet's
 * `manager.Store`: AddReference, DeleteReference, Get), what the manager
 * gives them, and the one live GET that Get and Cache make.
 *
 * @module
 */

import { type ApiClient, isNotFound } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { type KubeObject, readErrText } from "./_object_result.ts";
import { deepFreeze } from "../util/deep_freeze.ts";
import type { ObjectResult } from "./_object_result.ts";
import type { ObjectKind, ObjectRef } from "./types.ts";

/** One strategy's store of objects, per (namespace, name) with reference counts. */
export interface ObjectStore {
  /** One more pod refers to the object. */
  addReference(namespace: string, name: string): void;
  /** One pod fewer refers to it; at 0 it is forgotten (its watch stopped). */
  deleteReference(namespace: string, name: string): void;
  /** Reads the object. Never rejects: a failure is an `unavailable` result. */
  get(namespace: string, name: string, signal?: AbortSignal): Promise<ObjectResult>;
  /** Stops what has not been used for the idle time (Watch only). */
  recycle(now: number): void;
  /** Stops every watch. */
  close(): void;
  /** Objects with references, for tests and metrics. */
  readonly size: number;
}

/** The API client calls the stores make. */
export type ObjectClient = Pick<ApiClient, "get" | "list" | "watch">;

/** What the manager gives its store. */
export interface StoreContext {
  kind: ObjectKind;
  /** `configmaps` or `secrets`. */
  resource: string;
  client: ObjectClient;
  clock: Clock;
  /** Logs a failed request (throttled); `op` names the call. */
  failed(op: "get" | "list" | "watch", ref: ObjectRef, err: unknown): void;
  /** A watched object changed (added, modified, deleted). */
  changed(ref: ObjectRef): void;
  /** A line at `--v=level`. */
  debug(level: number, message: string, ref: ObjectRef): void;
}

/** The `{kind, namespace, name}` of an object of the store's kind. */
export function refOf(ctx: StoreContext, namespace: string, name: string): ObjectRef {
  return { kind: ctx.kind, namespace, name };
}

/** What one live GET gave. */
export type FetchResult =
  | { ok: true; object: KubeObject }
  | { ok: false; notFound: true }
  | { ok: false; notFound: false; reason: string };

/** A live GET of one object; a failure is logged and returned, never thrown. */
export async function fetchObject(
  ctx: StoreContext,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<FetchResult> {
  const ref = refOf(ctx, namespace, name);
  try {
    const object = await ctx.client.get<KubeObject>(
      { resource: ctx.resource, namespace, name },
      { signal },
    );
    if (object?.metadata?.name !== name) {
      throw new Error(`GET ${ctx.resource} ${namespace}/${name}: the answer is another object`);
    }
    return { ok: true, object: deepFreeze(object) };
  } catch (err) {
    if (isNotFound(err)) return { ok: false, notFound: true };
    if (signal?.aborted) return { ok: false, notFound: false, reason: "the read was aborted" };
    ctx.failed("get", ref, err);
    return { ok: false, notFound: false, reason: readErrText(ctx.kind, err) };
  }
}

/** The result of a {@linkcode FetchResult} with no cached data to fall back on. */
export function resultOf(r: FetchResult): ObjectResult {
  if (r.ok) return { state: "found", object: r.object };
  return r.notFound ? { state: "absent" } : { state: "unavailable", reason: r.reason };
}
