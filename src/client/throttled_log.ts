/**
 * The one log for failures that repeat while something stays broken (the API
 * server down or refusing the node, a full queue), for the loops that retry
 * every few seconds: per kind, the first line of each minute is shown at its
 * level, the repeats within the minute go to `--v=4`, and the next shown line
 * of the kind carries `heldBack`, how many were held back before it.
 *
 * {@linkcode ThrottledLog.apiWarn} and {@linkcode ThrottledLog.apiError} are
 * for a failed API request: the kind is the caller's plus the error's
 * ({@linkcode apiFailureKind}: `500 InternalError`, or `unreachable`), and a
 * 401 or 403 goes to `--v=4` only, because the API client's `onRefused` hook
 * (src/client/refusal_log.ts) has already logged it once a minute, naming
 * the request, the server's message and the agent's identity: one line per
 * refusal, not two.
 *
 * Like every policy here the decision takes the time as an argument.
 *
 * @module
 */

import { ApiStatusError } from "./api_error.ts";
import { LogThrottle } from "../util/log_throttle.ts";
import type { LogFields, Logger } from "../util/logger.ts";

/** The window in which one line of a kind is shown, in ms. */
export const THROTTLED_LOG_WINDOW_MS = 60_000;

/** The `--v` of the lines held back (and of {@linkcode ThrottledLog.debug}). */
export const HELD_BACK_VERBOSITY = 4;

/** Options of {@linkcode ThrottledLog}. */
export interface ThrottledLogOptions {
  /** The window, in ms. @default THROTTLED_LOG_WINDOW_MS */
  windowMs?: number;
  /** Kinds remembered before the expired ones are dropped. @default 4096 */
  maxKinds?: number;
}

/** The kind of a failed API request: `<code> <reason>` of an answer, else `unreachable`. */
export function apiFailureKind(err: unknown): string {
  return err instanceof ApiStatusError ? `${err.code} ${err.reason}` : "unreachable";
}

/**
 * Whether the API server refused the request (401 or 403): the answers the
 * API client's `onRefused` hook is called for.
 */
export function isRefusal(err: unknown): err is ApiStatusError {
  return err instanceof ApiStatusError && (err.code === 401 || err.code === 403);
}

/** Warnings and errors shown once per kind and minute; the repeats at `--v=4`. */
export class ThrottledLog {
  /** The logger the lines go to. */
  readonly logger: Logger;
  #throttle: LogThrottle;

  /** @throws {RangeError} for a window that is not positive. */
  constructor(logger: Logger, options: ThrottledLogOptions = {}) {
    this.logger = logger;
    this.#throttle = new LogThrottle({
      burst: 1,
      windowMs: options.windowMs ?? THROTTLED_LOG_WINDOW_MS,
      maxKeys: options.maxKinds,
    });
  }

  /** A warning of `kind` at `now`: shown unless one of that kind was shown in the window. */
  warn(kind: string, now: number, message: string, fields: LogFields = {}): void {
    this.#log("warn", kind, now, message, fields);
  }

  /** An error of `kind` at `now`: shown unless one of that kind was shown in the window. */
  error(kind: string, now: number, message: string, fields: LogFields = {}): void {
    this.#log("error", kind, now, message, fields);
  }

  /**
   * A failed API request, as a warning of `kind` and the error's kind; a
   * 401/403 at `--v=4` only (the client logged it). `fields` should name the
   * error (`err: errText(err)`): it is logged as given.
   */
  apiWarn(kind: string, now: number, message: string, err: unknown, fields: LogFields = {}): void {
    this.#api("warn", kind, now, message, err, fields);
  }

  /** As {@linkcode apiWarn}, at error. */
  apiError(kind: string, now: number, message: string, err: unknown, fields: LogFields = {}): void {
    this.#api("error", kind, now, message, err, fields);
  }

  /** A line at `--v=4` only. */
  debug(message: string, fields: LogFields = {}): void {
    this.logger.debug(HELD_BACK_VERBOSITY, message, fields);
  }

  #api(
    level: "warn" | "error",
    kind: string,
    now: number,
    message: string,
    err: unknown,
    fields: LogFields,
  ): void {
    if (isRefusal(err)) return this.debug(message, fields);
    this.#log(level, `${kind}\u0000${apiFailureKind(err)}`, now, message, fields);
  }

  #log(level: "warn" | "error", kind: string, now: number, message: string, fields: LogFields) {
    const d = this.#throttle.admit(kind, now);
    if (!d.show) return this.debug(message, fields);
    this.logger[level](
      message,
      d.demotedBefore > 0 ? { ...fields, heldBack: d.demotedBefore } : fields,
    );
  }
}
