/**
 * Events to the API server: {@linkcode ApiEventSink} posts what the agent's
 * EventRecorder records as core/v1 Events (count PATCHes for repeats), with
 * the kubelet's per-object spam filter ({@linkcode EventSpamFilter}) and
 * `eventRecordQPS` / `eventBurst`.
 *
 * ```ts
 * const client = createApiClient(kc, { clock, rateLimiter: UNLIMITED });
 * const sink = new ApiEventSink({ client, clock, logger, qps: 50, burst: 100, host: nodeName });
 * const detach = sink.attach(recorder);
 * sink.run(signal); // until SIGTERM
 * ```
 *
 * @module
 */

export {
  ApiEventSink,
  type ApiEventSinkOptions,
  type EventClient,
  type EventDrops,
  type SendOutcome,
} from "./api_event_sink.ts";
export { eventRateLimiter } from "./event_rate_limiter.ts";
export { EventSpamFilter, type EventSpamFilterOptions, spamKey } from "./spam_filter.ts";
export {
  eventNamespace,
  objectReference,
  repeatPatch,
  rfc3339Seconds,
  toV1Event,
} from "./v1_event.ts";
/** The `--v` of the sink's held-back failures and of each event the spam filter drops. */
export { HELD_BACK_VERBOSITY as SINK_DEBUG_VERBOSITY } from "../client/throttled_log.ts";
