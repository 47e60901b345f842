/**
 * The query of `/containerLogs/{namespace}/{pod}/{container}`, read as the
 * kubelet reads it: decoded into a v1 PodLogOptions by the API machinery's
 * query conversion, then checked by ValidatePodLogOptions
 * (pkg/kubelet/server/server.go getContainerLogs).
 *
 * Decoding: the first value of each parameter counts; a boolean is false
 * only for `0` or `false` (any case), so `?follow` and `?follow=1` mean
 * true; integers are base-10 int64s (`+5` is fine, `5s` is not); `sinceTime`
 * is RFC 3339, an empty value or `null` being the zero time; the legacy
 * `tail` replaces `tailLines` (`tail=all` removes it). A value that cannot
 * be decoded makes the whole query "Unable to decode query." (400); options
 * that fail validation make it "Invalid request." (422). Unknown parameters
 * are ignored.
 *
 * @module
 */

import { type LogStream, type LogTime, logTimeOfMs, parseRfc3339 } from "./cri_log.ts";
import type { ReadLogsOptions } from "./read_logs_options.ts";

/** The v1 PodLogOptions fields the kubelet uses (`stream`: All, Stdout or Stderr). */
export interface PodLogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  /** Go's zero time when given empty. */
  sinceTime?: LogTime;
  stream?: string;
}

/** The outcome of {@linkcode parsePodLogOptions}. */
export type PodLogOptionsResult =
  | { ok: true; options: PodLogOptions }
  | {
    ok: false;
    /** 400 for a query that cannot be decoded, 422 for invalid options. */
    status: 400 | 422;
    /** The kubelet's body: `{"message": "Unable to decode query."}` or `... "Invalid request."}`. */
    body: string;
    /** One line naming what was wrong (for the log, not the client). */
    reason: string;
  };

/** Go's zero time.Time (0001-01-01T00:00:00Z). */
const ZERO_TIME: LogTime = { ms: -62_135_596_800_000, nanos: 0 };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The kubelet's `stream` values. */
export const LOG_STREAMS: readonly string[] = ["All", "Stdout", "Stderr"];

class DecodeError extends Error {}

function bool(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null) return false;
  return !(v === "0" || v.toLowerCase() === "false");
}

function int64(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  if (!/^[+-]?[0-9]+$/.test(v)) throw new DecodeError(`${key}: cannot parse "${v}" as an integer`);
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) throw new DecodeError(`${key}: "${v}" is out of range`);
  return Number(n);
}

function time(q: URLSearchParams, key: string): LogTime | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  if (v === "" || v === "null") return ZERO_TIME;
  const t = parseRfc3339(new TextEncoder().encode(v));
  if (!t) throw new DecodeError(`${key}: cannot parse "${v}" as RFC 3339`);
  return t;
}

/** Why `o` fails ValidatePodLogOptions, or undefined when it passes. */
export function validatePodLogOptions(o: PodLogOptions): string | undefined {
  if (o.tailLines !== undefined && o.tailLines < 0) {
    return "tailLines: must be greater than or equal to 0";
  }
  if (o.limitBytes !== undefined && o.limitBytes < 1) return "limitBytes: must be greater than 0";
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) {
    return "at most one of `sinceTime` or `sinceSeconds` may be specified";
  }
  if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) {
    return "sinceSeconds: must be greater than 0";
  }
  if (o.stream !== undefined) {
    if (!LOG_STREAMS.includes(o.stream)) {
      return `stream: Unsupported value: "${o.stream}": supported values: "All", "Stdout", "Stderr"`;
    }
    if (o.stream !== "All" && o.tailLines !== undefined) {
      return "`tailLines` and specific `stream` are mutually exclusive for now";
    }
  }
  return undefined;
}

/** Decodes and validates a `/containerLogs` query. */
export function parsePodLogOptions(query: URLSearchParams): PodLogOptionsResult {
  const q = new URLSearchParams(query);
  const tail = q.get("tail");
  if (tail !== null && tail !== "") {
    q.set("tailLines", tail);
    if (tail === "all") q.delete("tailLines");
  }
  let options: PodLogOptions;
  try {
    options = {
      follow: bool(q, "follow"),
      previous: bool(q, "previous"),
      timestamps: bool(q, "timestamps"),
      tailLines: int64(q, "tailLines"),
      limitBytes: int64(q, "limitBytes"),
      sinceSeconds: int64(q, "sinceSeconds"),
      sinceTime: time(q, "sinceTime"),
      stream: q.get("stream") ?? undefined,
    };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return {
      ok: false,
      status: 400,
      body: `{"message": "Unable to decode query."}`,
      reason: e.message,
    };
  }
  const invalid = validatePodLogOptions(options);
  if (invalid) {
    return { ok: false, status: 422, body: `{"message": "Invalid request."}`, reason: invalid };
  }
  return { ok: true, options };
}

/**
 * The read options of `o` at `nowMs` (kubelet's NewLogOptions): `since` from
 * `sinceSeconds` before now or from `sinceTime`, whichever is later.
 */
export function readLogsOptionsOf(o: PodLogOptions, nowMs: number): ReadLogsOptions {
  let since: LogTime | undefined;
  if (o.sinceSeconds !== undefined) since = logTimeOfMs(nowMs - o.sinceSeconds * 1000);
  if (o.sinceTime && (!since || o.sinceTime.ms > since.ms)) since = o.sinceTime;
  const stream: LogStream | undefined = o.stream === "Stdout"
    ? "stdout"
    : o.stream === "Stderr"
    ? "stderr"
    : undefined;
  return {
    tailLines: o.tailLines ?? -1,
    ...(o.limitBytes !== undefined ? { limitBytes: o.limitBytes } : {}),
    ...(since ? { since } : {}),
    timestamps: o.timestamps,
    follow: o.follow,
    ...(stream ? { stream } : {}),
  };
}
