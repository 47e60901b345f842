/**
 * Typed decoding of a Pod, with the API server's JSON rules, for pods that come from
 * files and URLs and so never passed through an API server.
 *
 * The input is what a YAML or JSON parser returns; the output has only the core/v1
 * fields, each of its Go type, so defaulting, validation and everything downstream may
 * trust the shapes. The rules are Go's `encoding/json` into the core/v1 structs:
 * - a value of the wrong JSON type is an error naming the field path: a string where a
 *   list belongs, a number or a boolean where a string belongs, a string where a boolean
 *   belongs, a fraction or an out-of-range number for an int32/int64 field;
 * - `null` for a field means unset; a `null` item of a list or value of a map is the
 *   item type's zero value (`""`, `0`, `false`, `{}`), which validation then judges, so
 *   `volumeMounts: [null]` is rejected as "volumeMounts[0].name is required";
 * - unknown fields are dropped, as the API server does for a Pod outside strict mode,
 *   and listed in the result so a caller may warn about typos;
 * - quantities are checked as resource.Quantity (a string or a number), times as
 *   RFC 3339 strings, int-or-string ports as a string or an int32.
 *
 * @module
 */

import { escapeControl } from "../util/escape_control.ts";
import { type FieldError, FieldErrors, MAX_FIELD_ERRORS, show } from "./_field_errors.ts";
import { type FieldKind, POD_SCHEMA, type StructSchema } from "./_pod_schema.ts";
import { parseQuantity } from "./quantity.ts";
import type { Pod } from "./types.ts";

/** The outcome of {@linkcode decodePod}. */
export type DecodePodResult =
  | {
    ok: true;
    /** The pod with only core/v1 fields, each of its Go type. */
    pod: Pod;
    /** Paths of the fields that were dropped as unknown (at most 100). */
    unknownFields: string[];
  }
  | {
    ok: false;
    /** Every type problem found (at most 100), each with its field path. */
    errors: FieldError[];
  };

/** An integer type's range: `min` ≤ value < `below` (exact in float64 for both). */
interface IntRange {
  min: number;
  below: number;
  name: string;
}
const INT32: IntRange = { min: -(2 ** 31), below: 2 ** 31, name: "a 32-bit integer" };
const INT64: IntRange = { min: -(2 ** 63), below: 2 ** 63, name: "a 64-bit integer" };
/** Nesting allowed inside a field kept as written (`json`), as a guard. */
const MAX_JSON_DEPTH = 64;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** Longest quantity text read (no real quantity comes close). */
const MAX_QUANTITY_LENGTH = 128;
const BOOLEAN_HINT = "; in YAML, unquoted yes, no, on, off, y and n are booleans";

interface Context {
  errors: FieldErrors;
  unknown: string[];
}

/**
 * Decodes `value` as a core/v1 Pod with the API server's type rules (see the module
 * documentation). Never throws: every problem is a {@linkcode FieldError}.
 *
 * The result is a new object; `value` is not changed. It does not apply defaults or
 * validate values: use `setPodDefaults` and `validatePod` on the decoded pod.
 */
export function decodePod(value: unknown): DecodePodResult {
  const ctx: Context = { errors: new FieldErrors(), unknown: [] };
  if (!isPlainObject(value)) {
    return {
      ok: false,
      errors: [{ field: "pod", message: `must be an object (got ${show(value)})` }],
    };
  }
  const pod = decodeStruct(POD_SCHEMA, value, "", ctx) as Pod;
  if (ctx.errors.list.length > 0) return { ok: false, errors: ctx.errors.list };
  return { ok: true, pod, unknownFields: ctx.unknown };
}

/** Whether `value` is a plain JSON object (not a list, Map, Set, Date, buffer, ...). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function join(base: string, key: string): string {
  return base === "" ? key : `${base}.${key}`;
}

/** Sets an own property, also for keys such as `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function decodeStruct(
  schema: StructSchema,
  input: Record<string, unknown>,
  path: string,
  ctx: Context,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (ctx.errors.full) break;
    const fieldPath = join(path, key);
    const kind = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (kind === undefined) {
      if (ctx.unknown.length < MAX_FIELD_ERRORS) ctx.unknown.push(escapeControl(fieldPath));
      continue;
    }
    const raw = input[key];
    if (raw === null || raw === undefined) continue; // null means unset
    const decoded = decodeValue(kind, raw, fieldPath, ctx);
    if (decoded !== undefined) setOwn(out, key, decoded);
  }
  return out;
}

/** Decodes a non-null value; returns undefined after recording an error. */
function decodeValue(kind: FieldKind, value: unknown, path: string, ctx: Context): unknown {
  if (typeof kind === "string") {
    switch (kind) {
      case "string":
        if (typeof value === "string") return value;
        return fail(ctx, path, "a string", value, typeof value === "boolean" ? BOOLEAN_HINT : "");
      case "bool":
        return typeof value === "boolean" ? value : fail(ctx, path, "a boolean", value);
      case "int32":
        return decodeInteger(value, path, ctx, INT32);
      case "int64":
        return decodeInteger(value, path, ctx, INT64);
      case "quantity":
        return decodeQuantity(value, path, ctx);
      case "intOrString":
        if (typeof value === "string") return value;
        if (typeof value === "number") {
          return decodeInteger(value, path, ctx, INT32);
        }
        return fail(ctx, path, "an integer or a string", value);
      case "time":
        if (typeof value === "string" && RFC3339.test(value) && !isNaN(Date.parse(value))) {
          return value;
        }
        return fail(ctx, path, "a time in RFC 3339 form such as '2024-05-01T10:00:00Z'", value);
      case "json":
        return decodeJson(value, path, ctx, 0);
    }
  }
  if ("list" in kind) {
    if (!Array.isArray(value)) return fail(ctx, path, "a list", value);
    const out: unknown[] = [];
    for (let i = 0; i < value.length && !ctx.errors.full; i++) {
      const item = value[i];
      out.push(
        item === null || item === undefined
          ? zeroValue(kind.list)
          : decodeValue(kind.list, item, `${path}[${i}]`, ctx),
      );
    }
    return out;
  }
  if (!isPlainObject(value)) return fail(ctx, path, "an object", value);
  if ("struct" in kind) return decodeStruct(kind.struct, value, path, ctx);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (ctx.errors.full) break;
    setOwn(
      out,
      key,
      item === null || item === undefined
        ? zeroValue(kind.map)
        : decodeValue(kind.map, item, `${path}[${key}]`, ctx),
    );
  }
  return out;
}

/** Go's zero value of a kind, for `null` items of lists and maps. */
function zeroValue(kind: FieldKind): unknown {
  if (typeof kind !== "string") return "list" in kind ? [] : {};
  switch (kind) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int32":
    case "int64":
    case "intOrString":
      return 0;
    case "quantity":
      return "0";
    case "time":
      return undefined;
    case "json":
      return null;
  }
}

function fail(ctx: Context, path: string, expected: string, value: unknown, hint = ""): undefined {
  ctx.errors.add(path, `must be ${expected} (got ${show(value)}${hint})`);
  return undefined;
}

function decodeInteger(
  value: unknown,
  path: string,
  ctx: Context,
  range: IntRange,
): number | undefined {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return fail(ctx, path, "an integer", value);
  }
  if (value < range.min || value >= range.below) {
    ctx.errors.add(path, `must be ${range.name} (got ${show(value)}, out of range)`);
    return undefined;
  }
  return value;
}

function decodeQuantity(value: unknown, path: string, ctx: Context): string | number | undefined {
  const short = typeof value === "string" && value.length <= MAX_QUANTITY_LENGTH;
  if (short || (typeof value === "number" && Number.isFinite(value))) {
    try {
      parseQuantity(value);
      return value;
    } catch (err) {
      if (!(err instanceof RangeError) && !(err instanceof TypeError)) throw err;
    }
  }
  return fail(ctx, path, "a quantity such as '500m' or '1Gi'", value);
}

/** Checks a value kept as written is plain JSON, and copies it. */
function decodeJson(value: unknown, path: string, ctx: Context, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) {
    ctx.errors.add(path, `must not nest deeper than ${MAX_JSON_DEPTH} levels`);
    return undefined;
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : fail(ctx, path, "a finite number", value);
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => decodeJson(item, `${path}[${i}]`, ctx, depth + 1));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (ctx.errors.full) break;
      setOwn(out, key, decodeJson(item, join(path, key), ctx, depth + 1));
    }
    return out;
  }
  return fail(ctx, path, "JSON data (a string, number, boolean, list or object)", value);
}
