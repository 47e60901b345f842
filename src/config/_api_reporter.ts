/**
 * The log lines of the API-server pod source: a failed request at warn (a
 * 401/403 as "The API server refused <request>"), a skipped object, the first
 * list and the recovery after failures at info. Identical lines (same request
 * and same kind of failure, or same skipped object and problem) are shown at
 * most once a minute; the repeats go to `--v=4`, and the next shown line says
 * how many there were.
 *
 * @module
 */

import { ApiStatusError, isForbidden, isUnauthorized } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { LogThrottle } from "../util/log_throttle.ts";
import type { LogFields, Logger } from "../util/logger.ts";

/** Identical warnings are shown once in this window. */
export const REPEAT_WINDOW_MS = 60_000;

/** Logs for {@linkcode ApiPodSource}. */
export class ApiSourceReporter {
  /** Failed requests in a row since the last success. */
  failures = 0;
  #logger: Logger;
  #clock: Clock;
  #identity: string | undefined;
  #throttle = new LogThrottle({ burst: 1, windowMs: REPEAT_WINDOW_MS });

  constructor(logger: Logger, clock: Clock, identity?: string) {
    this.#logger = logger;
    this.#clock = clock;
    this.#identity = identity;
  }

  /** A list or watch request failed; the source retries in `retryInMs`. */
  failed(request: string, err: unknown, retryInMs: number): void {
    this.failures++;
    const status = err instanceof ApiStatusError ? `${err.code} ${err.reason}` : undefined;
    // The kind of failure, without the query (resourceVersion, timeoutSeconds change).
    const kind = status ?? errText(err).replace(/\?[^\s:]*/g, "");
    const refused = isUnauthorized(err) || isForbidden(err);
    const message = refused
      ? `The API server refused ${request}${this.#identity ? ` for ${this.#identity}` : ""}`
      : `Pod source api: ${request} failed`;
    this.#warn(`failed|${request}|${kind}`, message, {
      ...(status ? { status } : {}),
      err: errText(err),
      retryInMs: Math.round(retryInMs),
      failures: this.failures,
    });
  }

  /** A request succeeded: after failures, say so once. */
  succeeded(request: string): void {
    if (this.failures === 0) return;
    this.#logger.info("Pod source api: the API server answers again", {
      request,
      failuresBefore: this.failures,
    });
    this.failures = 0;
  }

  /** An object of a list or a watch event was left out. */
  skipped(what: string, problem: string, where: { uid?: string; pod?: string }): void {
    this.#warn(
      `skipped|${what}|${problem}|${where.uid ?? ""}|${where.pod ?? ""}`,
      `Pod source api skipped ${what}: ${problem}`,
      { ...where },
    );
  }

  /** The first list landed. */
  ready(pods: number, mirrorPods: number, resourceVersion: string): void {
    this.#logger.info("Pod source api ready", { pods, mirrorPods, resourceVersion });
  }

  /** A detail at `--v=level`. */
  debug(level: number, message: string, fields?: LogFields): void {
    this.#logger.debug(level, message, fields);
  }

  #warn(key: string, message: string, fields: LogFields): void {
    const d = this.#throttle.admit(key, this.#clock.now());
    if (!d.show) {
      this.#logger.debug(4, message, fields);
      return;
    }
    this.#logger.warn(
      message,
      d.demotedBefore ? { ...fields, repeatsNotShown: d.demotedBefore } : fields,
    );
  }
}
