/**
 * A node:net/node:tls socket taken over after an upgrade, as the
 * runtime-neutral {@linkcode StreamConn} of src/streaming: its bytes as a
 * ReadableStream (paused while the reader is behind, so a slow reader
 * slows the sender) and a WritableStream that waits for `drain`. Closing
 * the writable ends the socket (FIN after the buffered bytes); `close()`
 * destroys it.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { StreamConn } from "../streaming/mod.ts";

const HIGH_WATER_BYTES = 64 * 1024;

/** Wraps `socket`; `head` (bytes read past the request) is not replayed here. */
export function socketConn(socket: Duplex): StreamConn {
  let readDone = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = (err?: unknown) => {
        if (readDone) return;
        readDone = true;
        if (err) controller.error(err);
        else controller.close();
      };
      socket.on("data", (chunk: Uint8Array) => {
        if (readDone) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) socket.pause();
      });
      socket.once("end", () => finish());
      socket.on("error", (err: Error) => finish(err));
      socket.once("close", () => finish());
    },
    pull() {
      socket.resume();
    },
    cancel() {
      readDone = true;
      socket.destroy();
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }));

  const gone = () => new Error("the connection is closed");
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (socket.destroyed || socket.writableEnded) return Promise.reject(gone());
      if (socket.write(chunk)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          if (socket.destroyed) reject(gone());
          else resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      });
    },
    close() {
      if (socket.destroyed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        socket.once("close", () => resolve());
        socket.end(() => resolve());
      });
    },
    abort() {
      socket.destroy();
    },
  });
  return {
    readable,
    writable,
    close: () => {
      if (!socket.destroyed) socket.destroy();
    },
  };
}
