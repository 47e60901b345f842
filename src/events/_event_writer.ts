/**
 * One attempt at writing an event to the API server: a POST of a new Event
 * or a merge PATCH of a repeat's count, chosen by what the API server is
 * known to hold, switching once on a 404 (PATCH → POST: the Event expired)
 * or a 409 AlreadyExists (POST → PATCH: an earlier POST got through), as
 * client-go's `recordEvent` does. Each request waits for the rate limiter.
 *
 * @module
 */

import {
  type ApiClient,
  ApiStatusError,
  isAlreadyExists,
  isNotFound,
  isTooManyRequests,
  type RateLimiter,
} from "../client/mod.ts";
import type { RecordedEvent } from "../container/events.ts";
import type { LogFields } from "../util/logger.ts";
import { LruMap } from "./_lru.ts";
import { eventNamespace, repeatPatch, toV1Event } from "./v1_event.ts";

/** What the sink needs of the API client. */
export type EventClient = Pick<ApiClient, "create" | "patch">;

/**
 * Whether a failed request is worth another attempt: a network error, a 5xx
 * or a 429 is; another answer is not, nor a request that cannot be made (a
 * TypeError or RangeError: it would be made the same way next time).
 */
export function retriable(e: unknown): boolean {
  if (e instanceof ApiStatusError) return e.code >= 500 || isTooManyRequests(e);
  return !(e instanceof TypeError || e instanceof RangeError);
}

/** How long the server asked to wait (`Retry-After`), in ms, if it did. */
export function retryAfterMs(e: unknown): number | undefined {
  return e instanceof ApiStatusError && e.retryAfterSeconds !== undefined
    ? e.retryAfterSeconds * 1000
    : undefined;
}

/** The log fields naming an event: its object, kind, reason and name. */
export function eventFields(ev: RecordedEvent): LogFields {
  const o = ev.involvedObject;
  return {
    object: o.namespace ? `${o.namespace}/${o.name}` : o.name,
    kind: o.kind,
    reason: ev.reason,
    event: ev.name,
  };
}

/** `p`, or the signal's reason when it aborts first (a hung request must not hold a stop). */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  p.catch(() => {}); // answered after the abort: nobody waits for it
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Writes events, remembering which ones the API server holds. */
export class EventWriter {
  posted = 0;
  patched = 0;
  #client: EventClient;
  #limiter: RateLimiter;
  #host?: string;
  /** By event name: created by us, or known to be absent (client-go's eventLogger cache size). */
  #known = new LruMap<string, "created" | "absent">(4096);

  constructor(client: EventClient, limiter: RateLimiter, host?: string) {
    this.#client = client;
    this.#limiter = limiter;
    this.#host = host;
  }

  /** Notes a first occurrence: the API server does not have it yet. */
  seen(ev: RecordedEvent): void {
    if (ev.count === 1 && this.#known.get(ev.name) === undefined) {
      this.#known.set(ev.name, "absent");
    }
  }

  /**
   * One attempt; returns the failure, or undefined when the event got
   * through. Rejects only with the signal's reason when it aborts.
   */
  async write(ev: RecordedEvent, signal?: AbortSignal): Promise<unknown> {
    const known = this.#known.get(ev.name);
    let op: "create" | "patch" = known === "created" || (known === undefined && ev.count > 1)
      ? "patch"
      : "create";
    for (let switched = false;; switched = true) {
      try {
        await this.#limiter.wait(signal);
        await abortable(this.#send(op, ev, signal), signal);
        this.#known.set(ev.name, "created");
        if (op === "create") this.posted++;
        else this.patched++;
        return undefined;
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (!switched && op === "patch" && isNotFound(e)) {
          this.#known.set(ev.name, "absent");
          op = "create";
        } else if (!switched && op === "create" && isAlreadyExists(e)) {
          this.#known.set(ev.name, "created");
          op = "patch";
        } else {
          return e;
        }
      }
    }
  }

  #send(op: "create" | "patch", ev: RecordedEvent, signal?: AbortSignal): Promise<unknown> {
    const namespace = eventNamespace(ev.involvedObject);
    return op === "create"
      ? this.#client.create({ resource: "events", namespace }, toV1Event(ev, this.#host), {
        signal,
      })
      : this.#client.patch(
        { resource: "events", namespace, name: ev.name },
        repeatPatch(ev),
        "merge",
        { signal },
      );
  }
}
