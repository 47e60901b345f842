/**
 * The CRI container log format, as containerd writes it at a container's log
 * path and the kubelet reads it (kubelet's kuberuntime/logs parseCRILog):
 *
 * ```
 * 2026-12-01T00:00:00.123456789Z stdout F a full line
 * 2026-12-01T00:00:00.123456789Z stderr P the first part of a long line
 * ```
 *
 * A line is `<RFC 3339 timestamp> <stdout|stderr> <tag> <content>`; a tag
 * whose first `:`-separated field is `P` marks a partial line, anything else
 * (`F`) a full one. {@linkcode parseCriLogLine} reads one line and returns
 * `undefined` for a bad one (it never throws); cri_log_joiner.ts joins the
 * partial lines into entries.
 *
 * Everything works on bytes: content is passed through unchanged, whatever
 * its encoding.
 *
 * @module
 */

/** An output stream of a container. */
export type LogStream = "stdout" | "stderr";

/** A log timestamp: milliseconds since the epoch and the nanoseconds below them. */
export interface LogTime {
  /** Whole milliseconds since the Unix epoch. */
  ms: number;
  /** Nanoseconds within the millisecond, 0-999999. */
  nanos: number;
}

/** One parsed line of a CRI log file. */
export interface CriLogLine {
  time: LogTime;
  /** The timestamp as written (a view into the line). */
  stamp: Uint8Array;
  stream: LogStream;
  /** True for a `P` (partial) line. */
  partial: boolean;
  /** The content without the line's newline (a view into the line). */
  content: Uint8Array;
}

/** True when `a` is strictly before `b`. */
export function logTimeBefore(a: LogTime, b: LogTime): boolean {
  return a.ms < b.ms || (a.ms === b.ms && a.nanos < b.nanos);
}

/** The {@linkcode LogTime} of `ms` milliseconds since the epoch (fractions become nanoseconds). */
export function logTimeOfMs(ms: number): LogTime {
  const whole = Math.floor(ms);
  return { ms: whole, nanos: Math.min(999_999, Math.round((ms - whole) * 1e6)) };
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const D0 = 0x30;
const DAYS_IN_400_YEARS = 146_097;

function digits(b: Uint8Array, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = b[i] - D0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses an RFC 3339 timestamp (`2006-01-02T15:04:05[.fraction](Z|±hh:mm)`,
 * the form Go's RFC3339 and RFC3339Nano layouts read) in `b[from, to)`.
 * Fractions longer than nine digits are cut, as Go does. Undefined when bad.
 */
export function parseRfc3339(b: Uint8Array, from = 0, to = b.length): LogTime | undefined {
  if (to - from < 20) return undefined;
  const at = (i: number) => b[from + i];
  if (at(4) !== 0x2d || at(7) !== 0x2d || at(10) !== 0x54 || at(13) !== 0x3a || at(16) !== 0x3a) {
    return undefined;
  }
  const year = digits(b, from, 4);
  const month = digits(b, from + 5, 2);
  const day = digits(b, from + 8, 2);
  const hour = digits(b, from + 11, 2);
  const minute = digits(b, from + 14, 2);
  const second = digits(b, from + 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined;
  }
  let i = from + 19;
  let nanosTotal = 0;
  if (b[i] === 0x2e) {
    i++;
    let n = 0;
    while (i < to && b[i] >= D0 && b[i] <= D0 + 9) {
      if (n < 9) nanosTotal = nanosTotal * 10 + (b[i] - D0);
      n++;
      i++;
    }
    if (n === 0) return undefined;
    for (; n < 9; n++) nanosTotal *= 10;
  }
  let offsetMin = 0;
  if (i === to - 1 && b[i] === 0x5a) {
    // Z
  } else if (i === to - 6 && (b[i] === 0x2b || b[i] === 0x2d) && b[i + 3] === 0x3a) {
    const oh = digits(b, i + 1, 2);
    const om = digits(b, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMin = (oh * 60 + om) * (b[i] === 0x2d ? -1 : 1);
  } else {
    return undefined;
  }
  // Date.UTC reads years 0-99 as 1900-1999: shift by 400 years (a whole cycle).
  const shift = year < 100 ? 400 : 0;
  const base = Date.UTC(year + shift, month - 1, day, hour, minute, second) -
    (shift ? DAYS_IN_400_YEARS * 86_400_000 : 0) - offsetMin * 60_000;
  const fracMs = Math.floor(nanosTotal / 1e6);
  return { ms: base + fracMs, nanos: nanosTotal - fracMs * 1e6 };
}

function isWord(b: Uint8Array, from: number, to: number, word: string): boolean {
  if (to - from !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (b[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses one CRI log line (with or without its newline). Returns undefined
 * for a line that is not in the format: no timestamp, a bad timestamp, a
 * stream other than stdout/stderr, or no tag.
 */
export function parseCriLogLine(line: Uint8Array): CriLogLine | undefined {
  const end = line.length > 0 && line[line.length - 1] === NEWLINE ? line.length - 1 : line.length;
  const s1 = line.indexOf(SPACE);
  if (s1 < 0 || s1 >= end) return undefined;
  const time = parseRfc3339(line, 0, s1);
  if (!time) return undefined;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0 || s2 >= end) return undefined;
  let stream: LogStream;
  if (isWord(line, s1 + 1, s2, "stdout")) stream = "stdout";
  else if (isWord(line, s1 + 1, s2, "stderr")) stream = "stderr";
  else return undefined;
  const s3 = line.indexOf(SPACE, s2 + 1);
  if (s3 < 0 || s3 >= end) return undefined;
  // The tag's first ':'-separated field decides (forward compatible, as the kubelet).
  const partial = line[s2 + 1] === 0x50 && (s2 + 2 === s3 || line[s2 + 2] === 0x3a);
  return {
    time,
    stamp: line.subarray(0, s1),
    stream,
    partial,
    content: line.subarray(s3 + 1, end),
  };
}

/**
 * A timestamp as the kubelet prints it with `timestamps=true`: Go's
 * RFC3339NanoFixed (`2006-01-02T15:04:05.000000000Z07:00`) in the zone it
 * was written in, "Z" for a zero offset.
 */
export function fixedTimestamp(stamp: Uint8Array): string {
  const text = new TextDecoder().decode(stamp);
  const m = /^(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return text;
  const fraction = (m[2] ?? "").slice(0, 9).padEnd(9, "0");
  const zone = m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3];
  return `${m[1]}.${fraction}${zone}`;
}

const encoder = new TextEncoder();

/**
 * {@linkcode fixedTimestamp} as bytes: the stamp itself when it is in that
 * form already (what containerd writes), without decoding it.
 */
export function fixedTimestampBytes(stamp: Uint8Array): Uint8Array {
  const z = stamp.length === 30 && stamp[29] === 0x5a;
  const offset = stamp.length === 35 && stamp[29] !== 0x5a && stamp[32] === 0x3a;
  if ((z || offset) && stamp[19] === 0x2e) {
    let fraction = true;
    for (let i = 20; i < 29 && fraction; i++) fraction = stamp[i] >= D0 && stamp[i] <= D0 + 9;
    const zeroOffset = offset && stamp[30] === D0 && stamp[31] === D0 && stamp[33] === D0 &&
      stamp[34] === D0;
    if (fraction && !zeroOffset) return stamp;
  }
  return encoder.encode(fixedTimestamp(stamp));
}
