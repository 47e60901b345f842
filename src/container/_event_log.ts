/**
 * How the event recorder logs events, as the kubelet does: every event at
 * `--v=3`; Warning events also at `--v=0`, but per object and reason only
 * the first `burst` in each window (the others at `--v=3`), the first shown
 * one of the next window saying how many were held back.
 *
 * @module
 */

import type { Logger } from "../util/logger.ts";
import { LogThrottle } from "../util/log_throttle.ts";
import type { RecordedEvent } from "./events.ts";

/** The `--v` at which the kubelet logs every event. */
export const EVENT_LOG_VERBOSITY = 3;

/** Logs events through a logger, throttling Warning lines at `--v=0`. */
export class EventLog {
  #logger: Logger;
  #throttle: LogThrottle;

  constructor(logger: Logger, throttle: { burst: number; windowMs: number }) {
    this.#logger = logger;
    this.#throttle = new LogThrottle(throttle);
  }

  /** Logs one recorded (possibly aggregated) event. */
  log(ev: RecordedEvent): void {
    const o = ev.involvedObject;
    const fields: Record<string, unknown> = {
      object: o.namespace ? `${o.namespace}/${o.name}` : o.name,
      kind: o.kind,
      type: ev.type,
      reason: ev.reason,
      message: ev.message,
    };
    if (o.fieldPath) fields.fieldPath = o.fieldPath;
    if (ev.count > 1) fields.count = ev.count;
    if (ev.type !== "Warning") {
      this.#logger.debug(EVENT_LOG_VERBOSITY, "Event occurred", fields);
      return;
    }
    // Similar = same object and reason, like the kubelet's aggregator (which
    // leaves the message and the container's field path out of the key).
    const key = JSON.stringify([o.kind, o.namespace, o.name, o.uid, ev.reason]);
    const decision = this.#throttle.admit(key, ev.lastTimestamp);
    if (!decision.show) {
      this.#logger.debug(EVENT_LOG_VERBOSITY, "Event occurred", fields);
      return;
    }
    if (decision.demotedBefore > 0) fields.heldBack = decision.demotedBefore;
    if (decision.lastInWindow) {
      fields.aggregated = `more ${ev.reason} warnings about this ${o.kind} in the next ${
        this.#throttle.windowMs / 60_000
      }m are logged at --v=${EVENT_LOG_VERBOSITY}`;
    }
    this.#logger.warn("Event occurred", fields);
  }
}
