/**
 * The one way the agent turns a thrown value into text for a message, an
 * event or a result: an Error's message, anything else as `String(value)`.
 *
 * @module
 */

/** The message of any thrown value: `error.message` for an Error, else `String(error)`. */
export function errText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
