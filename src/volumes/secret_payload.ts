/**
 * The files of a `secret` volume or projected source (pkg/volume/secret
 * MakePayload): every key of `data` (base64-decoded; `stringData`, which a
 * local Secret file may carry, over it as the API server merges it) as a
 * file, or only `items`, each file `mode` or `defaultMode` (0644, as the API
 * defaults it). A missing Secret or key is an error naming it, unless
 * `optional`. Values never appear in an error.
 *
 * @module
 */

import type { Secret } from "kubernetes-types/core/v1.d.ts";
import { formatObjectRef, type ObjectLookup, type ObjectRef } from "../objects/types.ts";
import type { Payload } from "./atomic_writer.ts";
import {
  base64Entries,
  DEFAULT_MODE,
  type KeySelection,
  keyToPathPayload,
  textEntries,
} from "./_key_to_path.ts";

/** The key → bytes of a Secret; throws a TypeError naming the key for bad base64. */
export function secretEntries(ref: ObjectRef, secret: Secret): Map<string, Uint8Array> {
  const entries = base64Entries(formatObjectRef(ref), "data", secret.data);
  return textEntries(secret.stringData, entries);
}

/**
 * The payload of Secret `name` in `namespace` for a secret volume
 * (`secretName`, `defaultMode`) or a projected secret source (`name`, with
 * the projected volume's `defaultMode`). Throws naming the object and key
 * for a missing object or key (unless optional), an object over 1 MiB, a key
 * that is not a file name, bad base64; an ObjectUnavailableError from the
 * lookup passes through.
 */
export function secretPayload(
  namespace: string,
  name: string,
  selection: KeySelection,
  objects: ObjectLookup,
  defaultMode: number = DEFAULT_MODE,
): Payload {
  const ref: ObjectRef = { kind: "Secret", namespace, name };
  const secret = objects.secret(namespace, name);
  const entries = secret ? secretEntries(ref, secret) : undefined;
  return keyToPathPayload(ref, entries, selection, defaultMode);
}
