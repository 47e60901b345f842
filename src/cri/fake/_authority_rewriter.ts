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
 * {@linkcode AuthorityRewriter} sits on the bytes from the client: it joins
 * each header block from its HTTP/2 frames, has the
 * {@linkcode HeaderBlockRewriter} (_header_block_rewriter.ts) replace every
 * character an authority may not hold by `_` (`/run/x.sock` becomes
 * `_run_x.sock`), and frames the block again. Every other byte passes
 * unchanged; a connection that is not HTTP/2 with prior knowledge, or a
 * header block that cannot be read, is passed through as it is (nghttp2
 * then answers as before).
 *
 * @module
 */

import { HeaderBlockRewriter } from "./_header_block_rewriter.ts";
import { concat } from "./_util.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
/** Every HTTP/2 peer accepts frames of this size. */
const MAX_FRAME = 16_384;

/** A header block being joined from its HEADERS and CONTINUATION frames. */
interface OpenBlock {
  streamId: number;
  endStream: boolean;
  priority: Uint8Array | null;
  fragments: Uint8Array[];
  /** The frames as received, forwarded when nothing needs rewriting. */
  frames: Uint8Array[];
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
  #fields: HeaderBlockRewriter = new HeaderBlockRewriter();

  /** Header values rewritten so far. */
  get rewritten(): number {
    return this.#fields.rewritten;
  }

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
    const rewritten = this.#fields.rewrite(concat(block.fragments));
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
}
