/**
 * Cuts byte chunks into lines (each with its "\n"), holding an incomplete
 * last line until the rest arrives. A line longer than `maxLineBytes` is
 * dropped (counted in `dropped`) instead of being held without limit.
 *
 * @module
 */

const NEWLINE = 0x0a;

/** Splits chunks into lines. */
export class LineSplitter {
  readonly #max: number;
  #rest: Uint8Array[] = [];
  #restBytes = 0;
  #skipping = false;
  /** Lines dropped for being longer than the limit. */
  dropped = 0;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /**
   * Calls `onLine` for every line `chunk` completes, in order. Lines are
   * views into `chunk` (or a copy when they began in an earlier chunk); the
   * caller must not keep them past the call without copying.
   */
  push(chunk: Uint8Array, onLine: (line: Uint8Array) => void): void {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl < 0) {
        this.#hold(chunk.subarray(from));
        return;
      }
      const piece = chunk.subarray(from, nl + 1);
      from = nl + 1;
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      if (this.#restBytes === 0) {
        onLine(piece);
        continue;
      }
      if (this.#restBytes + piece.length > this.#max) {
        this.#clear();
        this.dropped++;
        continue;
      }
      this.#rest.push(piece);
      const line = join(this.#rest, this.#restBytes + piece.length);
      this.#clear();
      onLine(line);
    }
  }

  /** Gives out the incomplete last line, if any, as a line of its own. */
  end(onLine: (line: Uint8Array) => void): void {
    if (this.#restBytes > 0 && !this.#skipping) onLine(join(this.#rest, this.#restBytes));
    this.reset();
  }

  /** Forgets the incomplete last line. */
  reset(): void {
    this.#clear();
    this.#skipping = false;
  }

  #hold(part: Uint8Array): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#restBytes + part.length > this.#max) {
      this.#clear();
      this.#skipping = true;
      this.dropped++;
      return;
    }
    this.#rest.push(part.slice());
    this.#restBytes += part.length;
  }

  #clear(): void {
    this.#rest = [];
    this.#restBytes = 0;
  }
}

function join(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
