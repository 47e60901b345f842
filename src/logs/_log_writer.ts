/**
 * The output side of a log read (kubelet's logWriter): entries newer than
 * `since`, with the timestamp prefix when asked, cut at `limitBytes`,
 * gathered into chunks for the client.
 *
 * @module
 */

import { fixedTimestampBytes, type LogTime, logTimeBefore } from "./cri_log.ts";
import type { LogEntry } from "./cri_log_joiner.ts";

const SPACE = new Uint8Array([0x20]);

/** Options of {@linkcode LogWriter}. */
export interface LogWriterOptions {
  timestamps: boolean;
  /** Bytes to give out at most (prefixes included). */
  limitBytes: number;
  since?: LogTime;
}

/** Gathers the output of entries. */
export class LogWriter {
  readonly #o: LogWriterOptions;
  #remain: number;
  #parts: Uint8Array[] = [];
  #size = 0;

  constructor(options: LogWriterOptions) {
    this.#o = options;
    this.#remain = options.limitBytes;
  }

  /** True once `limitBytes` were given out. */
  get full(): boolean {
    return this.#remain <= 0;
  }

  /** Adds an entry's output; returns false once the limit is reached. */
  write(entry: LogEntry): boolean {
    if (this.#remain <= 0) return false;
    if (this.#o.since && logTimeBefore(entry.time, this.#o.since)) return true;
    if (this.#o.timestamps && !entry.continued) {
      this.#add(fixedTimestampBytes(entry.stamp));
      this.#add(SPACE);
    }
    this.#add(entry.content);
    return this.#remain > 0;
  }

  /** The output gathered since the last call, or undefined when none. */
  take(): Uint8Array | undefined {
    if (this.#size === 0) return undefined;
    const parts = this.#parts;
    const size = this.#size;
    this.#parts = [];
    this.#size = 0;
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  #add(bytes: Uint8Array): void {
    if (this.#remain <= 0 || bytes.length === 0) return;
    const piece = bytes.length > this.#remain ? bytes.subarray(0, this.#remain) : bytes;
    this.#remain -= piece.length;
    // Contents are fresh arrays (the joiner copies them); a stamp is a view
    // into a read buffer, which is never reused, so parts are kept as they are.
    this.#parts.push(piece);
    this.#size += piece.length;
  }
}
