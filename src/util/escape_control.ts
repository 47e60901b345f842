/**
 * Text that stays on one line: control characters written as JSON escapes,
 * so a value from a manifest, a file name or a runtime's error can never
 * start a line of its own in a log or an error message. Used by the logger
 * and by the messages that quote user input (src/api, src/config).
 *
 * Escaped: C0 controls (`\n`, `\r`, `\t`, the others as `\u00XX`), DEL, C1
 * controls (U+0080 to U+009F, with NEL) and the Unicode line and paragraph
 * separators U+2028 and U+2029.
 *
 * @module
 */

/** Characters that may never reach a line as they are. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** The JSON escape of one control character. */
export function escapeControlChar(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `text` with every control character replaced by its JSON escape. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeControlChar);
}
