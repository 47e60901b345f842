/**
 * Writes a fetch `Response` to a node:http `ServerResponse`, streaming the
 * body with back-pressure, for responses that go on for as long as the
 * client reads (`kubectl logs -f`, `denolet logs -f`). Both servers use it:
 * the plain HTTP ones (serve.ts) and the kubelet API's HTTPS one
 * (src/kubeletserver/secure_server.ts).
 *
 * @module
 */

import type { ServerResponse } from "node:http";

/** Most bytes of a body gathered before its head is sent (Go's net/http buffers about 2 KiB). */
const GATHER_LIMIT = 64 * 1024;

const NOT_YET = Symbol("not yet");

/** The read's result if it settles before the next macrotask (what is ready now), else NOT_YET. */
async function readyNow<T>(read: Promise<T>): Promise<T | typeof NOT_YET> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<typeof NOT_YET>((resolve) => {
    timer = setTimeout(() => resolve(NOT_YET), 0);
  });
  try {
    return await Promise.race([read, later]);
  } finally {
    clearTimeout(timer);
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Writes `response` to `res`, streaming its body with back-pressure. A body
 * that is complete at once (a plain answer: up to 64 KiB ready before the
 * next macrotask) is sent whole with `Content-Length`, as Go's server does
 * for a handler that returns before its buffer fills; one still coming (a
 * follow) is sent as it is read, chunked. Ends early, cancelling the body,
 * when the client leaves or when the `stop` given to `register` is called
 * (the server's shutdown); `register` returns the function that forgets it
 * once the response is done.
 */
export async function pipeResponse(
  res: ServerResponse,
  response: Response,
  register: (stop: () => void) => () => void,
): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  let gone = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    gone = true;
    wake?.();
    reader.cancel().catch(() => {});
  };
  const unregister = register(stop);
  res.once("close", stop);
  const write = async (chunk: Uint8Array) => {
    if (res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
      res.once("drain", resolve);
    });
    wake = undefined;
  };
  try {
    const ready: Uint8Array[] = [];
    let readyBytes = 0;
    let pending = reader.read();
    while (!gone && readyBytes < GATHER_LIMIT) {
      const r = await readyNow(pending);
      if (r === NOT_YET) break;
      if (r.done) {
        if (!res.hasHeader("content-length")) res.setHeader("content-length", readyBytes);
        res.end(concat(ready, readyBytes));
        return;
      }
      ready.push(r.value);
      readyBytes += r.value.length;
      pending = reader.read();
    }
    for (const chunk of ready) await write(chunk);
    while (!gone) {
      const { value, done } = await pending;
      if (done || gone) break;
      await write(value);
      pending = reader.read();
    }
  } catch {
    // the body failed or was cancelled: end what was sent
  } finally {
    unregister();
    res.off("close", stop);
    if (!res.writableEnded) res.end();
  }
}
