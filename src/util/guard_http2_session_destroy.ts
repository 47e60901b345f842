/**
 * A workaround for a use-after-free in Deno's `node:http2` (seen on Deno
 * 2.9.5 and 2.9.6, denoland/deno#36788) that aborts the whole process
 * (`nghttp2_session.c:2402: find_stream_on_goaway_func: Assertion
 * 'stream->closed_next == NULL' failed`, exit 134) or crashes it without a
 * word (exit 139). Used by every gRPC peer of the agent: the CRI client,
 * the fake runtime server and the gRPC prober.
 *
 * The fault: when a session receives a GOAWAY, nghttp2 calls the JS
 * `onGoawayData` callback from inside `nghttp2_session_mem_recv()`. That
 * callback emits `goaway` (grpc-js closes its transport there) and closes
 * the session; a session with no open stream (an idle channel) is then
 * destroyed at once, and Deno's native `Http2Session.destroy` frees the
 * nghttp2 session (`nghttp2_session_del`) while `mem_recv` is still working
 * on the GOAWAY frame. nghttp2 then walks the freed stream map
 * (`session_close_stream_on_goaway`): the abort or the segfault, depending
 * on what the allocator put in the freed memory. It hits a client when the
 * runtime stops (containerd, the fake runtime) while the channel is idle,
 * and a server when a client closes an idle channel. `MALLOC_PERTURB_=165`
 * (glibc fills freed memory) makes it happen every time.
 *
 * The workaround runs the native destroy one macrotask later (as Node's own
 * C++ layer does when it is inside nghttp2), where nghttp2 is never on the
 * stack. The JS session is marked destroyed at once as before; only freeing
 * the nghttp2 session and closing the socket wait.
 *
 * @module
 */

import http2 from "node:http2";
import { Duplex } from "node:stream";
import { setImmediate } from "node:timers";

type NativeDestroy = (this: object, ...args: unknown[]) => unknown;

const GUARDED = Symbol.for("denolet.http2DestroyGuard");

let installed: boolean | undefined;

/**
 * The prototype of Deno's native session handle (`session[kHandle]`), found
 * on a throwaway client session over an in-memory stream (no I/O, no
 * permission).
 */
function nativeSessionPrototype(): Record<string | symbol, unknown> | undefined {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const session = http2.connect("http://localhost", {
    createConnection: () => socket as unknown as import("node:net").Socket,
  });
  session.on("error", () => {});
  try {
    for (const symbol of Object.getOwnPropertySymbols(session)) {
      if (symbol.description !== "kHandle") continue;
      const handle = (session as unknown as Record<symbol, unknown>)[symbol];
      if (typeof handle !== "object" || handle === null) continue;
      const proto = Object.getPrototypeOf(handle) as Record<string | symbol, unknown> | null;
      if (proto && typeof proto.destroy === "function" && typeof proto.receive === "function") {
        return proto;
      }
    }
    return undefined;
  } finally {
    session.destroy();
    socket.destroy();
  }
}

/**
 * Makes Deno's native HTTP/2 session destroy run on the next macrotask, so
 * that no session is freed while nghttp2 is processing one of its frames.
 * Idempotent; process-wide (every `node:http2` session, client or server).
 *
 * @returns `true` when the guard is in place, `false` when this Deno's
 *   `node:http2` has no native handle of the expected shape (then nothing
 *   was changed).
 */
export function guardHttp2SessionDestroy(): boolean {
  if (installed !== undefined) return installed;
  const proto = nativeSessionPrototype();
  if (proto === undefined) return installed = false;
  if (proto[GUARDED] !== true) {
    const destroy = proto.destroy as NativeDestroy;
    proto.destroy = function deferredDestroy(this: object, ...args: unknown[]): void {
      setImmediate(() => destroy.apply(this, args));
    };
    proto[GUARDED] = true;
  }
  return installed = true;
}
