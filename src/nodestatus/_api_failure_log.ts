/**
 * One log line per kind of API failure per minute, for the node's loops
 * (registration, node status, lease) that retry every few seconds while the
 * API server is down or refuses them: the first failure of a kind (what was
 * tried, and the HTTP code or "unreachable") is logged as an error, the
 * repeats within the minute at `--v=4`, and the next shown line says how
 * many were held back. A 401 or 403 says which identity the server refused.
 *
 * @module
 */

import { ApiStatusError, isForbidden, isUnauthorized } from "../client/mod.ts";
import { errText } from "../util/err_text.ts";
import { LogThrottle } from "../util/log_throttle.ts";
import type { LogFields, Logger } from "../util/logger.ts";

/** The window in which one failure of a kind is logged. */
export const FAILURE_LOG_WINDOW_MS = 60_000;

/** Logs API failures, at most once a minute per kind. */
export class ApiFailureLog {
  #logger: Logger;
  #identity: string;
  #throttle = new LogThrottle({ burst: 1, windowMs: FAILURE_LOG_WINDOW_MS });

  /** @param identity who the agent is to the API server (`system:node:<name>`) */
  constructor(logger: Logger, identity: string) {
    this.#logger = logger;
    this.#identity = identity;
  }

  /** Logs `message` with the error, unless the same kind was logged less than a minute ago. */
  failed(message: string, err: unknown, now: number, fields: LogFields = {}): void {
    const code = err instanceof ApiStatusError ? String(err.code) : "unreachable";
    const decision = this.#throttle.admit(`${message}\u0000${code}`, now);
    const all: LogFields = { ...fields, err: errText(err) };
    if (isUnauthorized(err) || isForbidden(err)) {
      all.identity = this.#identity;
      all.request = err.request;
    }
    if (!decision.show) {
      this.#logger.debug(4, message, all);
      return;
    }
    if (decision.demotedBefore > 0) all.repeated = decision.demotedBefore;
    this.#logger.error(message, all);
  }
}
