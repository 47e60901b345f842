/**
 * Makes the fake runtime accept CRI clients that send the socket path as
 * `:authority` (Go CRI clients before Kubernetes 1.27: crictl, critest).
 * Private to src/cri/fake/.
 *
 * nghttp2, under Deno's (and Node's) `node:http2` server, checks the
 * characters of `:authority` and `host` and refuses a request whose value
 * is not a URI authority: `/` is not allowed, so `/run/x.sock` fails with
 * PROTOCOL_ERROR (Deno ends the whole connection with a GOAWAY, which Go
 * reports as "received prior goaway: code: PROTOCOL_ERROR"). No server
 * option turns the check off. containerd's Go server does not check.
 *
 * {@linkcode AuthorityRewriter} sits on the bytes from the client: it reads
 * each header block (HPACK, RFC 7541) and replaces every character an
 * authority may not hold by `_` (`/run/x.sock` becomes `_run_x.sock`). The
 * value keeps its length in octets, so the server's dynamic table stays the
 * same size as the client's and later references into it stay right. Every
 * other byte passes unchanged; a connection that is not HTTP/2 with prior
 * knowledge, or a header block that cannot be read, is passed through as it
 * is (nghttp2 then answers as before).
 *
 * @module
 */

import { encodeString, readInteger, readString } from "./_hpack.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
/** Every HTTP/2 peer accepts frames of this size. */
const MAX_FRAME = 16_384;
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

interface OpenBlock {
  streamId: number;
  endStream: boolean;
  priority: Uint8Array | null;
  fragments: Uint8Array[];
  /** The frames as received, forwarded when nothing needs rewriting. */
  frames: Uint8Array[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out[0] = payload.length >> 16;
  out[1] = (payload.length >> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId & 0x7fffffff);
  out.set(payload, 9);
  return out;
}

/** `value` with each octet an authority may not hold replaced by `_`; null when valid. */
export function sanitizeAuthority(value: Uint8Array): Uint8Array | null {
  if (value.length === 0 || value.every((o) => AUTHORITY_OCTETS.has(o))) return null;
  return value.map((o) => AUTHORITY_OCTETS.has(o) ? o : UNDERSCORE);
}

/**
 * Rewrites invalid `:authority` and `host` values in the client-to-server
 * bytes of one HTTP/2 connection; see the module documentation.
 */
export class AuthorityRewriter {
  #input: Uint8Array = new Uint8Array(0);
  #mode: "preface" | "frames" | "passthrough" = "preface";
  /** Payload octets of the current non-header frame still to forward. */
  #passBytes = 0;
  #block: OpenBlock | undefined;
  #table: Entry[] = [];
  #tableSize = 0;
  #maxTableSize = DEFAULT_TABLE_SIZE;
  /** Header values rewritten so far. */
  rewritten = 0;

  /** Takes the next bytes from the client and returns the bytes to hand to the server. */
  push(chunk: Uint8Array): Uint8Array {
    const input = this.#input.length === 0 ? chunk : concat([this.#input, chunk]);
    this.#input = new Uint8Array(0);
    if (this.#mode === "passthrough") return input;
    const out: Uint8Array[] = [];
    let pos = 0;
    if (this.#mode === "preface") {
      const n = Math.min(input.length, PREFACE.length);
      if (!input.subarray(0, n).every((b, i) => b === PREFACE[i])) return this.#passthrough(input);
      if (input.length < PREFACE.length) {
        this.#input = input;
        return new Uint8Array(0);
      }
      out.push(input.subarray(0, PREFACE.length));
      pos = PREFACE.length;
      this.#mode = "frames";
    }
    while (pos < input.length) {
      if (this.#passBytes > 0) {
        const n = Math.min(this.#passBytes, input.length - pos);
        out.push(input.subarray(pos, pos + n));
        this.#passBytes -= n;
        pos += n;
        continue;
      }
      if (input.length - pos < 9) break;
      const length = (input[pos] << 16) | (input[pos + 1] << 8) | input[pos + 2];
      const type = input[pos + 3];
      if (type !== HEADERS && type !== CONTINUATION && this.#block === undefined) {
        out.push(input.subarray(pos, pos + 9));
        this.#passBytes = length;
        pos += 9;
        continue;
      }
      if (input.length - pos < 9 + length) break;
      const whole = input.subarray(pos, pos + 9 + length);
      pos += 9 + length;
      try {
        const forwarded = this.#headerFrame(whole);
        if (forwarded) out.push(forwarded);
      } catch {
        // Not a header block we can read: let nghttp2 judge the original bytes.
        const held = this.#block?.frames ?? [];
        this.#block = undefined;
        out.push(...held, whole, this.#passthrough(input.subarray(pos)));
        return concat(out);
      }
    }
    this.#input = input.slice(pos);
    return concat(out);
  }

  #passthrough(rest: Uint8Array): Uint8Array {
    this.#mode = "passthrough";
    return rest;
  }

  /** Handles a whole HEADERS or CONTINUATION frame; returns what to forward now. */
  #headerFrame(whole: Uint8Array): Uint8Array | undefined {
    const type = whole[3];
    const flags = whole[4];
    const streamId = new DataView(whole.buffer, whole.byteOffset).getUint32(5) & 0x7fffffff;
    const payload = whole.subarray(9);
    if (type === HEADERS) {
      if (this.#block !== undefined) throw new RangeError("HEADERS inside a header block");
      let at = 0;
      let pad = 0;
      if (flags & PADDED) {
        pad = payload[0];
        at = 1;
      }
      const priority = flags & PRIORITY ? payload.slice(at, at + 5) : null;
      if (priority) at += 5;
      if (at + pad > payload.length) throw new RangeError("HEADERS padding too long");
      this.#block = {
        streamId,
        endStream: (flags & END_STREAM) !== 0,
        priority,
        fragments: [payload.subarray(at, payload.length - pad)],
        frames: [whole.slice()],
      };
    } else {
      if (type !== CONTINUATION || this.#block === undefined || streamId !== this.#block.streamId) {
        throw new RangeError("a header block interrupted, or CONTINUATION outside one");
      }
      this.#block.fragments.push(payload);
      this.#block.frames.push(whole.slice());
    }
    if ((flags & END_HEADERS) === 0) return undefined;
    const block = this.#block;
    this.#block = undefined;
    const rewritten = this.#rewriteBlock(concat(block.fragments));
    if (rewritten === null) return concat(block.frames);
    return this.#frames(block, rewritten);
  }

  /** The block as HEADERS and CONTINUATION frames of at most {@linkcode MAX_FRAME} octets. */
  #frames(block: OpenBlock, fields: Uint8Array): Uint8Array {
    const head = block.priority ?? new Uint8Array(0);
    const firstLength = Math.min(fields.length, MAX_FRAME - head.length);
    const frames: Uint8Array[] = [];
    let flags = (block.endStream ? END_STREAM : 0) | (block.priority ? PRIORITY : 0);
    if (firstLength === fields.length) flags |= END_HEADERS;
    frames.push(
      frame(HEADERS, flags, block.streamId, concat([head, fields.subarray(0, firstLength)])),
    );
    for (let at = firstLength; at < fields.length; at += MAX_FRAME) {
      const end = Math.min(fields.length, at + MAX_FRAME);
      const last = end === fields.length ? END_HEADERS : 0;
      frames.push(frame(CONTINUATION, last, block.streamId, fields.subarray(at, end)));
    }
    return concat(frames);
  }

  /** The block with invalid authority values replaced, or null when none was. */
  #rewriteBlock(buf: Uint8Array): Uint8Array | null {
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
