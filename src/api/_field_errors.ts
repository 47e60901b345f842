/**
 * The collector the validation helpers share. Private to src/api.
 *
 * @module
 */

import { escapeControl } from "../util/escape_control.ts";
import { parseQuantity, type Quantity } from "./quantity.ts";

/** One problem found in an object, named by its field path. */
export interface FieldError {
  /** The field path, such as `spec.containers[1].ports[0].containerPort`. */
  field: string;
  /** What is wrong, worded to follow "field '<path>' ", naming the bad value. */
  message: string;
}

/** The allowed range of an integer field. */
export interface IntegerRange {
  /** The smallest allowed value. */
  min: number;
  /** The largest allowed value; no upper bound when unset. */
  max?: number;
  /** Added after the range, e.g. "where 0 means no host port". */
  hint?: string;
}

/** Problems kept per object; a pathological manifest cannot grow the list further. */
export const MAX_FIELD_ERRORS = 100;

/** Appends problems to one list (at most {@linkcode MAX_FIELD_ERRORS}). */
export class FieldErrors {
  readonly list: FieldError[] = [];

  /** Records that `field` is wrong. */
  add(field: string, message: string): void {
    if (this.list.length < MAX_FIELD_ERRORS) this.list.push({ field, message });
  }

  /** Whether the list is full, so a caller may stop looking. */
  get full(): boolean {
    return this.list.length >= MAX_FIELD_ERRORS;
  }

  /**
   * Records that `field` must set exactly one of something, when `found` (the
   * ones set) is not one: "must specify exactly one `what` (found a, b)".
   */
  exactlyOne(field: string, found: readonly string[], what: string): void {
    if (found.length === 1) return;
    const got = found.length === 0 ? "none" : found.join(", ");
    this.add(field, `must specify exactly one ${what} (found ${got})`);
  }

  /** Records `message` when it is defined. */
  addProblem(field: string, problem: string | undefined, value: unknown): void {
    if (problem !== undefined) this.add(field, `${problem} (got ${show(value)})`);
  }

  /** Checks an optional integer field against a range. */
  integer(field: string, value: unknown, range: IntegerRange): void {
    if (value === undefined || value === null) return;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.add(field, `must be an integer (got ${show(value)})`);
      return;
    }
    const { min, max, hint } = range;
    const extra = hint ? ` ${hint}` : "";
    if (max !== undefined && (value < min || value > max)) {
      this.add(field, `must be between ${min} and ${max}${extra} (got ${value})`);
    } else if (value < min) {
      this.add(field, `must be at least ${min}${extra} (got ${value})`);
    }
  }

  /** Checks that an optional string field is one of `allowed` (empty counts as unset). */
  oneOf(field: string, value: unknown, allowed: readonly string[]): void {
    if (value === undefined || value === null || value === "") return;
    if (typeof value !== "string" || !allowed.includes(value)) {
      this.add(field, `must be one of ${allowed.join(", ")} (got ${show(value)})`);
    }
  }

  /** Checks that a field is a non-empty string; returns it when it is. */
  requiredString(field: string, value: unknown): string | undefined {
    if (value === undefined || value === null || value === "") {
      this.add(field, "is required");
      return undefined;
    }
    if (typeof value !== "string") {
      this.add(field, `must be a string (got ${show(value)})`);
      return undefined;
    }
    return value;
  }
}

/** Longest bad value shown in a message, in characters; longer ones are cut. */
export const MAX_SHOWN_VALUE = 100;

/** `text` cut to `max` characters with "..." and the full length when longer. */
export function truncate(text: string, max = MAX_SHOWN_VALUE): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/**
 * Shows a bad value in a message: strings quoted, the rest as JSON; on one line and
 * at most about {@linkcode MAX_SHOWN_VALUE} characters.
 */
export function show(value: unknown): string {
  if (typeof value === "string") return `'${truncate(escapeControl(value))}'`;
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value); // NaN, Infinity
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(escapeControl(text));
}

/** The keys among `keys` whose value in `object` is set. */
export function presentKeys<T extends object>(object: T, keys: readonly (keyof T)[]): string[] {
  return keys.filter((key) => object[key] !== undefined && object[key] !== null).map(String);
}

/** Parses a quantity field, recording an error and returning undefined when it is bad. */
export function quantityOrError(
  errors: FieldErrors,
  field: string,
  value: unknown,
): Quantity | undefined {
  if (typeof value !== "string" && typeof value !== "number") {
    errors.add(field, `must be a quantity such as '500m' or '1Gi' (got ${show(value)})`);
    return undefined;
  }
  try {
    return parseQuantity(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    errors.add(field, `must be a quantity such as '500m' or '1Gi' (got ${show(value)})`);
    return undefined;
  }
}
