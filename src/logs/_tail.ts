/**
 * Where the last `n` log entries of a list of log files begin, found by
 * reading the files backwards from the end of the newest, so that
 * `tailLines=10` of a large log reads little more than its last lines.
 *
 * Entries are counted as {@linkcode CriLogJoiner} makes them: each full
 * (`F`) line ends one, and so does the last line of a stream when it is a
 * partial one (given out unfinished at the end). Bad lines count for
 * nothing. A line split across the start point by a line of the other
 * stream loses the parts before the start.
 *
 * @module
 */

import { type LogStream, parseCriLogLine } from "./cri_log.ts";

/** A file read backwards: its size and positional reads. */
export interface BackwardSource {
  size: number;
  /** `length` bytes at `position` (fewer only at the end of the file). */
  readAt(position: number, length: number): Promise<Uint8Array>;
}

/** A place in a list of files: the file's index and a byte offset in it. */
export interface LogPosition {
  file: number;
  offset: number;
}

const NEWLINE = 0x0a;
const BLOCK = 64 * 1024;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * The position of the first line of the last `n` entries of `count` files
 * (oldest first; `source(i)` opens file `i`, undefined when it cannot be
 * read; files are opened newest first and only as far back as needed).
 * The start of the oldest file when the files hold `n` entries or fewer.
 * Lines longer than `maxLineBytes` are skipped as bad.
 */
export async function findTailStart(
  count: number,
  source: (index: number) => Promise<BackwardSource | undefined>,
  n: number,
  maxLineBytes: number,
): Promise<LogPosition> {
  const seen: Record<LogStream, boolean> = { stdout: false, stderr: false };
  let counted = 0;
  const isEnd = (line: Uint8Array): boolean => {
    const parsed = parseCriLogLine(line);
    if (!parsed) return false;
    const first = !seen[parsed.stream];
    seen[parsed.stream] = true;
    return !parsed.partial || first;
  };
  for (let k = count - 1; k >= 0; k--) {
    const src = await source(k);
    if (!src) continue;
    let pos = src.size;
    let carry: Uint8Array = new Uint8Array(0);
    let skipping = false;
    while (pos > 0 || carry.length > 0) {
      const len = Math.min(BLOCK, pos);
      const block = len > 0 ? await src.readAt(pos - len, len) : new Uint8Array(0);
      pos -= block.length;
      if (block.length === 0 && len > 0) break; // the file shrank under us
      let buf: Uint8Array;
      if (skipping) {
        const nl = block.lastIndexOf(NEWLINE);
        if (nl < 0) {
          if (pos === 0) break;
          continue;
        }
        skipping = false;
        buf = block.subarray(0, nl + 1);
      } else {
        buf = concat(block, carry);
      }
      // buf covers [pos, pos + buf.length); lines are cut from its end.
      let end = buf.length;
      while (end > 0) {
        const nl = end >= 2 ? buf.lastIndexOf(NEWLINE, end - 2) : -1;
        if (nl < 0 && pos > 0) break;
        const start = nl + 1;
        if (isEnd(buf.subarray(start, end))) {
          counted++;
          if (counted > n) return { file: k, offset: pos + end };
        }
        end = start;
      }
      carry = buf.subarray(0, end);
      if (carry.length > maxLineBytes) {
        carry = new Uint8Array(0);
        skipping = true;
      }
      if (pos === 0) break;
    }
  }
  return { file: 0, offset: 0 };
}
