/**
 * Events to the API server, as the kubelet's event broadcaster sends them
 * (client-go's tools/record `StartRecordingToSink` with its
 * `EventCorrelator`): each event the agent's {@linkcode EventRecorder}
 * records becomes a core/v1 Event in its object's namespace (`default` for
 * the node); the first occurrence is POSTed, a repeat (the recorder's
 * aggregated event, count > 1) is a merge PATCH of `count`, `lastTimestamp`
 * and `message` on the same Event. A PATCH answered 404 (the API server
 * dropped the event after its 1 h TTL) is POSTed again as new; a POST
 * answered 409 AlreadyExists (a retry of a POST that got through) is a PATCH.
 *
 * Limits, so a crash loop or an outage cannot flood the API server nor grow
 * the agent's memory:
 * - the spam filter ({@linkcode EventSpamFilter}): per source and object 25
 *   events, then one per 5 minutes; the others are dropped (at `--v=4`);
 * - `eventRecordQPS` / `eventBurst` (50 / 100): a token bucket on the
 *   injected clock before each request; a qps of 0 means no limit, as the
 *   KubeletConfiguration documents it;
 * - at most `maxPending` (1000, client-go's `maxQueuedEvents`) events wait;
 *   beyond that the newest is dropped. A repeat of an event that still waits
 *   only updates it (one request carries the latest count);
 * - a network error, a 5xx or a 429 (after its Retry-After) is retried
 *   `retryDelayMs` apart (10 s, the first wait randomized) up to `maxTries`
 *   attempts (12), as client-go does, then dropped; another 4xx, or a
 *   request that cannot be made, is dropped at once. The event in front is
 *   retried before the next is sent (client-go's one sending goroutine).
 *
 * Each kind of failure is logged at most once a minute (a 401/403 only at
 * `--v=4`: the API client logs refusals, naming the identity). Nothing here throws
 * into the recorder or blocks it: the listener ({@linkcode
 * ApiEventSink.enqueue}) only queues; {@linkcode ApiEventSink.run} sends,
 * one request at a time, through the step {@linkcode ApiEventSink.sendNext}
 * (tests call {@linkcode ApiEventSink.drain}). The recorder still logs
 * every event as before; this only adds the API side.
 *
 * @module
 */

import type { EventRecorder, RecordedEvent } from "../container/events.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { LoopWaker, runEvery } from "../util/run_every.ts";
import { ThrottledLog } from "../client/throttled_log.ts";
import {
  type EventClient,
  eventFields,
  EventWriter,
  retriable,
  retryAfterMs,
} from "./_event_writer.ts";
import { eventRateLimiter } from "./event_rate_limiter.ts";
import { EventSpamFilter, type EventSpamFilterOptions } from "./spam_filter.ts";

export type { EventClient };

/** Options of {@linkcode ApiEventSink}. */
export interface ApiEventSinkOptions {
  /** Give it a client without its own limit (`rateLimiter: UNLIMITED`): the sink applies `qps`. */
  client: EventClient;
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** `eventRecordQPS`: requests per second; 0 means no limit. @default 50 */
  qps?: number;
  /** `eventBurst`; 0 means client-go's default 10. @default 100 */
  burst?: number;
  /** The per-object spam filter. @default { burst: 25, refillEveryMs: 300_000 } */
  spam?: EventSpamFilterOptions;
  /** Events waiting to be sent; beyond this the newest is dropped. @default 1000 */
  maxPending?: number;
  /** Attempts per event on network errors, 5xx and 429. @default 12 */
  maxTries?: number;
  /** Wait between attempts; the first is this times `random()`. @default 10_000 */
  retryDelayMs?: number;
  /** @default Math.random */
  random?: () => number;
  /** The node name, for events recorded without a source host. @default undefined */
  host?: string;
}

/** What one {@linkcode ApiEventSink.sendNext} did. */
export type SendOutcome = "idle" | "waiting" | "sent" | "retry" | "dropped";

/** Dropped events, by why. */
export interface EventDrops {
  /** Over the per-object budget of the spam filter. */
  spam: number;
  /** The queue was full. */
  queueFull: number;
  /** Refused by the API server (4xx other than 404, 409 AlreadyExists, 429). */
  rejected: number;
  /** Network errors, 5xx or 429 on every attempt. */
  retriesExhausted: number;
}

interface Pending {
  /** A copy: the recorder updates its own object in place. */
  event: RecordedEvent;
  tries: number;
  retryAt: number;
}

/** Sends recorded events to the API server as core/v1 Events. */
export class ApiEventSink {
  #clock: Clock;
  #logger: Logger;
  #log: ThrottledLog;
  #writer: EventWriter;
  #spam: EventSpamFilter;
  #maxPending: number;
  #maxTries: number;
  #retryDelayMs: number;
  #random: () => number;
  /** Waiting events by name, oldest first. */
  #queue = new Map<string, Pending>();
  /** The event being sent or waiting for its next attempt. */
  #current?: Pending;
  #waker = new LoopWaker();
  #drops: EventDrops = { spam: 0, queueFull: 0, rejected: 0, retriesExhausted: 0 };

  /** @throws {RangeError} for a negative qps or burst, or a bad spam filter, queue or retry setting. */
  constructor(options: ApiEventSinkOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#log = new ThrottledLog(this.#logger);
    this.#writer = new EventWriter(
      options.client,
      eventRateLimiter(options.qps ?? 50, options.burst ?? 100, options.clock),
      options.host,
    );
    this.#spam = new EventSpamFilter(options.spam);
    this.#maxPending = options.maxPending ?? 1000;
    this.#maxTries = options.maxTries ?? 12;
    this.#retryDelayMs = options.retryDelayMs ?? 10_000;
    this.#random = options.random ?? Math.random;
    const counts = { maxPending: this.#maxPending, maxTries: this.#maxTries };
    for (const [name, n] of Object.entries(counts)) {
      if (!Number.isInteger(n) || n < 1) {
        throw new RangeError(
          `Cannot make the API event sink: ${name} ${n} must be an integer >= 1`,
        );
      }
    }
    if (!(this.#retryDelayMs >= 0)) {
      throw new RangeError(
        `Cannot make the API event sink: retryDelayMs ${this.#retryDelayMs} must be >= 0`,
      );
    }
  }

  /** Sends the recorder's events from now on; returns the function that stops it. */
  attach(recorder: Pick<EventRecorder, "watch">): () => void {
    return recorder.watch((ev) => this.enqueue(ev));
  }

  /**
   * Queues one recorded (or re-aggregated) event, if the spam filter and the
   * queue bound let it. Never throws and never waits.
   */
  enqueue(ev: RecordedEvent): void {
    try {
      const now = this.#clock.now();
      this.#writer.seen(ev);
      if (!this.#spam.admit(ev, now)) {
        this.#drops.spam++;
        this.#log.debug("Event dropped by the spam filter", {
          ...eventFields(ev),
          count: ev.count,
        });
        return;
      }
      const event = { ...ev, involvedObject: { ...ev.involvedObject }, source: { ...ev.source } };
      const queued = this.#queue.get(ev.name);
      if (queued) {
        queued.event = event;
      } else if (this.#queue.size >= this.#maxPending) {
        this.#drops.queueFull++;
        this.#log.warn("queue-full", now, "Too many queued events, dropped the newest", {
          ...eventFields(ev),
          pending: this.#queue.size,
        });
        return;
      } else {
        this.#queue.set(ev.name, { event, tries: 0, retryAt: 0 });
      }
      this.#waker.wake();
    } catch (e) {
      this.#logger.error("Cannot queue an event for the API server", { error: errText(e) });
    }
  }

  /**
   * Makes one attempt at the event in front: `idle` when none waits,
   * `waiting` when it waits for its next attempt, else what became of it.
   * Rejects only with the signal's reason when it aborts.
   */
  async sendNext(signal?: AbortSignal): Promise<SendOutcome> {
    signal?.throwIfAborted();
    let item = this.#current;
    if (item) {
      const newer = this.#queue.get(item.event.name);
      if (newer) {
        this.#queue.delete(item.event.name);
        item = this.#current = { ...newer, tries: item.tries, retryAt: item.retryAt };
      }
      if (item.retryAt > this.#clock.now()) return "waiting";
    } else {
      const first = this.#queue.values().next();
      if (first.done) return "idle";
      item = this.#current = first.value;
      this.#queue.delete(item.event.name);
    }
    const error = await this.#writer.write(item.event, signal);
    if (error === undefined) {
      this.#current = undefined;
      return "sent";
    }
    const ev = item.event;
    const now = this.#clock.now();
    const fields = { ...eventFields(ev), error: errText(error) };
    if (!retriable(error)) {
      this.#current = undefined;
      this.#drops.rejected++;
      this.#log.apiWarn("rejected", now, "Server rejected event (will not retry)", error, fields);
      return "dropped";
    }
    item.tries++;
    if (item.tries >= this.#maxTries) {
      this.#current = undefined;
      this.#drops.retriesExhausted++;
      this.#log.warn("exhausted", now, "Unable to write event (retry limit exceeded)", {
        ...fields,
        tries: item.tries,
      });
      return "dropped";
    }
    let delay = item.tries === 1 ? this.#retryDelayMs * this.#random() : this.#retryDelayMs;
    delay = Math.max(delay, retryAfterMs(error) ?? 0);
    item.retryAt = now + delay;
    this.#log.warn("unreachable", now, "Unable to write event (may retry after sleeping)", {
      ...fields,
      tries: item.tries,
      retryInMs: Math.round(delay),
    });
    return "retry";
  }

  /**
   * Sends every event that may go now; resolves with `idle` (nothing left)
   * or `waiting` (the front one waits for its next attempt), or when the
   * signal aborts.
   */
  async drain(signal?: AbortSignal): Promise<"idle" | "waiting"> {
    for (;;) {
      let outcome: SendOutcome;
      try {
        outcome = await this.sendNext(signal);
      } catch (e) {
        if (!signal?.aborted) throw e;
        return this.#current || this.#queue.size > 0 ? "waiting" : "idle";
      }
      if (outcome === "idle" || outcome === "waiting") return outcome;
    }
  }

  /** Sends queued events until `signal` aborts; resolves then. */
  run(signal: AbortSignal): Promise<void> {
    return runEvery(() => this.drain(signal), {
      clock: this.#clock,
      signal,
      waker: this.#waker,
      periodMs: () => {
        if (this.#current) return Math.max(0, this.#current.retryAt - this.#clock.now());
        return this.#queue.size > 0 ? 0 : Infinity;
      },
      onError: (e) => this.#logger.error("The event sender failed", { error: errText(e) }),
    });
  }

  /** Events created in the API (POST). */
  get posted(): number {
    return this.#writer.posted;
  }

  /** Repeats counted in the API (PATCH). */
  get patched(): number {
    return this.#writer.patched;
  }

  /** Events dropped for any reason (see {@linkcode ApiEventSink.drops}). */
  get dropped(): number {
    const d = this.#drops;
    return d.spam + d.queueFull + d.rejected + d.retriesExhausted;
  }

  /** Dropped events by why. */
  get drops(): EventDrops {
    return { ...this.#drops };
  }

  /** Events waiting to be sent (the one being sent included). */
  get pending(): number {
    return this.#queue.size + (this.#current ? 1 : 0);
  }
}
