import assert from "node:assert/strict";
import {
  parseHead,
  requestBytes,
  socketHttpTransport,
} from "../../src/prober/_http_socket_transport.ts";

/** A one-shot raw TCP server answering `reply` (written in parts) to each connection. */
function rawServer(reply: string[]) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const requests: string[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf) ?? 0;
      requests.push(new TextDecoder().decode(buf.subarray(0, n)));
      for (const part of reply) await conn.write(new TextEncoder().encode(part));
      conn.close();
    }
  })().catch(() => {});
  return {
    url: new URL(`http://127.0.0.1:${port}/p?q=1`),
    requests,
    async close() {
      listener.close();
      await serving;
    },
  };
}

async function get(reply: string[], limit = 10_240) {
  const server = rawServer(reply);
  try {
    const ex = await socketHttpTransport(
      server.url,
      [["Accept", "*/*"]],
      new AbortController().signal,
    );
    const body = new TextDecoder().decode(await ex.readBody(limit));
    return { status: ex.status, location: ex.location, body, request: server.requests[0] };
  } finally {
    await server.close();
  }
}

Deno.test("socketHttpTransport sends an origin-form GET with Host and Connection: close", async () => {
  const r = await get(["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]);
  assert.equal(r.status, 200);
  assert.equal(r.body, "ok");
  const lines = r.request.split("\r\n");
  assert.equal(lines[0], "GET /p?q=1 HTTP/1.1");
  assert.ok(lines.includes(`Host: ${new URL(`http://${lines[1].slice(6)}`).host}`));
  assert.ok(lines.includes("Accept: */*"));
  assert.ok(lines.includes("Connection: close"));
});

Deno.test("socketHttpTransport reads Content-Length, chunked and to-EOF bodies up to the limit", async (t) => {
  await t.step("Content-Length, head and body in separate writes", async () => {
    const r = await get(["HTTP/1.1 200 OK\r\nContent-", "Length: 5\r\n\r\nhe", "llo"]);
    assert.equal(r.body, "hello");
  });
  await t.step("chunked", async () => {
    const r = await get([
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      "3\r\nabc\r\n",
      "4;x=y\r\ndefg\r\n0\r\n\r\n",
    ]);
    assert.equal(r.body, "abcdefg");
  });
  await t.step("to EOF", async () => {
    const r = await get(["HTTP/1.0 200 OK\r\n\r\nuntil the end"]);
    assert.equal(r.body, "until the end");
  });
  await t.step("the limit cuts a long body without an error", async () => {
    const r = await get(
      ["HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz"],
      4,
    );
    assert.equal(r.body, "abcd");
    const c = await get([
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n",
    ], 4);
    assert.equal(c.body, "abcd");
  });
  await t.step("a 100 Continue before the answer is skipped", async () => {
    const r = await get([
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
    ]);
    assert.equal(r.status, 302);
    assert.equal(r.location, "/x");
  });
});

Deno.test("socketHttpTransport rejects a truncated body and a malformed status line", async () => {
  await assert.rejects(
    () => get(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"]),
    /unexpected EOF/,
  );
  await assert.rejects(
    () => get(["SSH-2.0-OpenSSH\r\n\r\n"]),
    /Malformed HTTP response: status line/,
  );
});

Deno.test("requestBytes() refuses CR or LF in a header and a bad header name, and takes the caller's Host", () => {
  const url = new URL("http://10.0.0.1:8080/");
  assert.throws(() => requestBytes(url, [["X", "a\r\nEvil: 1"]]), TypeError);
  assert.throws(() => requestBytes(url, [["Bad Name", "a"]]), TypeError);
  const text = new TextDecoder().decode(requestBytes(url, [["host", "app.example"]]));
  assert.match(text, /^GET \/ HTTP\/1\.1\r\nHost: app\.example\r\n/);
});

Deno.test("parseHead() joins repeated headers and lower-cases names", () => {
  const head = parseHead("HTTP/1.1 204 No Content\r\nX-A: 1\r\nx-a: 2");
  assert.equal(head.status, 204);
  assert.equal(head.headers.get("x-a"), "1, 2");
});

Deno.test("socketHttpTransport reads a chunked body that also carries a smaller Content-Length", async () => {
  const r = await get([
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  ]);
  assert.equal(r.body, "hello");
});

Deno.test("socketHttpTransport: a body read with the head stays as it was when later probes reuse the head buffer", async () => {
  const server = rawServer(["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"]);
  const other = rawServer(["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nXXXXX"]);
  try {
    const signal = new AbortController().signal;
    const first = await (await socketHttpTransport(server.url, [], signal)).readBody(10_240);
    for (let i = 0; i < 3; i++) {
      const ex = await socketHttpTransport(other.url, [], signal);
      assert.equal(new TextDecoder().decode(await ex.readBody(10_240)), "XXXXX");
    }
    const discarded = await socketHttpTransport(other.url, [], signal);
    discarded.discard();
    assert.equal(new TextDecoder().decode(first), "first");
  } finally {
    await server.close();
    await other.close();
  }
});

Deno.test("socketHttpTransport: the answer after a 100 Continue in the same read, and a head longer than one buffer", async () => {
  const continued = await get([
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  ]);
  assert.equal(continued.status, 200);
  assert.equal(continued.body, "ok");
  const long = await get([
    `HTTP/1.1 200 OK\r\nX-Long: ${"a".repeat(5000)}\r\nContent-Length: 4\r\n\r\nlong`,
  ]);
  assert.equal(long.status, 200);
  assert.equal(long.body, "long");
});
