/**
 * The log lines of the API-server pod source: a failed request at warn, a
 * skipped object, the first list and the recovery after failures at info.
 * Identical lines (same request and same kind of failure, or same skipped
 * object and problem) are shown at most once a minute; the repeats go to
 * `--v=4`, and the next shown line says how many were held back. A 401/403
 * is only at `--v=4`: the API client logs it, naming the agent's identity.
 *
 * @module
 */

import { ApiStatusError } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import type { LogFields, Logger } from "../util/logger.ts";
import { ThrottledLog } from "../client/throttled_log.ts";

/** Logs for {@linkcode ApiPodSource}. */
export class ApiSourceReporter {
  /** Failed requests in a row since the last success. */
  failures = 0;
  #logger: Logger;
  #clock: Clock;
  #log: ThrottledLog;

  constructor(logger: Logger, clock: Clock) {
    this.#logger = logger;
    this.#clock = clock;
    this.#log = new ThrottledLog(logger);
  }

  /** A list or watch request failed; the source retries in `retryInMs`. */
  failed(request: string, err: unknown, retryInMs: number): void {
    this.failures++;
    const message = `Pod source api: ${request} failed`;
    this.#log.apiWarn(message, this.#clock.now(), message, err, {
      ...(err instanceof ApiStatusError ? { status: `${err.code} ${err.reason}` } : {}),
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
    this.#log.warn(
      `skipped|${what}|${problem}|${where.uid ?? ""}|${where.pod ?? ""}`,
      this.#clock.now(),
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
}
