import assert from "node:assert/strict";
import { decodeHuffman, encodeInteger, readInteger } from "../../src/cri/fake/_hpack.ts";
import { AuthorityRewriter } from "../../src/cri/fake/_authority_rewriter.ts";
import { sanitizeAuthority } from "../../src/cri/fake/_header_block_rewriter.ts";
import { concat as concatBytes } from "../../src/cri/fake/_util.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const PREFACE = enc.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const head = new Uint8Array(9);
  head[0] = payload.length >> 16;
  head[1] = (payload.length >> 8) & 0xff;
  head[2] = payload.length & 0xff;
  head[3] = type;
  head[4] = flags;
  new DataView(head.buffer).setUint32(5, streamId);
  return concat(head, payload);
}

const headers = (flags: number, block: Uint8Array, id = 1) => frame(0x1, flags, id, block);
const plain = (s: string) => concat(Uint8Array.of(s.length), enc.encode(s));
/** `/tmp/x.sock`, Huffman-coded (8 octets for 11). */
const HUFFMAN_SOCKET = concat(Uint8Array.of(0x88), hex("6134d6c795d07275"));
/** :method GET, :scheme http, :path / (static table). */
const GET = Uint8Array.of(0x82, 0x86, 0x84);

function rewrite(...chunks: Uint8Array[]): Uint8Array {
  const rewriter = new AuthorityRewriter();
  return concat(...chunks.map((c) => rewriter.push(c)));
}

Deno.test("decodeHuffman() decodes RFC 7541 C.4.1 and refuses bad padding", () => {
  assert.equal(dec.decode(decodeHuffman(hex("f1e3c2e5f23a6ba0ab90f4ff"))), "www.example.com");
  assert.equal(dec.decode(decodeHuffman(hex("6134d6c795d07275"))), "/tmp/x.sock");
  assert.throws(() => decodeHuffman(hex("f1e3c2e5f23a6ba0ab90f400")), RangeError);
});

Deno.test("HPACK integers round-trip across the prefix boundary", () => {
  for (const [value, prefix] of [[10, 5], [31, 5], [1337, 5], [0, 7], [127, 7], [2 ** 20, 4]]) {
    const bytes = Uint8Array.from(encodeInteger(value, prefix, 0));
    assert.deepEqual(readInteger(bytes, 0, prefix), { value, next: bytes.length });
  }
});

Deno.test("sanitizeAuthority() keeps the length and replaces what nghttp2 refuses by _", () => {
  assert.equal(dec.decode(sanitizeAuthority(enc.encode("/run/x.sock"))!), "_run_x.sock");
  assert.equal(dec.decode(sanitizeAuthority(enc.encode("a@b é"))!), "a_b___");
  assert.equal(sanitizeAuthority(enc.encode("localhost:80")), null);
  assert.equal(sanitizeAuthority(new Uint8Array(0)), null);
});

Deno.test("AuthorityRewriter rewrites a Huffman-coded :authority and keeps the dynamic table in step", async (t) => {
  // Request 1 indexes (:authority, /tmp/x.sock); request 2 refers to that entry (index 62)
  // and to its name (a literal with name index 62 and a new invalid value).
  const first = headers(0x5, concat(GET, Uint8Array.of(0x41), HUFFMAN_SOCKET));
  const second = headers(0x5, concat(GET, Uint8Array.of(0xbe)), 3);
  const third = headers(0x5, concat(GET, Uint8Array.of(0x7e), plain("a/b")), 5);
  const data = frame(0x0, 0x1, 1, enc.encode("payload"));
  const input = concat(PREFACE, first, data, second, third);
  const want = concat(
    PREFACE,
    headers(0x5, concat(GET, Uint8Array.of(0x41), plain("_tmp_x.sock"))),
    data,
    second,
    headers(0x5, concat(GET, Uint8Array.of(0x7e), plain("a_b")), 5),
  );
  await t.step("in one chunk", () => assert.deepEqual(rewrite(input), want));
  await t.step("one octet at a time", () => {
    assert.deepEqual(rewrite(...[...input].map((b) => Uint8Array.of(b))), want);
  });
});

Deno.test("AuthorityRewriter leaves valid authorities and other frames byte for byte", () => {
  // RFC 7541 C.4.1: :authority www.example.com.
  const block = hex("828684418cf1e3c2e5f23a6ba0ab90f4ff");
  const input = concat(
    PREFACE,
    frame(0x4, 0, 0, new Uint8Array(0)),
    headers(0x4, block),
    frame(0x0, 0, 1, new Uint8Array(40_000)),
  );
  assert.deepEqual(rewrite(input.subarray(0, 50), input.subarray(50)), input);
});

Deno.test("AuthorityRewriter joins CONTINUATION frames, keeps priority and END_STREAM, drops padding", () => {
  const block = concat(GET, Uint8Array.of(0x10), plain(":authority"), plain("/x.sock"));
  const priority = Uint8Array.of(0, 0, 0, 0, 15);
  const padded = concat(Uint8Array.of(3), priority, block.subarray(0, 5), new Uint8Array(3));
  const input = concat(
    PREFACE,
    headers(0x1 | 0x8 | 0x20, padded),
    frame(0x9, 0x4, 1, block.subarray(5)),
  );
  const fixed = concat(GET, Uint8Array.of(0x10), plain(":authority"), plain("_x.sock"));
  assert.deepEqual(
    rewrite(input),
    concat(PREFACE, headers(0x1 | 0x4 | 0x20, concat(priority, fixed))),
  );
});

Deno.test("AuthorityRewriter passes through what is not HTTP/2 or not a readable header block", () => {
  const http1 = enc.encode("GET / HTTP/1.1\r\nHost: /x\r\n\r\n");
  assert.deepEqual(rewrite(http1), http1);
  // An index past the table: nghttp2 must see the original bytes and refuse them itself.
  const bad = concat(PREFACE, headers(0x4, Uint8Array.of(0xff, 0x7f)), headers(0x4, GET, 3));
  assert.deepEqual(rewrite(bad), bad);
  // A header block interrupted by another frame (a protocol error nghttp2 reports).
  const socket = concat(Uint8Array.of(0x41), plain("/x.sock"));
  const interrupted = concat(
    PREFACE,
    headers(0x0, concat(GET, socket)),
    frame(0x0, 0, 1, enc.encode("x")),
  );
  assert.deepEqual(rewrite(interrupted), interrupted);
});
