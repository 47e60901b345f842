/**
 * The kubelet's proxy of an upgraded request to the runtime's streaming
 * server (apimachinery's UpgradeAwareHandler as the kubelet's proxyStream
 * uses it): dial the streaming URL, send the client's request line and
 * headers (minus `Authorization`, plus `X-Forwarded-For`) to the URL's
 * path, and read the answer.
 *
 * - 101: the answer and every byte after it go to the client, and bytes
 *   are copied both ways until either side ends; then both are ended.
 *   The protocol (SPDY/3.1, WebSocket) is never looked at.
 * - 400 and above: the answer (headers and body) is passed to the client
 *   as is, and the connection closed.
 * - any other status: 500 `invalid upgrade response: status code N`.
 * - no connection to the streaming server, or no answer within
 *   `answerTimeoutMs`: 500 with the reason, as the kubelet's responder.
 *
 * A stream without traffic either way for `idleTimeoutMs` (the kubelet's
 * `streamingConnectionIdleTimeout`, 4 h) is closed, and so is every stream
 * when `signal` aborts (the server stops). Time comes from the injected
 * clock.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import {
  answerAndClose,
  rawTextAnswer,
  type StreamConn,
  type UpgradeOutcome,
  type UpgradeRequest,
} from "./stream_conn.ts";

/** Opens a TCP connection to the streaming server. */
export type Dial = (hostname: string, port: number) => Promise<StreamConn>;

/**
 * {@linkcode Dial} on `Deno.connect`. Needs `--allow-net=<host>:<port>` of
 * the runtime's streaming server (127.0.0.1 for containerd and CRI-O).
 */
export const denoDial: Dial = async (hostname, port) => {
  const conn = await Deno.connect({ hostname, port });
  // Small frames both ways (SPDY, WebSocket): no Nagle delay, as Go's TCP default.
  conn.setNoDelay(true);
  let closed = false;
  return {
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // already closed by its streams
      }
    },
  };
};

/** Default of {@linkcode ProxyOptions.idleTimeoutMs}: 4 hours. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 4 * 3600_000;
/** Default of {@linkcode ProxyOptions.answerTimeoutMs}. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;
/** How long ending a stream may wait for its buffered bytes before it is cut. */
const END_GRACE_MS = 10_000;
const MAX_ANSWER_HEAD = 64 * 1024;

/** Options of {@linkcode proxyUpgrade}. */
export interface ProxyOptions {
  clock: Clock;
  /** Most time without traffic either way; 0 = no limit. @default 4 h */
  idleTimeoutMs?: number;
  /** Most time to the streaming server's answer. @default 30 s */
  answerTimeoutMs?: number;
  /** Ends the stream (the server stops). */
  signal?: AbortSignal;
  /** @default denoDial */
  dial?: Dial;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The request as the streaming server gets it. */
export function backendRequestHead(target: URL, request: UpgradeRequest): Uint8Array {
  let head = `${request.method} ${target.pathname}${target.search} HTTP/1.1\r\n` +
    `Host: ${target.host}\r\n`;
  let forwardedFor = "";
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (lower === "host" || lower === "authorization") continue;
    if (lower === "x-forwarded-for") {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  if (request.remoteAddress) {
    forwardedFor = forwardedFor
      ? `${forwardedFor}, ${request.remoteAddress}`
      : request.remoteAddress;
  }
  if (forwardedFor) head += `X-Forwarded-For: ${forwardedFor}\r\n`;
  return encoder.encode(`${head}\r\n`);
}

function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

interface Answer {
  status: number;
  /** The status line and headers, with the blank line. */
  head: Uint8Array;
  /** Bytes read past the head. */
  rest: Uint8Array;
  contentLength?: number;
}

async function readAnswer(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Answer> {
  let buf: Uint8Array = new Uint8Array(0);
  for (;;) {
    const end = indexOfHeadEnd(buf);
    if (end >= 0) {
      const text = decoder.decode(buf.subarray(0, end));
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!m) {
        throw new Error(`malformed HTTP status line ${JSON.stringify(text.split("\r\n")[0])}`);
      }
      const length = /\r\ncontent-length:\s*(\d+)\r\n/i.exec(text);
      return {
        status: Number(m[1]),
        head: buf.subarray(0, end),
        rest: buf.subarray(end),
        contentLength: length ? Number(length[1]) : undefined,
      };
    }
    if (buf.length > MAX_ANSWER_HEAD) throw new Error("the answer's headers exceed 64 KiB");
    const { value, done } = await reader.read();
    if (done) throw new Error("the streaming server closed the connection before answering");
    buf = concat(buf, value);
  }
}

function closed(status: number): UpgradeOutcome {
  return { status, finished: Promise.resolve() };
}

/**
 * Proxies the upgrade `request` on `client` to `target` (the runtime's
 * streaming URL). Resolves once the answer's status is known; its
 * `finished` settles when both connections are closed. Never rejects: a
 * failure is answered on `client`.
 */
export async function proxyUpgrade(
  target: URL,
  request: UpgradeRequest,
  client: StreamConn,
  options: ProxyOptions,
): Promise<UpgradeOutcome> {
  const { clock, signal } = options;
  const fail = async (status: number, text: string) => {
    await answerAndClose(client, rawTextAnswer(status, text));
    return closed(status);
  };
  if (target.protocol !== "http:") {
    return await fail(500, `Cannot proxy to the streaming URL '${target.href}': not http`);
  }
  if (signal?.aborted) return await fail(503, "the kubelet API is stopping");
  let backend: StreamConn;
  try {
    const port = target.port ? Number(target.port) : 80;
    backend = await (options.dial ?? denoDial)(target.hostname.replace(/^\[|\]$/g, ""), port);
  } catch (err) {
    return await fail(500, `error dialing backend: ${errText(err)}`);
  }
  const toBackend = backend.writable.getWriter();
  const fromBackend = backend.readable.getReader();
  const cutBackend = () => backend.close();
  signal?.addEventListener("abort", cutBackend, { once: true });
  const cancelAnswerTimer = clock.after(
    options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
    cutBackend,
  );
  let answer: Answer;
  try {
    await toBackend.write(backendRequestHead(target, request));
    if (request.head.length > 0) await toBackend.write(request.head);
    answer = await readAnswer(fromBackend);
  } catch (err) {
    signal?.removeEventListener("abort", cutBackend);
    backend.close();
    return await fail(500, `error proxying to the streaming server: ${errText(err)}`);
  } finally {
    cancelAnswerTimer();
  }
  signal?.removeEventListener("abort", cutBackend);
  if (answer.status !== 101 && answer.status < 400) {
    backend.close();
    return await fail(500, `invalid upgrade response: status code ${answer.status}`);
  }
  const toClient = client.writable.getWriter();
  const fromClient = client.readable.getReader();
  const cutAll = () => {
    backend.close();
    client.close();
  };
  if (answer.status !== 101) {
    return { status: answer.status, finished: relayRefusal(answer, fromBackend, toClient, cutAll) };
  }
  return {
    status: 101,
    finished: pipeBoth(answer, { fromClient, toClient, fromBackend, toBackend }, cutAll, options),
  };
}

/** The streaming server's refusal (and its body), then close. */
async function relayRefusal(
  answer: Answer,
  fromBackend: ReadableStreamDefaultReader<Uint8Array>,
  toClient: WritableStreamDefaultWriter<Uint8Array>,
  cutAll: () => void,
): Promise<void> {
  try {
    await toClient.write(answer.head);
    let left = answer.contentLength ?? Infinity;
    let chunk: Uint8Array | undefined = answer.rest;
    while (left > 0 && chunk) {
      const part = chunk.subarray(0, Math.min(chunk.length, left));
      if (part.length > 0) await toClient.write(part);
      left -= part.length;
      if (left <= 0) break;
      const { value, done } = await fromBackend.read();
      chunk = done ? undefined : value;
    }
    await toClient.close();
  } catch {
    // one side went away
  } finally {
    cutAll();
  }
}

interface Ends {
  fromClient: ReadableStreamDefaultReader<Uint8Array>;
  toClient: WritableStreamDefaultWriter<Uint8Array>;
  fromBackend: ReadableStreamDefaultReader<Uint8Array>;
  toBackend: WritableStreamDefaultWriter<Uint8Array>;
}

async function pipeBoth(
  answer: Answer,
  ends: Ends,
  cutAll: () => void,
  options: ProxyOptions,
): Promise<void> {
  const { clock, signal } = options;
  const idleMs = options.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  let last = clock.now();
  let cancelIdle = () => {};
  const arm = (ms: number) => {
    cancelIdle = clock.after(ms, () => {
      const idle = clock.now() - last;
      if (idle >= idleMs) cutAll();
      else arm(idleMs - idle);
    });
  };
  const pump = async (
    from: ReadableStreamDefaultReader<Uint8Array>,
    to: WritableStreamDefaultWriter<Uint8Array>,
  ) => {
    try {
      for (;;) {
        const { value, done } = await from.read();
        if (done) return;
        last = clock.now();
        await to.write(value);
      }
    } catch {
      // that side is gone
    }
  };
  signal?.addEventListener("abort", cutAll, { once: true });
  try {
    await ends.toClient.write(concat(answer.head, answer.rest));
    if (idleMs > 0) arm(idleMs);
    await Promise.race([
      pump(ends.fromClient, ends.toBackend),
      pump(ends.fromBackend, ends.toClient),
    ]);
    // One side ended: end both, letting buffered bytes out for a while.
    const cancelGrace = clock.after(END_GRACE_MS, cutAll);
    await Promise.allSettled([ends.toClient.close(), ends.toBackend.close()]);
    cancelGrace();
  } catch {
    // the client left before the answer reached it
  } finally {
    cancelIdle();
    signal?.removeEventListener("abort", cutAll);
    cutAll();
    ends.fromClient.cancel().catch(() => {});
    ends.fromBackend.cancel().catch(() => {});
  }
}
