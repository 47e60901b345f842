/**
 * The field readers of {@linkcode decodeLocalObject}: Go's JSON types for map values
 * (a string, or standard base64 bytes; `null` is the zero value), the key rule of
 * ConfigMaps and Secrets, and the metadata a local object keeps. Every message names
 * the field and the type of a bad value, never the value (a Secret's may be in it),
 * except names, namespaces, keys and label values.
 *
 * @module
 */

import { decodeStdBase64 } from "../util/base64.ts";
import type { ObjectMeta } from "kubernetes-types/meta/v1.d.ts";
import { type FieldErrors, truncate } from "../api/_field_errors.ts";
import { isPlainObject } from "../api/decode_pod.ts";
import {
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelValueProblem,
  qualifiedNameProblem,
} from "../api/names.ts";
import { oneLine } from "./_parse_document.ts";

/** The API server's limit on all annotation keys and values of an object: 256 KiB. */
const MAX_ANNOTATION_BYTES = 256 * 1024;
/** ObjectMeta fields; those other than name, namespace, labels and annotations are set by the server. */
const META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);
const KEY = /^[-._a-zA-Z0-9]+$/;
const encoder = new TextEncoder();

/** "a number", "a list", ...: the type of a bad value, never the value itself. */
export function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A key or name shown in a message: one line, at most 100 characters. */
export function quote(text: string): string {
  return `'${truncate(oneLine(text), 100)}'`;
}

/** What is wrong with `key` as a ConfigMap or Secret key (the API server's IsConfigMapKey). */
export function objectKeyProblem(key: string): string | undefined {
  if (key.length > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    return `must be no more than ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters (has ${key.length})`;
  }
  if (!KEY.test(key)) return "must consist of letters, digits, '-', '_' and '.'";
  if (key === ".") return "must not be '.'";
  if (key === "..") return "must not be '..'";
  if (key.startsWith("..")) return "must not start with '..'";
  return undefined;
}

/** Standard base64 (padding required; CR and LF ignored, as Go's decoder does), or undefined. */
export const decodeBase64 = decodeStdBase64;

/** Standard base64 of `bytes`, with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Reads a map field: keys checked by `keyProblem`, each value through `read`; undefined when unset. */
export function readMap<T>(
  errors: FieldErrors,
  field: string,
  value: unknown,
  keyProblem: (key: string) => string | undefined,
  read: (path: string, v: unknown) => T | undefined,
): Map<string, T> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    errors.add(field, `must be a map of keys to values (got ${typeOf(value)})`);
    return undefined;
  }
  const out = new Map<string, T>();
  for (const key of Object.keys(value).sort()) {
    const path = `${field}[${truncate(key, 100)}]`;
    const problem = keyProblem(key);
    if (problem) errors.add(path, `is not a valid key: ${problem}`);
    const item = read(path, value[key]);
    if (item !== undefined) out.set(key, item);
  }
  return out;
}

/** A string value (null is ""); numbers and booleans are refused, as Go's decoder does. */
export function stringValue(errors: FieldErrors, path: string, v: unknown): string | undefined {
  if (v === null) return "";
  if (typeof v === "string") return v;
  const hint = typeof v === "boolean" || typeof v === "number"
    ? "; quote it (in YAML, unquoted numbers and yes, no, on, off are not strings)"
    : "";
  errors.add(path, `must be a string (got ${typeOf(v)})${hint}`);
  return undefined;
}

/** A base64 value (null is empty), decoded. */
export function bytesValue(errors: FieldErrors, path: string, v: unknown): Uint8Array | undefined {
  if (v === null) return new Uint8Array();
  if (typeof v !== "string") {
    errors.add(path, `must be a base64 string (got ${typeOf(v)})`);
    return undefined;
  }
  const bytes = decodeBase64(v);
  if (bytes === undefined) {
    errors.add(path, "must be standard base64 with padding (plain text goes in stringData)");
  }
  return bytes;
}

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** The metadata the node keeps: name, namespace (default `default`), labels, annotations. */
export function readMetadata(errors: FieldErrors, raw: unknown, unknown: string[]): ObjectMeta {
  if (raw !== undefined && raw !== null && !isPlainObject(raw)) {
    errors.add("metadata", `must be an object (got ${typeOf(raw)})`);
    return {};
  }
  const meta = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(meta)) if (!META_FIELDS.has(key)) unknown.push(`metadata.${key}`);
  const name = errors.requiredString("metadata.name", meta.name);
  if (name !== undefined) {
    const problem = dns1123SubdomainProblem(name);
    if (problem) errors.add("metadata.name", `${problem} (got ${quote(name)})`);
  }
  let namespace = "default";
  if (meta.namespace !== undefined && meta.namespace !== null && meta.namespace !== "") {
    if (typeof meta.namespace !== "string") {
      errors.add("metadata.namespace", `must be a string (got ${typeOf(meta.namespace)})`);
    } else {
      namespace = meta.namespace;
      const problem = dns1123LabelProblem(namespace);
      if (problem) errors.add("metadata.namespace", `${problem} (got ${quote(namespace)})`);
    }
  }
  const labels = readMap(
    errors,
    "metadata.labels",
    meta.labels,
    qualifiedNameProblem,
    (path, v) => {
      const value = stringValue(errors, path, v);
      const problem = value === undefined ? undefined : labelValueProblem(value);
      if (problem) errors.add(path, `${problem} (got ${quote(value!)})`);
      return value;
    },
  );
  // As in the API server, an annotation key may have upper-case letters.
  const annotationKeyProblem = (key: string) => qualifiedNameProblem(key.toLowerCase());
  const annotations = readMap(
    errors,
    "metadata.annotations",
    meta.annotations,
    annotationKeyProblem,
    (path, v) => stringValue(errors, path, v),
  );
  let annotationBytes = 0;
  for (const [key, value] of annotations ?? []) {
    annotationBytes += utf8Length(key) + utf8Length(value);
  }
  if (annotationBytes > MAX_ANNOTATION_BYTES) {
    errors.add(
      "metadata.annotations",
      `must have at most ${MAX_ANNOTATION_BYTES} bytes in all (got ${annotationBytes})`,
    );
  }
  return {
    name,
    namespace,
    ...(labels?.size ? { labels: Object.fromEntries(labels) } : {}),
    ...(annotations?.size ? { annotations: Object.fromEntries(annotations) } : {}),
  };
}
