/**
 * Reading one watch of the API-server pod source until it ends: each ADDED,
 * MODIFIED, DELETED or BOOKMARK event goes to `onEvent`; the first ERROR event
 * or stream failure ends the read with its error; the abort ends it quietly.
 * The response body is released in every case.
 *
 * @module
 */

import type { ApiStatusError } from "./api_error.ts";
import type { WatchEvent } from "./watch_stream.ts";

/** A watch event other than ERROR. */
export type ObjectEvent<T> = Exclude<WatchEvent<T>, { type: "ERROR" }>;

/** How a watch ended, with the number of events it delivered. */
export type WatchEnd =
  | { kind: "ended"; events: number }
  | { kind: "error-event"; error: ApiStatusError; events: number }
  | { kind: "failed"; error: unknown; events: number }
  | { kind: "aborted"; events: number };

/** Reads `stream` until it ends, an ERROR event or a failure, or `signal` aborts. */
export async function readWatch<T>(
  stream: AsyncGenerator<WatchEvent<T>, void, undefined>,
  onEvent: (ev: ObjectEvent<T>) => void,
  signal: AbortSignal,
): Promise<WatchEnd> {
  let events = 0;
  try {
    while (true) {
      let r: IteratorResult<WatchEvent<T>, void>;
      try {
        r = await stream.next();
      } catch (error) {
        return signal.aborted ? { kind: "aborted", events } : { kind: "failed", error, events };
      }
      if (signal.aborted) return { kind: "aborted", events };
      if (r.done) return { kind: "ended", events };
      const ev = r.value;
      if (ev.type === "ERROR") return { kind: "error-event", error: ev.error, events };
      events++;
      onEvent(ev);
    }
  } finally {
    // Cancels the body (the server sees the watch closed) unless it has ended.
    await stream.return(undefined).catch(() => {});
  }
}

/** client-go's minWatchTimeout: watches ask the server to end them after 5 to 10 minutes. */
export const MIN_WATCH_TIMEOUT_SECONDS = 300;
/** A watch that ends sooner than this with no event counts as a failure (client-go). */
export const SHORT_WATCH_MS = 1_000;
