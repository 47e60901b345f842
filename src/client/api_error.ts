/**
 * The errors of the API client that callers branch on: an answer of the API
 * server other than 2xx, with its `Status` object (reason, message, code)
 * parsed, and predicates named after apimachinery's `errors.IsNotFound`,
 * `IsConflict`, `IsResourceExpired`, ... A failure to reach the server at all
 * is a plain `Error` naming the request.
 *
 * @module
 */

import type { Status } from "kubernetes-types/meta/v1.d.ts";

export type { Status };

/** The reason apimachinery gives a bare HTTP code (`NewGenericServerResponse`). */
const REASON_OF_CODE: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** An answer of the API server with a failure `Status` (or an HTTP error turned into one). */
export class ApiStatusError extends Error {
  /** The HTTP code (the Status' `code` for a watch ERROR event). */
  readonly code: number;
  /** The Status' `reason` (`NotFound`, `Conflict`, `Expired`, ...), or the code's generic one. */
  readonly reason: string;
  /** The Status as the server sent it, or as made from a non-Status body. */
  readonly status: Status;
  /** The request, e.g. `GET /api/v1/nodes/n1`. */
  readonly request: string;
  /** From `Retry-After` or `details.retryAfterSeconds`, when the server sent one. */
  readonly retryAfterSeconds?: number;

  constructor(request: string, status: Status, retryAfterSeconds?: number) {
    const code = status.code ?? 0;
    const reason = status.reason || REASON_OF_CODE[code] || "Unknown";
    super(`${request}: ${code} ${reason}: ${status.message || "(no message)"}`);
    this.name = "ApiStatusError";
    this.code = code;
    this.reason = reason;
    this.status = status;
    this.request = request;
    this.retryAfterSeconds = retryAfterSeconds ?? status.details?.retryAfterSeconds;
  }
}

function isStatus(v: unknown): v is Status {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "Status";
}

/**
 * The error for a non-2xx answer: its body parsed as a `Status` when it is
 * one, else a Status with the code's reason and the body's first line (at
 * most 200 characters) as the message.
 */
export function statusError(
  request: string,
  httpCode: number,
  body: string,
  retryAfter?: string | null,
): ApiStatusError {
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(body);
    if (isStatus(parsed)) status = { ...parsed, code: parsed.code || httpCode };
  } catch {
    // not JSON: a proxy's or load balancer's page
  }
  status ??= {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code: httpCode,
    reason: REASON_OF_CODE[httpCode],
    message: body.trim().split("\n")[0].slice(0, 200),
  };
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  return new ApiStatusError(request, status, Number.isFinite(seconds) ? seconds : undefined);
}

/** The error a watch ERROR event carries (its object is a Status). */
export function watchEventError(request: string, object: unknown): ApiStatusError {
  const status: Status = isStatus(object)
    ? object
    : { kind: "Status", status: "Failure", code: 500, message: JSON.stringify(object) };
  return new ApiStatusError(request, status);
}

function has(e: unknown, reason: string, code: number): boolean {
  if (!(e instanceof ApiStatusError)) return false;
  if (e.reason === reason) return true;
  // A bare code with no specific reason, as apimachinery's ReasonForError falls back.
  return e.code === code && (e.status.reason === undefined || e.status.reason === "");
}

/** 401: the credentials were refused. */
export function isUnauthorized(e: unknown): e is ApiStatusError {
  return has(e, "Unauthorized", 401);
}

/** 403: the identity may not do this (Node authorizer, NodeRestriction, RBAC). */
export function isForbidden(e: unknown): e is ApiStatusError {
  return has(e, "Forbidden", 403);
}

/** 404: no such object. */
export function isNotFound(e: unknown): e is ApiStatusError {
  return has(e, "NotFound", 404);
}

/** 409 AlreadyExists: a create of a name that exists. */
export function isAlreadyExists(e: unknown): e is ApiStatusError {
  return e instanceof ApiStatusError && e.reason === "AlreadyExists";
}

/** 409 Conflict: a stale resourceVersion or a failed precondition; re-read and retry. */
export function isConflict(e: unknown): e is ApiStatusError {
  return has(e, "Conflict", 409);
}

/**
 * 410: the resourceVersion is too old (reason `Expired`, or `Gone`), on a
 * list/watch request or in a watch ERROR event: relist.
 */
export function isResourceExpired(e: unknown): e is ApiStatusError {
  return e instanceof ApiStatusError &&
    (e.reason === "Expired" || e.reason === "Gone" || e.code === 410);
}

/** 429: throttled by the server (see `retryAfterSeconds`). */
export function isTooManyRequests(e: unknown): e is ApiStatusError {
  return has(e, "TooManyRequests", 429);
}
