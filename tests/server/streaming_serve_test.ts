import assert from "node:assert/strict";
import { startServer } from "../../src/server/mod.ts";

/** A body that sends `first`, then waits for `release()` before `second` and the end. */
function gatedBody() {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(new TextEncoder().encode("first\n"));
      await gate;
      if (cancelled) return;
      c.enqueue(new TextEncoder().encode("second\n"));
      c.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, release, cancelled: () => cancelled };
}

Deno.test("startServer() streams a body still coming (logs -f) instead of buffering it", async () => {
  const ac = new AbortController();
  const gated = gatedBody();
  const server = await startServer(() => Promise.resolve(new Response(gated.body)), {
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  });
  try {
    const r = await fetch(`http://127.0.0.1:${server.port}/containerLogs/a/b/c?follow=true`);
    assert.equal(r.status, 200);
    const reader = r.body!.getReader();
    // Before this fix the whole body was buffered: nothing came until the gate opened.
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "first\n");
    gated.release();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    assert.equal(rest, "second\n");
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("startServer() ends open streams when it stops", async () => {
  const ac = new AbortController();
  const gated = gatedBody();
  const server = await startServer(() => Promise.resolve(new Response(gated.body)), {
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  });
  const r = await fetch(`http://127.0.0.1:${server.port}/x`);
  const reader = r.body!.getReader();
  await reader.read();
  ac.abort();
  await server.finished; // would wait for the gate forever if the stream were not ended
  assert.ok(gated.cancelled(), "the body was cancelled");
  await reader.read().catch(() => {});
  gated.release();
});

Deno.test("startServer() aborts the request's signal and cancels the body when the client leaves", async () => {
  const ac = new AbortController();
  const gated = gatedBody();
  let aborted!: Promise<void>;
  const server = await startServer((request) => {
    aborted = new Promise((resolve) => request.signal.addEventListener("abort", () => resolve()));
    return Promise.resolve(new Response(gated.body));
  }, { port: 0, signal: ac.signal, onListen: () => {} });
  try {
    const r = await fetch(`http://127.0.0.1:${server.port}/x`);
    const reader = r.body!.getReader();
    await reader.read();
    await reader.cancel();
    await aborted; // never settles if the client's leaving is not seen
    gated.release();
  } finally {
    ac.abort();
    await server.finished;
  }
  assert.ok(gated.cancelled(), "the body was cancelled");
});

Deno.test("startServer() still sends a complete small answer with Content-Length", async () => {
  const ac = new AbortController();
  const server = await startServer(() => Promise.resolve(new Response("ok")), {
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  });
  try {
    const r = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    assert.equal(r.headers.get("content-length"), "2");
    assert.equal(await r.text(), "ok");
  } finally {
    ac.abort();
    await server.finished;
  }
});
