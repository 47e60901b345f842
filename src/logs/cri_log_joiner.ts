/**
 * Joins the partial (`P`) lines of each stream of a CRI log with the full
 * (`F`) line that ends them, so that a line the runtime split (containerd
 * splits at 16 KiB) is one entry again. The kubelet gives the parts out one
 * by one; joined, the output is the same without timestamps and has one
 * timestamp per line with them.
 *
 * @module
 */

import type { CriLogLine, LogStream, LogTime } from "./cri_log.ts";

const NEWLINE = 0x0a;

/** One log entry: a full line, or the joined parts of a split one. */
export interface LogEntry {
  /** The time of the entry's first part. */
  time: LogTime;
  /** The first part's timestamp as written. */
  stamp: Uint8Array;
  stream: LogStream;
  /** The content, ending with "\n" when the line was completed by an F line. */
  content: Uint8Array;
  /**
   * True when this continues the output of a line already partly given out
   * (a line longer than `maxLineBytes`): it gets no timestamp prefix.
   */
  continued: boolean;
}

/** Options of {@linkcode CriLogJoiner}. */
export interface CriLogJoinerOptions {
  /**
   * The longest joined line held back; a longer one is given out in pieces
   * as it grows, the pieces without a newline, as the kubelet does for every
   * partial line. @default 1048576
   */
  maxLineBytes?: number;
}

interface Pending {
  seq: number;
  time: LogTime;
  stamp: Uint8Array;
  parts: Uint8Array[];
  bytes: number;
  continued: boolean;
}

function concat(parts: readonly Uint8Array[], total: number, extra = 0): Uint8Array {
  const out = new Uint8Array(total + extra);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Joins the partial lines of each stream with the full line that ends them. */
export class CriLogJoiner {
  readonly #maxLineBytes: number;
  #seq = 0;
  #pending: Record<LogStream, Pending | undefined> = { stdout: undefined, stderr: undefined };

  constructor(options: CriLogJoinerOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? 1 << 20;
  }

  /**
   * Adds a parsed line; appends the entries it completes to `out` and
   * returns how many it appended. The line's views are copied when held.
   */
  push(line: CriLogLine, out: LogEntry[]): number {
    const p = this.#pending[line.stream];
    if (!line.partial) {
      if (!p) {
        const content = new Uint8Array(line.content.length + 1);
        content.set(line.content);
        content[line.content.length] = NEWLINE;
        out.push({
          time: line.time,
          stamp: line.stamp,
          stream: line.stream,
          content,
          continued: false,
        });
        return 1;
      }
      p.parts.push(line.content);
      const content = concat(p.parts, p.bytes + line.content.length, 1);
      content[content.length - 1] = NEWLINE;
      this.#pending[line.stream] = undefined;
      out.push({
        time: p.time,
        stamp: p.stamp,
        stream: line.stream,
        content,
        continued: p.continued,
      });
      return 1;
    }
    const held = p ?? {
      seq: this.#seq++,
      time: line.time,
      stamp: line.stamp.slice(),
      parts: [],
      bytes: 0,
      continued: false,
    };
    held.parts.push(line.content.slice());
    held.bytes += line.content.length;
    this.#pending[line.stream] = held;
    if (held.bytes < this.#maxLineBytes) return 0;
    out.push({
      time: held.time,
      stamp: held.stamp,
      stream: line.stream,
      content: concat(held.parts, held.bytes),
      continued: held.continued,
    });
    held.parts = [];
    held.bytes = 0;
    held.continued = true;
    return 1;
  }

  /** True when a partial line is held back. */
  get holding(): boolean {
    return this.#pending.stdout !== undefined || this.#pending.stderr !== undefined;
  }

  /**
   * Gives out the partial lines held back (without a newline, in the order
   * they started) and forgets them; returns how many it appended.
   */
  flush(out: LogEntry[]): number {
    const held = [this.#pending.stdout, this.#pending.stderr]
      .filter((p): p is Pending => p !== undefined && p.bytes > 0)
      .sort((a, b) => a.seq - b.seq);
    for (const p of held) {
      out.push({
        time: p.time,
        stamp: p.stamp,
        stream: this.#streamOf(p),
        content: concat(p.parts, p.bytes),
        continued: p.continued,
      });
    }
    this.#pending = { stdout: undefined, stderr: undefined };
    return held.length;
  }

  /** Forgets what is held back (the file was truncated under the reader). */
  reset(): void {
    this.#pending = { stdout: undefined, stderr: undefined };
  }

  #streamOf(p: Pending): LogStream {
    return this.#pending.stdout === p ? "stdout" : "stderr";
  }
}
