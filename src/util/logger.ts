/**
 * The agent's logger: klog-like verbosity (`--v`) and the two kubelet output
 * formats (`--logging-format=text|json`). Modules receive a {@linkcode Logger};
 * only main.ts creates the real one.
 *
 * Every line is safe to read whatever was logged: control characters in the
 * message, the keys and every value (`\n`, `\r`, `\t`, other C0 and C1
 * controls, DEL, U+2028, U+2029) are escaped in both formats, so a newline in
 * a file or pod name cannot forge a line; and a message or value longer than
 * {@linkcode MAX_LOG_VALUE_BYTES} is cut, with a marker saying how many bytes
 * were cut (`...[69907 bytes cut]`).
 *
 * @module
 */

import { escapeControl } from "./escape_control.ts";
import { escapeJson, quote, safeJson, textValue, truncateBytes } from "./_log_format.ts";

/** The longest logged message or value, in UTF-8 bytes; longer ones are cut. */
export const MAX_LOG_VALUE_BYTES = 1024;

/** Structured key/value context attached to a log line. */
export type LogFields = Record<string, unknown>;

/** What every module logs through. */
export interface Logger {
  /** Logged when the configured verbosity is at least `level` (`--v`). */
  debug(level: number, message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One line as handed to a {@linkcode LogSink}. */
export interface LogRecord {
  time: number;
  severity: "debug" | "info" | "warn" | "error";
  verbosity: number;
  message: string;
  fields: LogFields;
}

/** Where formatted lines go (stderr in the agent, an array in tests). */
export type LogSink = (line: string, record: LogRecord) => void;

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Highest `debug` level printed. @default 0 */
  verbosity?: number;
  /** Output format. @default "text" */
  format?: "text" | "json";
  /** Clock for timestamps. @default Date.now */
  now?: () => number;
  /** Receives each formatted line. @default writes to stderr */
  sink?: LogSink;
  /** Longest message or value in UTF-8 bytes. @default MAX_LOG_VALUE_BYTES */
  maxValueBytes?: number;
}

const encoder = new TextEncoder();

function stderrSink(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // A closed stderr must not stop the loop that logs.
  }
}

/** A field value in the text format: plain, quoted and escaped, or JSON. */
function formatValue(v: unknown, max: number): string {
  if (typeof v === "string") return textValue(truncateBytes(v, max));
  if (v instanceof Error) return quote(truncateBytes(v.message, max));
  if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean") {
    return String(v);
  }
  const json = safeJson(v);
  if (json === undefined) return textValue(truncateBytes(String(v), max));
  return json.length <= max ? escapeJson(json) : quote(truncateBytes(json, max));
}

/** A field value for the JSON format: strings cut, objects that are too long cut as text. */
function jsonValue(v: unknown, max: number): unknown {
  if (typeof v === "string") return truncateBytes(v, max);
  if (v instanceof Error) return truncateBytes(v.message, max);
  if (typeof v === "bigint") return v.toString();
  if (v === null || typeof v !== "object") return v;
  const json = safeJson(v);
  if (json === undefined) return undefined;
  return json.length <= max ? JSON.parse(json) : truncateBytes(json, max);
}

function toJsonable(fields: LogFields, max: number): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) out[truncateBytes(k, max)] = jsonValue(v, max);
  return out;
}

/**
 * Creates a logger writing klog-style text (`I1123 17:40:58.123456 message key=value`)
 * or JSON lines (`{"ts":..., "v":0, "msg":..., ...fields}`).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const verbosity = options.verbosity ?? 0;
  const format = options.format ?? "text";
  const now = options.now ?? Date.now;
  const sink = options.sink ?? stderrSink;
  const max = options.maxValueBytes ?? MAX_LOG_VALUE_BYTES;
  const letters = { debug: "I", info: "I", warn: "W", error: "E" } as const;

  function emit(record: LogRecord): void {
    if (format === "json") {
      const line = escapeJson(JSON.stringify({
        ts: record.time / 1000,
        ...(record.severity === "error" || record.severity === "warn"
          ? { level: record.severity }
          : {}),
        v: record.verbosity,
        msg: truncateBytes(record.message, max),
        ...toJsonable(record.fields, max),
      }));
      sink(line, record);
      return;
    }
    const d = new Date(record.time);
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const stamp = `${letters[record.severity]}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${
      pad(d.getUTCHours())
    }:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
    const kv = Object.entries(record.fields)
      .map(([k, v]) => ` ${escapeControl(truncateBytes(k, max))}=${formatValue(v, max)}`)
      .join("");
    sink(`${stamp} ${escapeControl(truncateBytes(record.message, max))}${kv}`, record);
  }

  function make(severity: LogRecord["severity"], level: number) {
    return (message: string, fields: LogFields = {}) => {
      if (level > verbosity) return;
      emit({ time: now(), severity, verbosity: level, message, fields });
    };
  }

  return {
    debug: (level, message, fields) => make("debug", level)(message, fields),
    info: make("info", 0),
    warn: make("warn", 0),
    error: make("error", 0),
  };
}

/** A logger that keeps its records in memory, for tests. */
export function createMemoryLogger(verbosity = 10): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = createLogger({ verbosity, sink: (_line, r) => records.push(r) });
  return Object.assign(logger, { records });
}

/** A logger that drops everything. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
