/**
 * Rewrites the `:authority` and `host` values of HPACK header blocks (RFC
 * 7541) that nghttp2 would refuse, keeping track of the server's dynamic
 * table so that indexed references stay right. A rewritten value keeps its
 * length in octets, so the server's table stays the same size as the
 * client's. Private to src/cri/fake/; the HTTP/2 framing around the blocks
 * is in _authority_rewriter.ts.
 *
 * @module
 */

import { encodeString, readInteger, readString } from "./_hpack.ts";
import { concat } from "./_util.ts";

/** SETTINGS_HEADER_TABLE_SIZE of nghttp2 (the server never changes it). */
const DEFAULT_TABLE_SIZE = 4096;
/** Indexes of `:authority` and `host` in the HPACK static table. */
const AUTHORITY_INDEXES = new Set([1, 38]);
/** Octet lengths of the names in the HPACK static table (RFC 7541 Appendix A), 1-based. */
const STATIC_NAME_LENGTHS = (
  "0 10 7 7 5 5 7 7 7 7 7 7 7 7 7 14 15 15 13 6 27 3 5 13 13 19 16 16 14 16 13 12 6 4 4 6 7 " +
  "4 4 8 17 13 8 19 13 4 8 12 18 19 5 7 7 11 6 10 25 17 10 4 3 16"
).split(" ").map(Number);
/** Octets nghttp2 accepts in an authority (checked against Deno 2.9.6). */
const AUTHORITY_OCTETS = new Set(
  new TextEncoder().encode(
    "!$%&'()*+,-.0123456789:;=ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz~",
  ),
);
const UNDERSCORE = 0x5f;
const NAMES = new Set([":authority", "host"]);

/** What the server's dynamic table holds, as far as the rewriting needs it. */
interface Entry {
  authority: boolean;
  nameLength: number;
  size: number;
}

/** `value` with each octet an authority may not hold replaced by `_`; null when valid. */
export function sanitizeAuthority(value: Uint8Array): Uint8Array | null {
  if (value.length === 0 || value.every((o) => AUTHORITY_OCTETS.has(o))) return null;
  return value.map((o) => AUTHORITY_OCTETS.has(o) ? o : UNDERSCORE);
}

/**
 * Rewrites invalid authority values in the header blocks of one connection,
 * in order (the dynamic table carries over from block to block).
 */
export class HeaderBlockRewriter {
  #table: Entry[] = [];
  #tableSize = 0;
  #maxTableSize = DEFAULT_TABLE_SIZE;
  /** Header values rewritten so far. */
  rewritten = 0;

  /** The block with invalid authority values replaced, or null when none was. */
  rewrite(buf: Uint8Array): Uint8Array | null {
    const out: Uint8Array[] = [];
    let changed = false;
    let pos = 0;
    while (pos < buf.length) {
      const b = buf[pos];
      if (b & 0x80) { // indexed field
        const { value, next } = readInteger(buf, pos, 7);
        this.#entry(value);
        out.push(buf.subarray(pos, next));
        pos = next;
        continue;
      }
      if ((b & 0xe0) === 0x20) { // dynamic table size update
        const { value, next } = readInteger(buf, pos, 5);
        if (value > DEFAULT_TABLE_SIZE) throw new RangeError("table size above the setting");
        this.#maxTableSize = value;
        this.#evict();
        out.push(buf.subarray(pos, next));
        pos = next;
        continue;
      }
      const indexing = (b & 0xc0) === 0x40;
      const name = readInteger(buf, pos, indexing ? 6 : 4);
      let authority: boolean;
      let nameLength: number;
      let nameEnd = name.next;
      if (name.value === 0) {
        const literal = readString(buf, name.next);
        authority = NAMES.has(new TextDecoder().decode(literal.value));
        nameLength = literal.value.length;
        nameEnd = literal.next;
      } else {
        ({ authority, nameLength } = this.#entry(name.value));
      }
      const value = readString(buf, nameEnd);
      const replacement = authority ? sanitizeAuthority(value.value) : null;
      if (replacement) {
        out.push(buf.subarray(pos, nameEnd), encodeString(replacement));
        changed = true;
        this.rewritten++;
      } else {
        out.push(buf.subarray(pos, value.next));
      }
      if (indexing) {
        this.#insert({ authority, nameLength, size: nameLength + value.value.length + 32 });
      }
      pos = value.next;
    }
    return changed ? concat(out) : null;
  }

  /** What a table index names; for a static index, its name length. */
  #entry(index: number): { authority: boolean; nameLength: number } {
    if (index === 0) throw new RangeError("index 0");
    if (index < STATIC_NAME_LENGTHS.length) {
      return { authority: AUTHORITY_INDEXES.has(index), nameLength: STATIC_NAME_LENGTHS[index] };
    }
    const entry = this.#table[index - STATIC_NAME_LENGTHS.length];
    if (entry === undefined) throw new RangeError(`index ${index} not in the table`);
    return entry;
  }

  #insert(entry: Entry): void {
    this.#table.unshift(entry);
    this.#tableSize += entry.size;
    this.#evict();
  }

  #evict(): void {
    while (this.#tableSize > this.#maxTableSize && this.#table.length > 0) {
      this.#tableSize -= this.#table.pop()!.size;
    }
  }
}
