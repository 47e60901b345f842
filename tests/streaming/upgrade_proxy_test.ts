import assert from "node:assert/strict";
import { FakeClock } from "../../src/util/clock.ts";
import {
  backendRequestHead,
  type Dial,
  proxyUpgrade,
  type UpgradeRequest,
} from "../../src/streaming/mod.ts";
import { enc, type MemoryEnd, memoryPipe, readAll, readUntil } from "./_memory_conn.ts";

const TARGET = new URL("http://127.0.0.1:4000/exec/tok3n");
const UPGRADE_101 = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" +
  "Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n";

function request(over: Partial<UpgradeRequest> = {}): UpgradeRequest {
  return {
    method: "POST",
    url: "/exec/default/web/app?command=sh&input=1&output=1",
    headers: [
      ["Host", "node1:10250"],
      ["Connection", "Upgrade"],
      ["Upgrade", "SPDY/3.1"],
      ["X-Stream-Protocol-Version", "v4.channel.k8s.io"],
      ["X-Forwarded-For", "10.0.0.1"],
    ],
    head: new Uint8Array(0),
    remoteAddress: "10.0.0.9",
    ...over,
  };
}

/** A dial that hands the proxy one end of a memory pipe and keeps the other as the fake backend. */
function fakeBackend(): { dial: Dial; backend: Promise<MemoryEnd>; dialed: string[] } {
  let give!: (end: MemoryEnd) => void;
  const backend = new Promise<MemoryEnd>((resolve) => give = resolve);
  const dialed: string[] = [];
  return {
    dialed,
    backend,
    dial: (hostname, port) => {
      dialed.push(`${hostname}:${port}`);
      const [proxySide, backendSide] = memoryPipe();
      give(backendSide);
      return Promise.resolve(proxySide);
    },
  };
}

Deno.test("backendRequestHead() sends the URL's path, drops Authorization and appends X-Forwarded-For", () => {
  const head = new TextDecoder().decode(backendRequestHead(
    TARGET,
    request({ headers: [...request().headers, ["Authorization", "Bearer s3cret"]] }),
  ));
  assert.match(head, /^POST \/exec\/tok3n HTTP\/1\.1\r\nHost: 127\.0\.0\.1:4000\r\n/);
  assert.match(head, /\r\nUpgrade: SPDY\/3\.1\r\n/);
  assert.match(head, /\r\nX-Stream-Protocol-Version: v4\.channel\.k8s\.io\r\n/);
  assert.match(head, /\r\nX-Forwarded-For: 10\.0\.0\.1, 10\.0\.0\.9\r\n\r\n$/);
  assert.doesNotMatch(head, /s3cret|node1:10250|command=sh/);
});

Deno.test("proxyUpgrade() passes a 101 and copies bytes both ways until the client ends, then closes the backend", async () => {
  const clock = new FakeClock();
  const { dial, backend, dialed } = fakeBackend();
  const [client, proxySide] = memoryPipe();
  const outcome = proxyUpgrade(TARGET, request({ head: enc("EARLY") }), proxySide, {
    clock,
    dial,
  });
  const be = await backend;
  const beReader = be.readable.getReader();
  const beWriter = be.writable.getWriter();
  const seenByBackend = { text: "" };
  await readUntil(beReader, "EARLY", seenByBackend);
  assert.match(seenByBackend.text, /^POST \/exec\/tok3n HTTP\/1\.1\r\n[\s\S]*\r\n\r\nEARLY$/);
  await beWriter.write(enc(UPGRADE_101 + "first-frame"));
  const result = await outcome;
  assert.equal(result.status, 101);
  assert.deepEqual(dialed, ["127.0.0.1:4000"]);

  const cReader = client.readable.getReader();
  const cWriter = client.writable.getWriter();
  const seenByClient = await readUntil(cReader, "first-frame");
  assert.equal(seenByClient, UPGRADE_101 + "first-frame");
  await cWriter.write(enc("stdin-bytes"));
  await readUntil(beReader, "stdin-bytes", seenByBackend);
  await beWriter.write(enc("stdout-bytes"));
  assert.equal(await readUntil(cReader, "stdout-bytes"), "stdout-bytes");

  await cWriter.close(); // the client leaves
  await result.finished;
  assert.ok(be.closed, "the backend connection is closed once the client is gone");
  assert.ok(client.closed);
});

Deno.test("proxyUpgrade() closes the client when the backend ends the stream", async () => {
  const { dial, backend } = fakeBackend();
  const [client, proxySide] = memoryPipe();
  const outcome = proxyUpgrade(TARGET, request(), proxySide, { clock: new FakeClock(), dial });
  const be = await backend;
  const beWriter = be.writable.getWriter();
  await readUntil(be.readable.getReader(), "\r\n\r\n");
  await beWriter.write(enc(UPGRADE_101));
  await beWriter.write(enc("exit status frame"));
  await beWriter.close();
  const result = await outcome;
  const all = await readAll(client.readable.getReader());
  await result.finished;
  assert.equal(all, UPGRADE_101 + "exit status frame");
  assert.ok(client.closed);
});

Deno.test("proxyUpgrade() passes a refusal of the streaming server to the client as is", async () => {
  const { dial, backend } = fakeBackend();
  const [client, proxySide] = memoryPipe();
  const outcome = proxyUpgrade(TARGET, request(), proxySide, { clock: new FakeClock(), dial });
  const be = await backend;
  await readUntil(be.readable.getReader(), "\r\n\r\n");
  const refusal = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n" +
    "Content-Length: 19\r\n\r\n404 page not found\n";
  // The server keeps the connection alive after its answer: the body's length ends the relay.
  await be.writable.getWriter().write(enc(refusal));
  const result = await outcome;
  assert.equal(result.status, 404);
  assert.equal(await readAll(client.readable.getReader()), refusal);
  await result.finished;
  assert.ok(be.closed);
});

Deno.test("proxyUpgrade() answers 500 for a non-upgrade success, a dial failure and a silent backend", async (t) => {
  await t.step("200 instead of 101", async () => {
    const { dial, backend } = fakeBackend();
    const [client, proxySide] = memoryPipe();
    const outcome = proxyUpgrade(TARGET, request(), proxySide, { clock: new FakeClock(), dial });
    const be = await backend;
    await readUntil(be.readable.getReader(), "\r\n\r\n");
    await be.writable.getWriter().write(enc("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    assert.equal((await outcome).status, 500);
    const text = await readAll(client.readable.getReader());
    assert.match(text, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    assert.match(text, /\r\n\r\ninvalid upgrade response: status code 200\n$/);
    assert.ok(be.closed);
  });
  await t.step("nothing listens", async () => {
    const [client, proxySide] = memoryPipe();
    const dial: Dial = () => Promise.reject(new Error("Connection refused (os error 111)"));
    const result = await proxyUpgrade(TARGET, request(), proxySide, {
      clock: new FakeClock(),
      dial,
    });
    assert.equal(result.status, 500);
    assert.match(
      await readAll(client.readable.getReader()),
      /\r\n\r\nerror dialing backend: Connection refused \(os error 111\)\n$/,
    );
  });
  await t.step("no answer within answerTimeoutMs", async () => {
    const clock = new FakeClock();
    const { dial, backend } = fakeBackend();
    const [client, proxySide] = memoryPipe();
    const outcome = proxyUpgrade(TARGET, request(), proxySide, {
      clock,
      dial,
      answerTimeoutMs: 5_000,
    });
    const be = await backend;
    await readUntil(be.readable.getReader(), "\r\n\r\n");
    clock.step(5_000);
    assert.equal((await outcome).status, 500);
    assert.match(await readAll(client.readable.getReader()), /error proxying to the streaming/);
  });
  await t.step("an https streaming URL", async () => {
    const [client, proxySide] = memoryPipe();
    const result = await proxyUpgrade(
      new URL("https://127.0.0.1:4000/exec/x"),
      request(),
      proxySide,
      { clock: new FakeClock(), dial: () => Promise.reject(new Error("not called")) },
    );
    assert.equal(result.status, 500);
    assert.match(await readAll(client.readable.getReader()), /not http\n$/);
  });
});

Deno.test("proxyUpgrade() closes a stream idle for idleTimeoutMs, traffic keeps it open", async () => {
  const clock = new FakeClock();
  const { dial, backend } = fakeBackend();
  const [client, proxySide] = memoryPipe();
  const outcome = proxyUpgrade(TARGET, request(), proxySide, {
    clock,
    dial,
    idleTimeoutMs: 60_000,
  });
  const be = await backend;
  const beReader = be.readable.getReader();
  await readUntil(beReader, "\r\n\r\n");
  await be.writable.getWriter().write(enc(UPGRADE_101));
  const result = await outcome;
  const cWriter = client.writable.getWriter();
  const cReader = client.readable.getReader();
  await readUntil(cReader, "\r\n\r\n");
  clock.step(50_000);
  await cWriter.write(enc("keepalive"));
  await readUntil(beReader, "keepalive");
  clock.step(50_000); // 100 s since the start, 50 s since the traffic
  assert.ok(!be.closed, "traffic 50 s ago keeps the stream");
  clock.step(10_000);
  await result.finished;
  assert.ok(be.closed && client.closed, "60 s without traffic closes both");
});

Deno.test("proxyUpgrade() with idleTimeoutMs 0 never closes a quiet stream", async () => {
  const clock = new FakeClock();
  const { dial, backend } = fakeBackend();
  const [client, proxySide] = memoryPipe();
  const outcome = proxyUpgrade(TARGET, request(), proxySide, { clock, dial, idleTimeoutMs: 0 });
  const be = await backend;
  await readUntil(be.readable.getReader(), "\r\n\r\n");
  await be.writable.getWriter().write(enc(UPGRADE_101));
  const result = await outcome;
  await readUntil(client.readable.getReader(), "\r\n\r\n");
  assert.equal(clock.pendingTimers, 0, "no idle timer is armed");
  clock.step(48 * 3600_000);
  assert.ok(!be.closed && !client.closed);
  client.close();
  await result.finished;
});

Deno.test("proxyUpgrade() ends an open stream when the signal aborts (the server stops)", async () => {
  const { dial, backend } = fakeBackend();
  const [client, proxySide] = memoryPipe();
  const ac = new AbortController();
  const outcome = proxyUpgrade(TARGET, request(), proxySide, {
    clock: new FakeClock(),
    dial,
    signal: ac.signal,
  });
  const be = await backend;
  await readUntil(be.readable.getReader(), "\r\n\r\n");
  await be.writable.getWriter().write(enc(UPGRADE_101));
  const result = await outcome;
  await readUntil(client.readable.getReader(), "\r\n\r\n");
  ac.abort();
  await result.finished;
  assert.ok(be.closed && client.closed);
});
