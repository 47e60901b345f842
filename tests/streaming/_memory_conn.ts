/**
 * Two in-memory {@linkcode StreamConn}s wired to each other, for the proxy
 * tests: what one writes the other reads; closing the writable half-closes
 * (the peer reads to its end); `close()` on either ends both directions,
 * as destroying a socket does.
 */
import type { StreamConn } from "../../src/streaming/mod.ts";

/** A test's end of a connection: the conn plus helpers to read it as text. */
export interface MemoryEnd extends StreamConn {
  /** True once `close()` was called on this end or its peer. */
  readonly closed: boolean;
}

export function memoryPipe(): [MemoryEnd, MemoryEnd] {
  const controllers: TransformStreamDefaultController<Uint8Array>[] = [];
  // Room for a few chunks each way, so a test may write before the other side reads.
  const pipe = () =>
    new TransformStream<Uint8Array, Uint8Array>(
      { start: (c) => void controllers.push(c) },
      { highWaterMark: 16 },
      { highWaterMark: 16 },
    );
  const t1 = pipe();
  const t2 = pipe();
  const state = { closed: false };
  const close = () => {
    if (state.closed) return;
    state.closed = true;
    for (const c of controllers) {
      try {
        c.terminate();
      } catch {
        // already closed
      }
    }
  };
  const end = (readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array>) => ({
    readable,
    writable,
    close,
    get closed() {
      return state.closed;
    },
  });
  return [end(t2.readable, t1.writable), end(t1.readable, t2.writable)];
}

const decoder = new TextDecoder();

/** Reads `reader` until the text read so far contains `want` (or the stream ends). */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  want: string,
  seen = { text: "" },
): Promise<string> {
  while (!seen.text.includes(want)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen.text += decoder.decode(value);
  }
  return seen.text;
}

/** Reads `reader` to its end. */
export async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = "";
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return text;
    text += decoder.decode(value);
  }
}

export const enc = (s: string) => new TextEncoder().encode(s);
