/**
 * Decoding a watch response: the API server streams one JSON `WatchEvent`
 * (`{"type": ..., "object": ...}`) per line, in chunks that may split a line
 * anywhere. Types are ADDED, MODIFIED, DELETED, BOOKMARK (only
 * `metadata.resourceVersion` set) and ERROR, whose object is a `Status` (a
 * watch from a too-old resourceVersion answers 200 with one ERROR of code 410,
 * reason Expired, then ends).
 *
 * @module
 */

import { ApiStatusError, type Status, watchEventError } from "./api_error.ts";

/** Event types of a watch. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** One watch event; an ERROR carries its Status and the matching error. */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T }
  | { type: "ERROR"; object: Status; error: ApiStatusError };

const TYPES: ReadonlySet<string> = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

/** A line longer than this is refused (a runaway stream, not a pod). */
export const MAX_WATCH_LINE = 16 * 1024 * 1024;

/**
 * Decodes one line of a watch stream.
 *
 * @throws {TypeError} naming `request` when the line is not a watch event.
 */
export function decodeWatchLine<T>(line: string, request: string): WatchEvent<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    throw new TypeError(`${request}: watch event is not JSON: ${(e as Error).message}`);
  }
  const ev = parsed as { type?: unknown; object?: unknown };
  if (typeof ev !== "object" || ev === null || typeof ev.type !== "string" || !TYPES.has(ev.type)) {
    throw new TypeError(`${request}: not a watch event: ${line.slice(0, 100)}`);
  }
  if (typeof ev.object !== "object" || ev.object === null) {
    throw new TypeError(`${request}: ${ev.type} watch event has no object`);
  }
  if (ev.type === "ERROR") {
    return {
      type: "ERROR",
      object: ev.object as Status,
      error: watchEventError(request, ev.object),
    };
  }
  return { type: ev.type as "ADDED", object: ev.object as T };
}

/**
 * The events of a watch response body, in order, until the server ends the
 * stream. Breaking out of the loop (or an error) cancels the body; so does
 * `signal` aborting, which rejects the pending read with its reason. (fetch's
 * own abort does not reliably end a body in Deno 2.9.6 once its internal
 * request signal was garbage-collected: a watch would then outlive the agent's
 * stop by up to its timeout.)
 *
 * @throws {TypeError} naming `request` for a line that is not a watch event,
 * or one longer than {@linkcode MAX_WATCH_LINE}.
 */
export async function* decodeWatchStream<T>(
  body: ReadableStream<Uint8Array>,
  request: string,
  signal?: AbortSignal,
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let buffer = "";
  let done = false;
  try {
    signal?.throwIfAborted();
    while (true) {
      const chunk = await reader.read();
      signal?.throwIfAborted();
      if (chunk.done) break;
      buffer += chunk.value;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== "") yield decodeWatchLine<T>(line, request);
      }
      if (buffer.length > MAX_WATCH_LINE) {
        throw new TypeError(`${request}: watch event longer than ${MAX_WATCH_LINE} bytes`);
      }
    }
    done = true;
    const rest = buffer.trim();
    if (rest !== "") yield decodeWatchLine<T>(rest, request);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
