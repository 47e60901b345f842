/**
 * The parts of HPACK (RFC 7541) the fake runtime's `:authority` rewriting
 * needs to read header blocks: prefixed integers, string literals and the
 * Huffman code. Private to src/cri/fake/.
 *
 * @module
 */

/**
 * Bit lengths of the Huffman codes of symbols 0..256 (RFC 7541 Appendix B).
 * The code is canonical, so the codes follow from the lengths.
 */
const CODE_LENGTHS = (
  "13 23 28 28 28 28 28 28 28 24 30 28 28 30 28 28 28 28 28 28 28 28 30 28 28 28 28 28 28 " +
  "28 28 28 6 10 10 12 13 6 8 11 10 10 8 11 8 6 6 6 5 5 5 6 6 6 6 6 6 6 7 8 15 6 12 10 13 6 " +
  "7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 7 8 7 8 13 19 13 14 6 15 5 6 5 6 5 6 6 6 5 7 7 " +
  "6 6 6 5 6 7 6 5 5 6 7 7 7 7 7 15 11 14 13 28 20 22 20 20 22 22 22 23 22 23 23 23 23 23 " +
  "24 23 24 24 22 23 24 23 23 23 23 21 22 23 22 23 23 24 22 21 20 22 22 23 23 21 23 22 22 " +
  "24 21 22 23 23 21 21 22 21 23 22 23 23 20 22 22 22 23 22 22 23 26 26 20 19 22 23 22 25 " +
  "26 26 26 27 27 26 24 25 19 21 26 27 27 26 27 24 21 21 26 26 28 27 27 27 20 24 20 21 22 " +
  "21 21 23 22 22 25 25 24 24 26 23 26 27 26 26 27 27 27 27 27 28 27 27 27 27 27 26 30"
).split(" ").map(Number);
const EOS = 256;
const MAX_CODE_LENGTH = 30;

/** Canonical decoding tables: per length, the first code and where its symbols start. */
const SYMBOLS = CODE_LENGTHS.map((_, s) => s).sort((a, b) =>
  CODE_LENGTHS[a] - CODE_LENGTHS[b] || a - b
);
const FIRST_CODE: number[] = [];
const FIRST_INDEX: number[] = [];
const COUNT: number[] = [];
{
  let code = 0;
  let index = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    const count = CODE_LENGTHS.filter((l) => l === len).length;
    FIRST_CODE[len] = code;
    FIRST_INDEX[len] = index;
    COUNT[len] = count;
    code = (code + count) * 2;
    index += count;
  }
}

/**
 * Decodes a Huffman-coded string literal.
 * @throws {RangeError} for a code that is not in the table, an EOS symbol,
 *   or padding that is longer than 7 bits or not all ones.
 */
export function decodeHuffman(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let code = 0;
  let len = 0;
  let ones = true;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >> bit) & 1;
      code = code * 2 + b;
      len++;
      ones &&= b === 1;
      const offset = code - FIRST_CODE[len];
      if (offset >= 0 && offset < COUNT[len]) {
        const symbol = SYMBOLS[FIRST_INDEX[len] + offset];
        if (symbol === EOS) throw new RangeError("Cannot decode Huffman string: it holds EOS");
        out.push(symbol);
        code = 0;
        len = 0;
        ones = true;
      } else if (len >= MAX_CODE_LENGTH) {
        throw new RangeError("Cannot decode Huffman string: invalid code");
      }
    }
  }
  if (len > 7 || !ones) throw new RangeError("Cannot decode Huffman string: invalid padding");
  return Uint8Array.from(out);
}

/** A value read from a header block, and where the next one starts. */
export interface Read<T> {
  value: T;
  next: number;
}

/**
 * Reads an integer with a `prefixBits`-bit prefix at `buf[pos]`.
 * @throws {RangeError} when the block ends inside it or it exceeds 2^32.
 */
export function readInteger(buf: Uint8Array, pos: number, prefixBits: number): Read<number> {
  if (pos >= buf.length) throw new RangeError("Cannot read HPACK integer: block ends");
  const max = (1 << prefixBits) - 1;
  let value = buf[pos] & max;
  let next = pos + 1;
  if (value < max) return { value, next };
  let scale = 1;
  while (true) {
    if (next >= buf.length) throw new RangeError("Cannot read HPACK integer: block ends");
    const b = buf[next++];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (value > 2 ** 32) throw new RangeError("Cannot read HPACK integer: too large");
    if ((b & 0x80) === 0) return { value, next };
  }
}

/**
 * Reads a string literal at `buf[pos]` and decodes it when Huffman-coded.
 * @throws {RangeError} when the block ends inside it or its Huffman code is
 *   invalid.
 */
export function readString(buf: Uint8Array, pos: number): Read<Uint8Array> {
  if (pos >= buf.length) throw new RangeError("Cannot read HPACK string: block ends");
  const huffman = (buf[pos] & 0x80) !== 0;
  const { value: length, next } = readInteger(buf, pos, 7);
  if (next + length > buf.length) throw new RangeError("Cannot read HPACK string: block ends");
  const raw = buf.subarray(next, next + length);
  return { value: huffman ? decodeHuffman(raw) : raw.slice(), next: next + length };
}

/** Encodes `value` with a `prefixBits`-bit prefix whose other bits are `flags`. */
export function encodeInteger(value: number, prefixBits: number, flags: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** Encodes `bytes` as a plain (not Huffman-coded) string literal. */
export function encodeString(bytes: Uint8Array): Uint8Array {
  const head = encodeInteger(bytes.length, 7, 0);
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}
