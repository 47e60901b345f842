/**
 * What one read of one object gave (found, absent, unavailable with a
 * reason), the lookup made of a pod's results, the API server's 1 MiB limit
 * on an object's data, and the error text that is safe to log for a read.
 *
 * @module
 */

import { MAX_OBJECT_DATA_BYTES } from "./types.ts";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import { ApiStatusError } from "../client/mod.ts";
import { errText } from "../util/err_text.ts";
import { objectKey } from "./pod_refs.ts";
import {
  type ObjectKind,
  type ObjectLookup,
  type ObjectRef,
  ObjectUnavailableError,
} from "./types.ts";

/** A ConfigMap or a Secret. */
export type KubeObject = ConfigMap | Secret;

/** One read of one object: it exists, it does not (NotFound), or it cannot be read now. */
export type ObjectResult =
  | { state: "found"; object: KubeObject }
  | { state: "absent" }
  | { state: "unavailable"; reason: string };

export { MAX_OBJECT_DATA_BYTES };

/** The size of base64 text once decoded, without decoding it. */
function base64Bytes(s: string): number {
  const t = s.replace(/\s+/g, "");
  const pad = t.endsWith("==") ? 2 : t.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor(t.length * 3 / 4) - pad);
}

const encoder = new TextEncoder();

function textBytes(s: string): number {
  return encoder.encode(s).length;
}

/**
 * The size of an object's data as the API server counts it against the
 * limit: ConfigMap `data` values (UTF-8) plus `binaryData` (decoded); Secret
 * `data` (decoded) plus `stringData` (UTF-8, local files only).
 */
export function objectDataBytes(kind: ObjectKind, obj: KubeObject): number {
  let n = 0;
  const values = (m: unknown): string[] =>
    typeof m === "object" && m !== null
      ? Object.values(m).filter((v): v is string => typeof v === "string")
      : [];
  if (kind === "ConfigMap") {
    const cm = obj as ConfigMap;
    for (const v of values(cm.data)) n += textBytes(v);
    for (const v of values(cm.binaryData)) n += base64Bytes(v);
  } else {
    const s = obj as Secret;
    for (const v of values(s.data)) n += base64Bytes(v);
    for (const v of values(s.stringData)) n += textBytes(v);
  }
  return n;
}

/** Why `obj` is refused, or undefined when its data is within the limit. */
export function tooLarge(kind: ObjectKind, obj: KubeObject): string | undefined {
  const n = objectDataBytes(kind, obj);
  if (n <= MAX_OBJECT_DATA_BYTES) return undefined;
  return `its data is ${n} bytes, more than the limit of ${MAX_OBJECT_DATA_BYTES} bytes (1 MiB)`;
}

/** Whether an object says it is immutable (`immutable: true`). */
export function isImmutable(obj: KubeObject | undefined): boolean {
  return (obj as { immutable?: unknown } | undefined)?.immutable === true;
}

/**
 * The text of a failed read that is safe to log and to put in a message.
 * An API answer names the request and the server's message; a Secret read
 * whose answer could not be decoded is not quoted (the client quotes the
 * start of what it could not decode, which may be secret data).
 */
export function readErrText(kind: ObjectKind, err: unknown): string {
  if (kind === "Secret" && !(err instanceof ApiStatusError) && err instanceof TypeError) {
    return "the answer could not be decoded (not quoted: it may hold secret data)";
  }
  return errText(err);
}

/**
 * The lookup over `results` (keyed by {@linkcode objectKey}): a found object,
 * `undefined` for an absent one, and an {@linkcode ObjectUnavailableError}
 * for one that cannot be read or that was not resolved for the pod.
 */
export function lookupOf(results: ReadonlyMap<string, ObjectResult>): ObjectLookup {
  const pick = (kind: ObjectKind, namespace: string, name: string) => {
    const ref: ObjectRef = { kind, namespace, name };
    const r = results.get(objectKey(ref));
    if (r === undefined) {
      throw new ObjectUnavailableError(ref, "it is not among the objects resolved for the pod");
    }
    if (r.state === "found") return r.object;
    if (r.state === "absent") return undefined;
    throw new ObjectUnavailableError(ref, r.reason);
  };
  return {
    configMap: (namespace, name) => pick("ConfigMap", namespace, name) as ConfigMap | undefined,
    secret: (namespace, name) => pick("Secret", namespace, name) as Secret | undefined,
  };
}
