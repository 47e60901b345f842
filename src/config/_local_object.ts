/**
 * Decoding and validating the `v1 ConfigMap` and `v1 Secret` documents of the static
 * pod directory the way the API server would on create: Go's JSON types (a number
 * where a string belongs is refused, `null` is unset or the zero value), unknown
 * fields dropped and named, `metadata.name` a DNS subdomain, namespace `default`
 * when unset, keys `[-._a-zA-Z0-9]+` (not `.`, not starting with `..`, at most 253
 * characters), `binaryData` and Secret `data` in standard base64, no key in both
 * `data` and `binaryData`, at most 1 MiB of data, `stringData` merged into `data`
 * (stringData wins), Secret `type` defaulted to `Opaque` and its required keys
 * checked, `immutable` kept.
 *
 * A reason never quotes a value of `data`, `binaryData` or `stringData` (nor an
 * annotation value): only field paths, keys, names, types and sizes.
 *
 * @module
 */

import { MAX_OBJECT_DATA_BYTES } from "../objects/types.ts";
import { createHash } from "node:crypto";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import type { ObjectMeta } from "kubernetes-types/meta/v1.d.ts";
import { FieldErrors, truncate } from "../api/_field_errors.ts";
import { isPlainObject } from "../api/decode_pod.ts";
import { formatFieldErrors } from "../api/validation.ts";
import { formatObjectRef } from "../objects/types.ts";
import {
  bytesValue,
  encodeBase64,
  objectKeyProblem,
  quote,
  readMap,
  readMetadata,
  stringValue,
  typeOf,
  utf8Length,
} from "./_local_object_fields.ts";
import { oneLine } from "./_parse_document.ts";
import { deepFreeze } from "../util/deep_freeze.ts";

export { decodeBase64, encodeBase64, objectKeyProblem } from "./_local_object_fields.ts";

const encoder = new TextEncoder();

/** A ConfigMap or Secret of the static pod directory, deeply frozen. */
export type LocalObject = ConfigMap | Secret;

export { MAX_OBJECT_DATA_BYTES };

/** The outcome of {@linkcode decodeLocalObject}. */
export type DecodeObjectResult =
  | { ok: true; object: LocalObject; unknownFields?: string[] }
  | { ok: false; reason: string };

const COMMON_FIELDS = ["apiVersion", "kind", "metadata", "data", "immutable"];
const KNOWN_FIELDS: Record<"ConfigMap" | "Secret", Set<string>> = {
  ConfigMap: new Set([...COMMON_FIELDS, "binaryData"]),
  Secret: new Set([...COMMON_FIELDS, "stringData", "type"]),
};

/** The ref of a local object, as messages name it: `ConfigMap default/app`. */
export function localObjectKey(object: LocalObject): string {
  return formatObjectRef({
    kind: object.kind as "ConfigMap" | "Secret",
    namespace: object.metadata?.namespace ?? "default",
    name: object.metadata?.name ?? "",
  });
}

function tooLarge(errors: FieldErrors, bytes: number, what: string): void {
  if (bytes > MAX_OBJECT_DATA_BYTES) {
    errors.add(
      "data",
      `must hold at most ${MAX_OBJECT_DATA_BYTES} bytes (1 MiB) in all, ${what} (got ${bytes})`,
    );
  }
}

function configMapBody(errors: FieldErrors, raw: Record<string, unknown>): Partial<ConfigMap> {
  const data = readMap(
    errors,
    "data",
    raw.data,
    objectKeyProblem,
    (path, v) => stringValue(errors, path, v),
  );
  const binary = readMap(
    errors,
    "binaryData",
    raw.binaryData,
    objectKeyProblem,
    (path, v) => bytesValue(errors, path, v),
  );
  let bytes = 0;
  for (const value of data?.values() ?? []) bytes += utf8Length(value);
  for (const [key, value] of binary ?? []) {
    bytes += value.length;
    if (data?.has(key)) {
      errors.add(
        `binaryData[${truncate(key, 100)}]`,
        "is also a key of data: a key is in data or in binaryData, not both",
      );
    }
  }
  tooLarge(errors, bytes, "data and binaryData together");
  return {
    ...(data?.size ? { data: Object.fromEntries(data) } : {}),
    ...(binary?.size
      ? { binaryData: Object.fromEntries([...binary].map(([k, v]) => [k, encodeBase64(v)])) }
      : {}),
  };
}

/** The keys each built-in Secret type needs, as the API server checks them. */
function checkSecretType(
  errors: FieldErrors,
  type: string,
  data: Map<string, Uint8Array>,
  annotations: Record<string, string> | undefined,
): void {
  const require = (key: string) => {
    if (!data.has(key)) errors.add(`data[${key}]`, `is required for type ${type}`);
  };
  const jsonObject = (key: string) => {
    if (!data.has(key)) return require(key);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(data.get(key)));
    } catch {
      parsed = undefined;
    }
    if (!isPlainObject(parsed)) errors.add(`data[${key}]`, "must be a JSON object");
  };
  switch (type) {
    case "kubernetes.io/service-account-token":
      if (!annotations?.["kubernetes.io/service-account.name"]) {
        errors.add(
          "metadata.annotations[kubernetes.io/service-account.name]",
          `is required for type ${type}`,
        );
      }
      break;
    case "kubernetes.io/dockercfg":
      jsonObject(".dockercfg");
      break;
    case "kubernetes.io/dockerconfigjson":
      jsonObject(".dockerconfigjson");
      break;
    case "kubernetes.io/basic-auth":
      if (!data.has("username") && !data.has("password")) {
        errors.add("data", `must have a username or a password key for type ${type}`);
      }
      break;
    case "kubernetes.io/ssh-auth":
      if (!data.get("ssh-privatekey")?.length) {
        errors.add("data[ssh-privatekey]", `is required for type ${type}`);
      }
      break;
    case "kubernetes.io/tls":
      require("tls.crt");
      require("tls.key");
      break;
  }
}

function secretBody(
  errors: FieldErrors,
  raw: Record<string, unknown>,
  meta: ObjectMeta,
): Partial<Secret> {
  const data =
    readMap(errors, "data", raw.data, objectKeyProblem, (path, v) => bytesValue(errors, path, v)) ??
      new Map<string, Uint8Array>();
  const stringData = readMap(
    errors,
    "stringData",
    raw.stringData,
    objectKeyProblem,
    (path, v) => stringValue(errors, path, v),
  );
  // As the API server does on create: stringData is written over data, then dropped.
  for (const [key, value] of stringData ?? []) data.set(key, encoder.encode(value));
  let bytes = 0;
  for (const value of data.values()) bytes += value.length;
  tooLarge(errors, bytes, "stringData included");
  let type = "Opaque";
  if (typeof raw.type === "string" && raw.type !== "") type = raw.type;
  else if (raw.type !== undefined && raw.type !== null && raw.type !== "") {
    errors.add("type", `must be a string (got ${typeOf(raw.type)})`);
  }
  checkSecretType(errors, type, data, meta.annotations);
  const keys = [...data.keys()].sort();
  return {
    type,
    ...(keys.length > 0
      ? { data: Object.fromEntries(keys.map((k) => [k, encodeBase64(data.get(k)!)])) }
      : {}),
  };
}

/**
 * Decodes and validates one ConfigMap or Secret document (the caller has checked that
 * `raw.kind` is `ConfigMap` or `Secret` and `raw.apiVersion` is `v1`). The object has
 * only the fields the API server would store, keys sorted, values in canonical
 * base64, a `metadata.resourceVersion` that is a hash of the content (equal content,
 * equal version), and is deeply frozen. Never throws for bad input; a reason is one
 * line naming every bad field (up to 10), never a value.
 */
export function decodeLocalObject(raw: Record<string, unknown>): DecodeObjectResult {
  const kind = raw.kind === "Secret" ? "Secret" : "ConfigMap";
  const errors = new FieldErrors();
  const unknown = Object.keys(raw).filter((key) => !KNOWN_FIELDS[kind].has(key));
  const metadata = readMetadata(errors, raw.metadata, unknown);
  let immutable: boolean | undefined;
  if (typeof raw.immutable === "boolean") immutable = raw.immutable;
  else if (raw.immutable !== undefined && raw.immutable !== null) {
    errors.add("immutable", `must be a boolean (got ${typeOf(raw.immutable)})`);
  }
  const body = kind === "ConfigMap"
    ? configMapBody(errors, raw)
    : secretBody(errors, raw, metadata);
  if (errors.list.length > 0) {
    const name = typeof metadata.name === "string" && metadata.name !== ""
      ? ` ${quote(`${metadata.namespace ?? "default"}/${metadata.name}`)}`
      : "";
    return {
      ok: false,
      reason: oneLine(`invalid ${kind}${name}: ${formatFieldErrors(errors.list)}`),
    };
  }
  const object = {
    apiVersion: "v1",
    kind,
    metadata,
    ...body,
    ...(immutable !== undefined ? { immutable } : {}),
  } as LocalObject;
  const version = createHash("sha256").update(JSON.stringify(object)).digest("hex").slice(0, 16);
  object.metadata = { ...metadata, resourceVersion: version };
  return {
    ok: true,
    object: deepFreeze(object),
    ...(unknown.length > 0 ? { unknownFields: unknown } : {}),
  };
}
