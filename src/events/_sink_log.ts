/**
 * How the API event sink logs its failures without flooding the log: each
 * kind of failure (the API unreachable, a rejection with one code and
 * reason, the retry limit, a full queue) is logged at most once a minute;
 * the lines held back meanwhile go to `--v=4`, and the next shown line of
 * the kind says how many were held back.
 *
 * @module
 */

import type { RecordedEvent } from "../container/events.ts";
import type { LogFields, Logger } from "../util/logger.ts";
import { LogThrottle } from "../util/log_throttle.ts";

/** The `--v` of the lines held back, and of each event the spam filter drops. */
export const SINK_DEBUG_VERBOSITY = 4;

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

/** Warnings throttled to one a minute per kind. */
export class SinkLog {
  #logger: Logger;
  #throttle = new LogThrottle({ burst: 1, windowMs: 60_000, maxKeys: 64 });

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** A warning of `kind` at `now`: shown if none of that kind was shown in the last minute. */
  warn(kind: string, now: number, message: string, fields: LogFields): void {
    const decision = this.#throttle.admit(kind, now);
    if (!decision.show) {
      this.#logger.debug(SINK_DEBUG_VERBOSITY, message, fields);
      return;
    }
    const shown = decision.demotedBefore > 0
      ? { ...fields, heldBack: decision.demotedBefore }
      : fields;
    this.#logger.warn(message, shown);
  }

  /** A line at `--v=4` only. */
  debug(message: string, fields: LogFields): void {
    this.#logger.debug(SINK_DEBUG_VERBOSITY, message, fields);
  }

  /** A line that is never throttled (a bug: it should not happen). */
  error(message: string, fields: LogFields): void {
    this.#logger.error(message, fields);
  }
}
