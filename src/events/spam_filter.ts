/**
 * The kubelet's event spam filter (client-go's `EventSourceObjectSpamFilter`
 * in tools/record/events_cache.go): a token bucket per source and involved
 * object, so that one object that is always unhealthy cannot flood the API
 * server with events. The bucket holds `burst` events (25) and gains one
 * every `refillEveryMs` (5 minutes); an event that finds it empty is
 * dropped. A crash-looping pod so posts at most 25 events, then 12 an hour.
 *
 * The key is the source (component, host) and the object's kind, namespace,
 * name, uid and apiVersion: not the reason, the message nor the container's
 * field path, so all events about one pod share one budget. Every occurrence
 * counts, a repeat of an aggregated event too (client-go filters after
 * counting). At most `maxObjects` buckets are kept (4096, client-go's LRU
 * size); the least recently used is forgotten first, and a forgotten object
 * starts again with a full bucket.
 *
 * Decisions take the time as an argument, so the policy is pure.
 *
 * @module
 */

import type { RecordedEvent } from "../container/events.ts";
import { TokenBucket } from "../client/token_bucket.ts";
import type { Clock } from "../util/clock.ts";
import { LruMap } from "./_lru.ts";

/** Options of {@linkcode EventSpamFilter}. */
export interface EventSpamFilterOptions {
  /** Events per object before the refill rate applies. @default 25 */
  burst?: number;
  /** One more event is allowed per this many ms. @default 300_000 (5 minutes) */
  refillEveryMs?: number;
  /** Objects with a bucket; the least recently used is forgotten first. @default 4096 */
  maxObjects?: number;
}

/** Tokens are fractions; this much short of one still counts as one (float rounding). */
const EPSILON = 1e-9;

/**
 * A clock stopped at `now`, for a bucket that is only asked with explicit
 * times (`tokensAt(now)`, `reserve(now)`), never waited on.
 */
function stoppedAt(now: number): Clock {
  const never = (): never => {
    throw new TypeError("An event spam bucket is never waited on");
  };
  return { now: () => now, sleep: never, after: never };
}

/** The spam key of an event: source + involved object, without reason and message. */
export function spamKey(ev: Pick<RecordedEvent, "source" | "involvedObject">): string {
  const o = ev.involvedObject;
  return JSON.stringify([
    ev.source.component,
    ev.source.host ?? "",
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion ?? "",
  ]);
}

/** Per source+object token buckets deciding which events may go to the API server. */
export class EventSpamFilter {
  readonly burst: number;
  readonly refillEveryMs: number;
  #buckets: LruMap<string, TokenBucket>;

  /** @throws {RangeError} when `burst` or `maxObjects` is not a positive integer or `refillEveryMs` is not positive. */
  constructor(options: EventSpamFilterOptions = {}) {
    this.burst = options.burst ?? 25;
    this.refillEveryMs = options.refillEveryMs ?? 300_000;
    if (!(this.refillEveryMs > 0) || !Number.isFinite(this.refillEveryMs)) {
      throw new RangeError(
        `Cannot make an event spam filter: refillEveryMs ${this.refillEveryMs} must be positive`,
      );
    }
    if (!Number.isInteger(this.burst) || this.burst < 1) {
      throw new RangeError(
        `Cannot make an event spam filter: burst ${this.burst} must be a positive integer`,
      );
    }
    this.#buckets = new LruMap(options.maxObjects ?? 4096);
  }

  /** Whether the event at `now` fits its object's budget (and, if so, takes one token of it). */
  admit(ev: Pick<RecordedEvent, "source" | "involvedObject">, now: number): boolean {
    const key = spamKey(ev);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({
        qps: 1000 / this.refillEveryMs,
        burst: this.burst,
        clock: stoppedAt(now),
      });
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokensAt(now) < 1 - EPSILON) return false;
    bucket.reserve(now);
    return true;
  }

  /** Number of objects with a bucket. */
  get size(): number {
    return this.#buckets.size;
  }
}
