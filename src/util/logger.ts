/**
 * The agent's logger: klog-like verbosity (`--v`) and the two kubelet output
 * formats (`--logging-format=text|json`). Modules receive a {@linkcode Logger};
 * only main.ts creates the real one.
 *
 * @module
 */

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
}

const encoder = new TextEncoder();

function stderrSink(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v) ?? String(v);
}

function toJsonable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? v.message : v;
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
  const letters = { debug: "I", info: "I", warn: "W", error: "E" } as const;

  function emit(record: LogRecord): void {
    if (format === "json") {
      const line = JSON.stringify({
        ts: record.time / 1000,
        ...(record.severity === "error" || record.severity === "warn"
          ? { level: record.severity }
          : {}),
        v: record.verbosity,
        msg: record.message,
        ...toJsonable(record.fields),
      });
      sink(line, record);
      return;
    }
    const d = new Date(record.time);
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const stamp = `${letters[record.severity]}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${
      pad(d.getUTCHours())
    }:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
    const kv = Object.entries(record.fields).map(([k, v]) => ` ${k}=${formatValue(v)}`).join("");
    sink(`${stamp} ${record.message}${kv}`, record);
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
