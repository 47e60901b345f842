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
