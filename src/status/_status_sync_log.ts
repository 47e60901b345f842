/**
 * How the API status sync logs its failures without flooding the log: each
 * kind (an operation with one answer code, or the API server unreachable) is
 * warned about at most once a minute, naming the pod and the request; the
 * lines held back meanwhile go to `--v=4`, and the next shown line of the
 * kind says how many were held back. A 401 or 403 says the server refused.
 *
 * @module
 */

import { ApiStatusError } from "../client/api_error.ts";
import { errText } from "../util/err_text.ts";
import { LogThrottle } from "../util/log_throttle.ts";
import type { LogFields, Logger } from "../util/logger.ts";

/** Warnings throttled to one a minute per kind. */
export class StatusSyncLog {
  readonly logger: Logger;
  #throttle = new LogThrottle({ burst: 1, windowMs: 60_000, maxKeys: 64 });

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** A failed request about `pod` (namespace/name); the error's text names the request. */
  failed(message: string, pod: string, err: unknown, now: number): void {
    const kind = err instanceof ApiStatusError ? `${err.code} ${err.reason}` : "unreachable";
    const refused = err instanceof ApiStatusError && (err.code === 401 || err.code === 403);
    this.warn(
      `${message}:${kind}`,
      refused
        ? `${message}: the API server refused it (check the node's credentials and RBAC)`
        : message,
      { pod, err: errText(err) },
      now,
    );
  }

  /** A warning of `kind` at `now`: shown if none of that kind was shown in the last minute. */
  warn(kind: string, message: string, fields: LogFields, now: number): void {
    const d = this.#throttle.admit(kind, now);
    if (!d.show) {
      this.logger.debug(4, message, fields);
      return;
    }
    this.logger.warn(message, d.demotedBefore ? { ...fields, heldBack: d.demotedBefore } : fields);
  }
}
