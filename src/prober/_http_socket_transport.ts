/**
 * The `http:` transport of HTTP probes on a plain TCP socket: one
 * `GET <origin-form> HTTP/1.1` with `Connection: close` on a connection of
 * its own (the kubelet's probes never reuse one), the response head parsed
 * here, the body read up to the caller's limit (Content-Length, chunked, or
 * to the end). It costs a fraction of `fetch`'s CPU (no client, Request,
 * Headers or stream objects, no pool), which matters at hundreds of probes
 * a second. Never a proxy (the kubelet's probes use none either).
 *
 * Header names and values with CR, LF or NUL are refused (TypeError), as
 * `fetch` refuses them.
 *
 * Permissions: `--allow-net` for the target.
 *
 * @module
 */

import type { HttpExchange, HttpTransport } from "./_http_transport.ts";

/** Most bytes of a response head (status line and headers). */
const MAX_HEAD_BYTES = 64 * 1024;
const READ_CHUNK = 16 * 1024;
/** First read of a response: its head, and the body of a small answer. */
const HEAD_CHUNK = 2048;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

interface Head {
  status: number;
  headers: Map<string, string>;
}

/** The request bytes; the `Host` header is the caller's when it sent one. */
export function requestBytes(url: URL, headers: [string, string][]): Uint8Array {
  let host = url.host;
  let lines = "";
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) throw new TypeError(`Invalid header name: '${name}'`);
    if (BAD_VALUE.test(value)) throw new TypeError(`Invalid header value for '${name}'`);
    if (name.toLowerCase() === "host") host = value;
    else if (name.toLowerCase() !== "connection") lines += `${name}: ${value}\r\n`;
  }
  return encoder.encode(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${host}\r\n${lines}Connection: close\r\n\r\n`,
  );
}

/** What a request to one URL needs: its bytes and where to connect. */
interface MadeRequest {
  headers: [string, string][];
  bytes: Uint8Array;
  hostname: string;
  port: number;
}

/**
 * The last request made for a URL object, with the headers array it was
 * made from: httpProbe hands a worker's probes the same URL and headers
 * every period (its request plans), so the bytes are encoded and the URL's
 * parts read once.
 */
const madeRequests = new WeakMap<URL, MadeRequest>();

function requestOnce(url: URL, headers: [string, string][]): MadeRequest {
  const made = madeRequests.get(url);
  if (made?.headers === headers) return made;
  const request = {
    headers,
    bytes: requestBytes(url, headers),
    hostname: bareHostname(url),
    port: url.port ? Number(url.port) : 80,
  };
  madeRequests.set(url, request);
  return request;
}

/**
 * Spare head buffers: a probe's first read goes into one (an ArrayBuffer
 * of its own per probe cost more than the rest of the head's parsing), and
 * it comes back here once the exchange is over with no read pending.
 */
const spareHeadBuffers: Uint8Array[] = [];
const MAX_SPARE_HEAD_BUFFERS = 64;

function takeHeadBuffer(): Uint8Array {
  return spareHeadBuffers.pop() ?? new Uint8Array(HEAD_CHUNK);
}

function giveBackHeadBuffer(buf: Uint8Array): void {
  if (buf.length === HEAD_CHUNK && spareHeadBuffers.length < MAX_SPARE_HEAD_BUFFERS) {
    spareHeadBuffers.push(buf);
  }
}

/** Finds `\r\n\r\n` in `buf` from `from`; -1 when absent. */
function headEnd(buf: Uint8Array, length: number): number {
  for (let i = 3; i < length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;

/** Parses a response head (without the blank line). */
export function parseHead(text: string): Head {
  let eol = text.indexOf("\r\n");
  if (eol < 0) eol = text.length;
  const statusLine = text.slice(0, eol);
  const m = STATUS_LINE.exec(statusLine);
  if (!m) throw new TypeError(`Malformed HTTP response: status line '${statusLine.slice(0, 80)}'`);
  const headers = new Map<string, string>();
  for (let start = eol + 2; start < text.length;) {
    let end = text.indexOf("\r\n", start);
    if (end < 0) end = text.length;
    if (end > start) {
      const colon = text.indexOf(":", start);
      if (colon <= start || colon > end) {
        throw new TypeError(
          `Malformed HTTP response: header line '${text.slice(start, end).slice(0, 80)}'`,
        );
      }
      const name = text.slice(start, colon).trim().toLowerCase();
      const value = text.slice(colon + 1, end).trim();
      const prev = headers.get(name);
      headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
    }
    start = end + 2;
  }
  return { status: Number(m[1]), headers };
}

/** A connection's bytes: what was read past the head first, then the socket. */
class Reader {
  #conn: Deno.Conn;
  #pending: Uint8Array;
  eof = false;

  constructor(conn: Deno.Conn, pending: Uint8Array) {
    this.#conn = conn;
    this.#pending = pending;
  }

  /** Up to `max` bytes; an empty array at the end. */
  async read(max: number): Promise<Uint8Array> {
    if (this.#pending.length > 0) {
      const out = this.#pending.subarray(0, max);
      this.#pending = this.#pending.subarray(out.length);
      return out;
    }
    if (this.eof) return new Uint8Array(0);
    const buf = new Uint8Array(Math.min(max, READ_CHUNK));
    const n = await this.#conn.read(buf);
    if (n === null) {
      this.eof = true;
      return new Uint8Array(0);
    }
    return buf.subarray(0, n);
  }

  /** Puts bytes back in front. */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const merged = new Uint8Array(bytes.length + this.#pending.length);
    merged.set(bytes);
    merged.set(this.#pending, bytes.length);
    this.#pending = merged;
  }

  /** One CRLF-terminated line (for chunk sizes). */
  async line(): Promise<string> {
    let text = "";
    while (text.length < 1024) {
      const bytes = await this.read(1024);
      if (bytes.length === 0) throw new TypeError("unexpected EOF");
      const nl = bytes.indexOf(10);
      if (nl < 0) {
        text += decoder.decode(bytes);
        continue;
      }
      text += decoder.decode(bytes.subarray(0, nl));
      this.unread(bytes.subarray(nl + 1));
      return text.replace(/\r$/, "");
    }
    throw new TypeError("Malformed HTTP response: chunk size line too long");
  }
}

/**
 * The body when the bytes read with the head hold all of it (a declared
 * length, no chunks): most probe answers. A copy, as `rest` is a view of a
 * head buffer that is used again. Undefined when the socket must be read.
 */
function bodyInHead(rest: Uint8Array, head: Head, limit: number): Uint8Array | undefined {
  if (head.status === 204 || head.status === 304 || limit <= 0) return new Uint8Array(0);
  if (head.headers.has("transfer-encoding") || !head.headers.has("content-length")) {
    return undefined;
  }
  const length = Number(head.headers.get("content-length"));
  if (!(length >= 0)) throw new TypeError("Malformed HTTP response: bad Content-Length");
  const want = Math.min(length, limit);
  return rest.length >= want ? rest.slice(0, want) : undefined;
}

async function readBody(reader: Reader, head: Head, limit: number): Promise<Uint8Array> {
  if (head.status === 204 || head.status === 304 || limit <= 0) return new Uint8Array(0);
  const chunked = head.headers.get("transfer-encoding")?.toLowerCase().includes("chunked") ??
    false;
  const declared = chunked ? NaN : Number(head.headers.get("content-length") ?? NaN);
  // Sized for what is coming when the length is known (most probe answers are tiny).
  const out = new Uint8Array(Math.max(0, declared >= 0 ? Math.min(limit, declared) : limit));
  let total = 0;
  const take = async (max: number): Promise<number> => {
    const bytes = await reader.read(Math.min(max, limit - total));
    out.set(bytes, total);
    total += bytes.length;
    return bytes.length;
  };
  if (chunked) {
    while (total < limit) {
      const size = parseInt((await reader.line()).split(";")[0].trim(), 16);
      if (!Number.isFinite(size) || size < 0) {
        throw new TypeError("Malformed HTTP response: bad chunk size");
      }
      if (size === 0) break;
      let left = size;
      while (left > 0 && total < limit) {
        const n = await take(left);
        if (n === 0) throw new TypeError("unexpected EOF");
        left -= n;
      }
      if (left > 0) break; // the limit is reached: the rest is dropped
      await reader.line(); // the chunk's CRLF
    }
    return out.subarray(0, total);
  }
  const length = head.headers.has("content-length")
    ? Number(head.headers.get("content-length"))
    : Infinity;
  if (!(length >= 0)) throw new TypeError("Malformed HTTP response: bad Content-Length");
  while (total < Math.min(length, limit)) {
    const n = await take(Math.min(length, limit) - total);
    if (n === 0) {
      if (length === Infinity) break;
      throw new TypeError("unexpected EOF");
    }
  }
  return out.subarray(0, total);
}

/**
 * Reads the head of the response (skipping 1xx interim answers) into `buf`,
 * or into bigger buffers for a long head; `rest` (the bytes read past the
 * head) is a view of the buffer the head ended in.
 */
async function readHead(
  conn: Deno.Conn,
  buf: Uint8Array,
): Promise<{ head: Head; rest: Uint8Array }> {
  let length = 0;
  while (true) {
    const end = headEnd(buf, length);
    if (end >= 0) {
      const head = parseHead(decoder.decode(buf.subarray(0, end - 4)));
      if (head.status >= 100 && head.status < 200 && head.status !== 101) {
        buf.copyWithin(0, end, length);
        length -= end;
        continue;
      }
      return { head, rest: buf.subarray(end, length) };
    }
    if (length >= MAX_HEAD_BYTES) throw new TypeError("Malformed HTTP response: head too long");
    if (length === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await conn.read(buf.subarray(length));
    if (n === null) throw new TypeError("EOF before the response head");
    length += n;
  }
}

function bareHostname(url: URL): string {
  const h = url.hostname;
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** The `http:` transport on a TCP socket (see the module doc). */
export const socketHttpTransport: HttpTransport = async (url, headers, signal) => {
  signal.throwIfAborted();
  const request = requestOnce(url, headers);
  const conn = await Deno.connect({ hostname: request.hostname, port: request.port, signal });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", close);
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  signal.addEventListener("abort", close, { once: true });
  const buf = takeHeadBuffer();
  /** Closes, and keeps the head buffer when no read into it can be pending. */
  const finish = () => {
    const reuse = !closed;
    close();
    if (reuse) giveBackHeadBuffer(buf);
  };
  let head: Head;
  let rest: Uint8Array;
  try {
    const bytes = request.bytes;
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    ({ head, rest } = await readHead(conn, buf));
  } catch (e) {
    close();
    throw signal.aborted ? signal.reason : e;
  }
  const exchange: HttpExchange = {
    status: head.status,
    location: head.headers.get("location") ?? null,
    async readBody(limit) {
      try {
        return bodyInHead(rest, head, limit) ??
          await readBody(new Reader(conn, rest.slice()), head, limit);
      } catch (e) {
        throw signal.aborted ? signal.reason : e;
      } finally {
        finish();
      }
    },
    discard: finish,
  };
  return exchange;
};
