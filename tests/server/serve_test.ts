import assert from "node:assert/strict";
import { connect } from "node:net";
import { createHandler, startServer } from "../../src/server/mod.ts";

/** Sends raw bytes and reads the status line (for requests fetch would not send). */
function rawStatus(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let data = "";
    sock.on("data", (b) => {
      data += b.toString();
      if (data.includes("\r\n")) {
        sock.destroy();
        resolve(data.split("\r\n")[0]);
      }
    });
    sock.on("error", reject);
    sock.on("close", () => resolve(data.split("\r\n")[0]));
    sock.write(request);
  });
}

Deno.test("startServer() serves the handler on loopback until the signal aborts", async () => {
  const ac = new AbortController();
  const handler = createHandler({
    healthChecks: [{ name: "syncloop", check: () => undefined }],
    podList: () => [],
  });
  const server = await startServer(handler, { hostname: "127.0.0.1", port: 0, signal: ac.signal });
  try {
    assert.equal(server.hostname, "127.0.0.1");
    assert.ok(server.port > 0);
    const base = `http://127.0.0.1:${server.port}`;
    const ok = await fetch(`${base}/healthz`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "ok");
    const pods = await fetch(`${base}/pods`);
    assert.equal((await pods.json()).kind, "PodList");
    const post = await fetch(`${base}/healthz`, { method: "POST", body: "x" });
    assert.equal(post.status, 413);
    await post.body?.cancel();
    const del = await fetch(`${base}/healthz`, { method: "DELETE" });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get("allow"), "GET, HEAD");
    await del.body?.cancel();
    const long = await fetch(`${base}/healthz?${"a".repeat(10_000)}`);
    assert.ok(long.status === 414 || long.status === 431, `status ${long.status}`);
    await long.body?.cancel();
    const garbage = await rawStatus(server.port, "NOT-HTTP\r\n\r\n");
    assert.ok(!garbage.startsWith("HTTP/1.1 2"), garbage);
    // The server still answers after the bad requests.
    const again = await fetch(`${base}/healthz`);
    assert.equal(again.status, 200);
    await again.body?.cancel();
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("startServer() rejects when the port is taken", async () => {
  const ac = new AbortController();
  const first = await startServer(createHandler(), { port: 0, signal: ac.signal });
  try {
    await assert.rejects(
      startServer(createHandler(), { port: first.port, signal: ac.signal }),
      Deno.errors.AddrInUse,
    );
  } finally {
    ac.abort();
    await first.finished;
  }
});

Deno.test("startServer() with an already-aborted signal finishes at once (SIGTERM during start-up)", async () => {
  const ac = new AbortController();
  ac.abort();
  const server = await startServer(createHandler(), {
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  });
  await server.finished;
  await assert.rejects(
    fetch(`http://127.0.0.1:${server.port}/healthz`),
    "nothing listens once it finished",
  );
});

/**
 * Opens a TCP connection, sends `request` (maybe half of one) and resolves
 * with everything the server sent once it closes the connection. Fails
 * instead of hanging when the server keeps it open past `guardMs`.
 */
function sendAndAwaitClose(port: number, request: string, guardMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let data = "";
    const guard = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the server kept the connection open for ${guardMs} ms: ${data}`));
    }, guardMs);
    sock.on("data", (b) => data += b.toString());
    sock.on("error", () => {}); // a reset is a close too
    sock.on("close", () => {
      clearTimeout(guard);
      resolve(data);
    });
    if (request !== "") sock.write(request);
  });
}

Deno.test("startServer() drops a client that never finishes its request headers (slowloris)", async () => {
  const ac = new AbortController();
  const server = await startServer(createHandler(), {
    port: 0,
    signal: ac.signal,
    headersTimeoutMs: 200,
    idleTimeoutMs: 60_000, // so only the headers deadline can close it
    onListen: () => {},
  });
  try {
    const got = await sendAndAwaitClose(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ");
    assert.match(got, /^HTTP\/1\.1 408 /);
    // The server still answers complete requests.
    const ok = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    assert.equal(await ok.text(), "ok");
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("startServer() drops a connection that sends nothing, and an idle keep-alive one", async () => {
  const ac = new AbortController();
  const server = await startServer(createHandler(), {
    port: 0,
    signal: ac.signal,
    headersTimeoutMs: 60_000,
    idleTimeoutMs: 200,
    onListen: () => {},
  });
  try {
    assert.equal(await sendAndAwaitClose(server.port, ""), "");
    const keepAlive = await sendAndAwaitClose(
      server.port,
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
    );
    assert.match(keepAlive, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(keepAlive, /\r\n\r\nok$/);
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("startServer() finishes on abort without waiting for a client's keep-alive", async () => {
  const ac = new AbortController();
  const server = await startServer(createHandler(), {
    port: 0,
    signal: ac.signal,
    idleTimeoutMs: 60_000,
    onListen: () => {},
  });
  const closed = new Promise<string>((resolve) => {
    const sock = connect(server.port, "127.0.0.1");
    let data = "";
    sock.on("data", (b) => {
      data += b.toString();
      if (data.endsWith("ok")) ac.abort(); // answered; the connection is now idle
    });
    sock.on("close", () => resolve(data));
    sock.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
  });
  await server.finished;
  assert.match(await closed, /^HTTP\/1\.1 200 OK/);
});

Deno.test("startServer() rejects with NotCapable, not an uncaught error, without net permission", {
  permissions: { net: ["127.0.0.1:1"] },
}, async () => {
  const ac = new AbortController();
  await assert.rejects(
    startServer(createHandler(), { port: 2, signal: ac.signal, onListen: () => {} }),
    Deno.errors.NotCapable,
  );
});
