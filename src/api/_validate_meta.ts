/**
 * Validation of a Pod's metadata: name, namespace, UID, labels and annotations.
 * Private to src/api; {@linkcode validatePod} is the public entry.
 *
 * @module
 */

import { type FieldErrors, show } from "./_field_errors.ts";
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelValueProblem,
  qualifiedNameProblem,
} from "./names.ts";
import type { Pod } from "./types.ts";

/** The API server's limit on the summed size of all annotation keys and values (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** Longest `metadata.uid` accepted. */
const MAX_UID_LENGTH = 128;
/**
 * A UID the node can use as a directory name: letters, digits, '-', '_' and '.',
 * starting with a letter or digit. The API server generates UUIDs; a static pod may
 * declare its own, which names directories under the root dir, so it must not hold
 * '/', '..' or control characters (the kubelet does not check this).
 */
const UID = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;

const encoder = new TextEncoder();

/** Checks `metadata` as the API server's ValidateObjectMeta does for a Pod. */
export function validateMetadata(errors: FieldErrors, pod: Pod): void {
  const meta = pod.metadata;
  if (meta === undefined || meta === null) {
    errors.add("metadata.name", "is required");
    errors.add("metadata.namespace", "is required");
    return;
  }
  const name = errors.requiredString("metadata.name", meta.name);
  if (name !== undefined) errors.addProblem("metadata.name", dns1123SubdomainProblem(name), name);
  const namespace = errors.requiredString("metadata.namespace", meta.namespace);
  if (namespace !== undefined) {
    errors.addProblem("metadata.namespace", dns1123LabelProblem(namespace), namespace);
  }
  const uid = meta.uid;
  if (uid !== undefined && uid !== null && uid !== "") {
    if (typeof uid !== "string" || uid.length > MAX_UID_LENGTH || !UID.test(uid)) {
      errors.add(
        "metadata.uid",
        `must be at most ${MAX_UID_LENGTH} letters, digits, '-', '_' and '.', starting with ` +
          `a letter or digit (got ${show(uid)})`,
      );
    }
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    errors.addProblem(`metadata.labels`, qualifiedNameProblem(key), key);
    if (typeof value !== "string") {
      errors.add(`metadata.labels[${key}]`, `must be a string (got ${show(value)})`);
    } else {
      errors.addProblem(`metadata.labels[${key}]`, labelValueProblem(value), value);
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    // As in the API server, an annotation key may have upper-case letters.
    errors.addProblem(`metadata.annotations`, qualifiedNameProblem(key.toLowerCase()), key);
    if (typeof value !== "string") {
      errors.add(`metadata.annotations[${key}]`, `must be a string (got ${show(value)})`);
    } else {
      annotationBytes += utf8Length(key) + utf8Length(value);
    }
  }
  if (annotationBytes > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errors.add(
      "metadata.annotations",
      `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes in all (got ${annotationBytes})`,
    );
  }
}

/** The length of `text` in UTF-8 bytes, as Go's `len` counts a string. */
function utf8Length(text: string): number {
  // Short strings are counted without allocating; ASCII is one byte per character.
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
  return ascii ? text.length : encoder.encode(text).length;
}
