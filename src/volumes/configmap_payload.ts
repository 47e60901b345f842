/**
 * The files of a `configMap` volume or projected source (pkg/volume/configmap
 * MakePayload): every key of `data` (UTF-8) and `binaryData` (base64) as a
 * file, or only `items` (key → path, with a mode), each file `mode` or
 * `defaultMode` (0644). A missing ConfigMap or key is an error naming it,
 * unless `optional`: then a missing ConfigMap is an empty volume and a
 * missing key is left out.
 *
 * @module
 */

import type { ConfigMap } from "kubernetes-types/core/v1.d.ts";
import { formatObjectRef, type ObjectLookup, type ObjectRef } from "../objects/types.ts";
import type { Payload } from "./atomic_writer.ts";
import {
  base64Entries,
  DEFAULT_MODE,
  type KeySelection,
  keyToPathPayload,
  textEntries,
} from "./_key_to_path.ts";

/** The key → bytes of a ConfigMap; throws a TypeError for bad binaryData or a key in both maps. */
export function configMapEntries(ref: ObjectRef, configMap: ConfigMap): Map<string, Uint8Array> {
  const entries = textEntries(configMap.data);
  return base64Entries(formatObjectRef(ref), "binaryData", configMap.binaryData, entries);
}

/**
 * The payload of ConfigMap `name` in `namespace` for a configMap volume
 * (with its `defaultMode`) or a projected configMap source (with the
 * projected volume's `defaultMode`). Throws naming the object and key for a
 * missing object or key (unless optional), an object over 1 MiB, a key that
 * is not a file name; an ObjectUnavailableError from the lookup passes
 * through.
 */
export function configMapPayload(
  namespace: string,
  name: string,
  selection: KeySelection,
  objects: ObjectLookup,
  defaultMode: number = DEFAULT_MODE,
): Payload {
  const ref: ObjectRef = { kind: "ConfigMap", namespace, name };
  const configMap = objects.configMap(namespace, name);
  const entries = configMap ? configMapEntries(ref, configMap) : undefined;
  return keyToPathPayload(ref, entries, selection, defaultMode);
}
