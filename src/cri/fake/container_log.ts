/**
 * The container log file the fake runtime writes at a container's log path
 * (sandbox `log_directory` + container `log_path`), in the CRI format
 * containerd writes and the kubelet reads:
 *
 * ```
 * 2023-11-14T22:13:20.5Z stdout F a full line
 * 2023-11-14T22:13:20.5Z stdout P output that did not end with a newline
 * ```
 *
 * Timestamps are RFC 3339 with nanoseconds (trailing zeros dropped, like Go's
 * RFC3339Nano) in UTC, from the fake's clock. Like containerd, StartContainer
 * creates the file (and its missing parent directories) and appends to it.
 * Writes are synchronous, so a test reads what a step printed right after it.
 * Needs `--allow-write` for the log directory.
 *
 * @module
 */

import { errText } from "../../util/err_text.ts";

/** An output stream of a container. */
export type LogStream = "stdout" | "stderr";

/** `ms` since the epoch as Go's `time.RFC3339Nano` in UTC. */
export function rfc3339Nano(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // 2023-11-14T22:13:20.123Z
  const nanos = Math.round((ms - whole) * 1e6) + (whole % 1000) * 1e6;
  const fraction = String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}

/**
 * The CRI log lines of `text` printed on `stream` at `ms`: one `F` line per
 * newline-terminated line, and a `P` line for a last part without newline.
 */
export function criLogLines(stream: LogStream, text: string, ms: number): string {
  if (text === "") return "";
  const time = rfc3339Nano(ms);
  const parts = text.split("\n");
  const last = parts.pop()!;
  const lines = parts.map((line) => `${time} ${stream} F ${line}\n`);
  if (last !== "") lines.push(`${time} ${stream} P ${last}\n`);
  return lines.join("");
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : "/";
}

/**
 * Creates the log file at `path` (and its parent directories) without
 * truncating it. Throws what the file system threw.
 */
export function createLogFile(path: string): void {
  Deno.mkdirSync(parentOf(path), { recursive: true, mode: 0o755 });
  Deno.writeTextFileSync(path, "", { append: true, create: true, mode: 0o640 });
}

/**
 * Creates a starting container's log file (none when `path` is ""); returns
 * containerd's StartContainer error message when it cannot, else undefined.
 */
export function startLogError(path: string): string | undefined {
  if (!path) return undefined;
  try {
    createLogFile(path);
    return undefined;
  } catch (e) {
    const reason = errText(e);
    return "failed to create containerd task: failed to create container loggers: " +
      `failed to create and open log file: ${reason}`;
  }
}

/**
 * Appends `text` printed on `stream` at `ms` to the log at `path`; returns
 * false when the file cannot be written (a log rotated or removed under a
 * running container loses output, as with containerd).
 */
export function appendLog(path: string, stream: LogStream, text: string, ms: number): boolean {
  const lines = criLogLines(stream, text, ms);
  if (lines === "") return true;
  try {
    Deno.writeTextFileSync(path, lines, { append: true, create: true, mode: 0o640 });
    return true;
  } catch {
    return false;
  }
}
