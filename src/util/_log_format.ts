/**
 * Making logged text safe: control characters escaped, so that a value (a
 * file name, a pod name, a runtime's error) can never start a line of its
 * own, and long values cut, so that one error cannot fill the log.
 *
 * Escaped: C0 controls (`\n`, `\r`, `\t`, the others as `\u00XX`), DEL, C1
 * controls (U+0080 to U+009F, with NEL) and the Unicode line and paragraph
 * separators U+2028 and U+2029. The escapes are JSON's, so a JSON line
 * stays valid JSON.
 *
 * @module
 */

import { escapeControlChar } from "./escape_control.ts";

/** The ones `JSON.stringify` leaves as they are. */
const NOT_ESCAPED_BY_JSON = /[\u007f-\u009f\u2028\u2029]/g;
/** A text-format value with one of these is quoted. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const NEEDS_QUOTES = /[\s"=\u0000-\u001f\u007f-\u009f]/;

/**
 * JSON text with the characters `JSON.stringify` leaves raw (DEL, C1,
 * U+2028, U+2029) escaped too; those only occur inside JSON strings, so the
 * result is the same JSON value.
 */
export function escapeJson(json: string): string {
  return json.replace(NOT_ESCAPED_BY_JSON, escapeControlChar);
}

/** `s` as a double-quoted, fully escaped string. */
export function quote(s: string): string {
  return escapeJson(JSON.stringify(s));
}

/** `s` as a text-format value: as it is when plain, else quoted. */
export function textValue(s: string): string {
  return s === "" || NEEDS_QUOTES.test(s) ? quote(s) : s;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `s` cut to at most `maxBytes` UTF-8 bytes (never inside a character), with
 * a marker saying how many bytes were cut: `...[69907 bytes cut]`.
 */
export function truncateBytes(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  const bytes = encoder.encode(s);
  if (bytes.length <= maxBytes) return s;
  let end = Math.max(0, maxBytes);
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return `${decoder.decode(bytes.subarray(0, end))}...[${bytes.length - end} bytes cut]`;
}

/**
 * A value's JSON text, or undefined when it has none (undefined, a
 * function); never throws (a bigint is its digits, a cycle its `String()`).
 */
export function safeJson(v: unknown): string | undefined {
  if (typeof v === "bigint") return v.toString();
  try {
    return JSON.stringify(v);
  } catch {
    return JSON.stringify(String(v));
  }
}
