/**
 * What the configMap and secret volumes (and their projected sources) share:
 * the object's keys as files, or only the `items` asked for, each with its
 * mode; `optional`; the 1 MiB limit; keys that must be file names. Private
 * to src/volumes.
 *
 * @module
 */

import { decodeStdBase64 } from "../util/base64.ts";
import type { KeyToPath } from "kubernetes-types/core/v1.d.ts";
import { formatObjectRef, MAX_OBJECT_DATA_BYTES, type ObjectRef } from "../objects/types.ts";
import type { FileProjection, Payload } from "./atomic_writer.ts";

/** The default mode of files of configMap, secret, downwardAPI and projected volumes. */
export const DEFAULT_MODE = 0o644;

const KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY_LENGTH = 253;

/** The fields of a volume source (or projection) that pick its keys. */
export interface KeySelection {
  items?: KeyToPath[];
  optional?: boolean;
}

/** Checks a mode field: an integer from 0 to 0o777; throws a TypeError naming it. */
export function checkMode(mode: number, what: string): number {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new TypeError(`Invalid ${what}: ${mode} is not 0 to 0777 (decimal 511)`);
  }
  return mode;
}

/**
 * The files of one object: every key (when there are no items) or the items,
 * with `items[].mode` or `defaultMode`. `entries` is undefined when the
 * object does not exist. Throws naming the object and key (never a value):
 * a missing object or key unless optional (in the kubelet's words,
 * `configmap "app" not found`, `secret "db" references non-existent secret
 * key: password`), an object over 1 MiB, a key that is not a valid file name.
 */
export function keyToPathPayload(
  ref: ObjectRef,
  entries: Map<string, Uint8Array> | undefined,
  selection: KeySelection,
  defaultMode: number,
): Payload {
  const payload: Payload = new Map();
  const name = formatObjectRef(ref);
  if (entries === undefined) {
    if (selection.optional === true) return payload;
    throw new Error(`${kubeletKind(ref)} "${ref.name}" not found`);
  }
  let size = 0;
  for (const data of entries.values()) size += data.length;
  if (size > MAX_OBJECT_DATA_BYTES) {
    throw new RangeError(`${name} is ${size} bytes, over the 1 MiB limit of an object`);
  }
  checkMode(defaultMode, "defaultMode");
  const items = selection.items ?? [];
  if (items.length === 0) {
    for (const [key, data] of entries) {
      checkKey(name, key);
      payload.set(key, { data, mode: defaultMode });
    }
    return payload;
  }
  for (const item of items) {
    const data = entries.get(item.key);
    if (data === undefined) {
      if (selection.optional === true) continue;
      const what = ref.kind === "ConfigMap" ? "config" : "secret";
      throw new Error(
        `${kubeletKind(ref)} "${ref.name}" references non-existent ${what} key: ${item.key}`,
      );
    }
    const mode = item.mode === undefined
      ? defaultMode
      : checkMode(item.mode, `mode of key ${JSON.stringify(item.key)} of ${name}`);
    const file: FileProjection = { data, mode };
    payload.set(item.path, file);
  }
  return payload;
}

/** `configmap` / `secret`, as the kubelet's messages name them. */
function kubeletKind(ref: ObjectRef): string {
  return ref.kind === "ConfigMap" ? "configmap" : "secret";
}

/** A key that becomes a file name: the API's ConfigMap/Secret key rules. */
function checkKey(name: string, key: string): void {
  const ok = KEY.test(key) && key.length <= MAX_KEY_LENGTH && key !== "." && key !== ".." &&
    !key.startsWith("..");
  if (!ok) {
    throw new TypeError(
      `${name} has a key that is not a valid file name: ${JSON.stringify(key.slice(0, 80))} ` +
        `(letters, digits, '-', '_' and '.', at most ${MAX_KEY_LENGTH}, not starting with '..')`,
    );
  }
}

/** UTF-8 bytes of every `data` value. */
export function textEntries(
  data: Record<string, string> | undefined,
  into = new Map<string, Uint8Array>(),
): Map<string, Uint8Array> {
  const enc = new TextEncoder();
  for (const [key, value] of Object.entries(data ?? {})) into.set(key, enc.encode(value));
  return into;
}

/**
 * Decoded bytes of every base64 value (`binaryData`, Secret `data`); throws a
 * TypeError naming the object, field and key for invalid base64 (never the value).
 */
export function base64Entries(
  name: string,
  field: string,
  data: Record<string, string> | undefined,
  into = new Map<string, Uint8Array>(),
): Map<string, Uint8Array> {
  for (const [key, value] of Object.entries(data ?? {})) {
    const bytes = decodeStdBase64(value);
    if (bytes === undefined) {
      throw new TypeError(`${name} ${field} key ${JSON.stringify(key)} is not valid base64`);
    }
    if (into.has(key)) {
      throw new TypeError(`${name} has key ${JSON.stringify(key)} in both data and ${field}`);
    }
    into.set(key, bytes);
  }
  return into;
}
