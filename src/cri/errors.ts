/**
 * Errors of CRI calls, typed by gRPC status code so callers can branch on the
 * class (`err instanceof NotFoundError`) or with {@linkcode isNotFound}.
 *
 * @module
 */

import { errText } from "../util/err_text.ts";

/** gRPC status codes, by name (the values are the wire numbers). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code number. */
export type GrpcCode = typeof GrpcCode[keyof typeof GrpcCode];

const CODE_NAMES: Record<number, string> = {
  0: "OK",
  1: "Canceled",
  2: "Unknown",
  3: "InvalidArgument",
  4: "DeadlineExceeded",
  5: "NotFound",
  6: "AlreadyExists",
  7: "PermissionDenied",
  8: "ResourceExhausted",
  9: "FailedPrecondition",
  10: "Aborted",
  11: "OutOfRange",
  12: "Unimplemented",
  13: "Internal",
  14: "Unavailable",
  15: "DataLoss",
  16: "Unauthenticated",
};

/** The name of a gRPC status code as Go's `codes` package prints it ("NotFound"). */
export function grpcCodeName(code: number): string {
  return CODE_NAMES[code] ?? `Code(${code})`;
}

/** Options of {@linkcode CriError}. */
export interface CriErrorOptions {
  /** The RPC that failed, e.g. "ContainerStatus". */
  method?: string;
  /** The message the runtime sent. @default {""} */
  details?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every error a CRI call rejects with. */
export class CriError extends Error {
  /** gRPC status code of the failure. */
  readonly code: number;
  /** The RPC that failed, when known. */
  readonly method: string | undefined;
  /** The message the runtime sent (without our prefix). */
  readonly details: string;

  constructor(code: number, message: string, options: CriErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CriError";
    this.code = code;
    this.method = options.method;
    this.details = options.details ?? "";
  }
}

/** The object the runtime reported missing (gRPC NotFound). */
export class NotFoundError extends CriError {
  constructor(message: string, options?: CriErrorOptions) {
    super(GrpcCode.NOT_FOUND, message, options);
    this.name = "NotFoundError";
  }
}

/** The runtime cannot be reached (gRPC Unavailable). */
export class UnavailableError extends CriError {
  constructor(message: string, options?: CriErrorOptions) {
    super(GrpcCode.UNAVAILABLE, message, options);
    this.name = "UnavailableError";
  }
}

/** The call's deadline passed (gRPC DeadlineExceeded). */
export class DeadlineExceededError extends CriError {
  constructor(message: string, options?: CriErrorOptions) {
    super(GrpcCode.DEADLINE_EXCEEDED, message, options);
    this.name = "DeadlineExceededError";
  }
}

/** The runtime does not implement the RPC (gRPC Unimplemented). */
export class UnimplementedError extends CriError {
  constructor(message: string, options?: CriErrorOptions) {
    super(GrpcCode.UNIMPLEMENTED, message, options);
    this.name = "UnimplementedError";
  }
}

/** An ExecSync command outran its timeout (kubelet's ErrCommandTimedOut). */
export class CommandTimedOutError extends CriError {
  constructor(options?: CriErrorOptions) {
    super(GrpcCode.DEADLINE_EXCEEDED, "command timed out", options);
    this.name = "CommandTimedOutError";
  }
}

/**
 * The runtime speaks another CRI version than the agent (kubelet's
 * ErrVersionNotSupported). Its code is FailedPrecondition.
 */
export class VersionNotSupportedError extends CriError {
  constructor(message: string, options?: CriErrorOptions) {
    super(GrpcCode.FAILED_PRECONDITION, message, options);
    this.name = "VersionNotSupportedError";
  }
}

/**
 * The runtime answered, but the answer lacks a required field. Its code is
 * Internal.
 */
export class InvalidResponseError extends CriError {
  /** Path of the missing field, e.g. "status.metadata.uid". */
  readonly field: string;

  constructor(message: string, field: string, options?: CriErrorOptions) {
    super(GrpcCode.INTERNAL, message, options);
    this.name = "InvalidResponseError";
    this.field = field;
  }
}

/** True when `err` is a CRI NotFound error. */
export function isNotFound(err: unknown): err is NotFoundError {
  return err instanceof CriError && err.code === GrpcCode.NOT_FOUND;
}

/** True when `err` is a CRI Unimplemented error. */
export function isUnimplemented(err: unknown): err is UnimplementedError {
  return err instanceof CriError && err.code === GrpcCode.UNIMPLEMENTED;
}

/** The shape of the errors grpc-js calls fail with. */
export interface GrpcStatusLike {
  code: number;
  details?: string;
  message?: string;
}

function isGrpcStatusLike(err: unknown): err is GrpcStatusLike {
  return typeof err === "object" && err !== null && "code" in err &&
    typeof (err as { code: unknown }).code === "number";
}

/**
 * Turns the error of a failed gRPC call of `method` into the matching
 * {@linkcode CriError} subclass. Errors without a gRPC code become a
 * `CriError` with code Unknown.
 */
export function criErrorFrom(err: unknown, method: string): CriError {
  if (err instanceof CriError) return err;
  if (!isGrpcStatusLike(err)) {
    const text = errText(err);
    return new CriError(GrpcCode.UNKNOWN, `${method} failed: ${text}`, {
      method,
      details: text,
      cause: err,
    });
  }
  const details = err.details ?? err.message ?? "";
  const message = `${method} failed: ${grpcCodeName(err.code)}: ${details}`;
  const options = { method, details, cause: err };
  switch (err.code) {
    case GrpcCode.NOT_FOUND:
      return new NotFoundError(message, options);
    case GrpcCode.UNAVAILABLE:
      return new UnavailableError(message, options);
    case GrpcCode.DEADLINE_EXCEEDED:
      return new DeadlineExceededError(message, options);
    case GrpcCode.UNIMPLEMENTED:
      return new UnimplementedError(message, options);
    default:
      return new CriError(err.code, message, options);
  }
}
