/**
 * Upgrade requests (exec, attach, portForward) on the secure server: the
 * same authentication and authorization as other requests, refusals as
 * proper HTTP answers on the socket, then the streaming handler proxying to
 * a real loopback backend that answers 101 and echoes.
 */
import assert from "node:assert/strict";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { emptyPodStatus } from "../../src/container/runtime.ts";
import type { Handler } from "../../src/server/handler.ts";
import { createStreamingHandler } from "../../src/streaming/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createLogger } from "../../src/util/logger.ts";
import { containerStatus } from "../_fixtures/container_status.ts";
import { type TestPki, testPki } from "../client/_certs.ts";
import { startTestServer, TOKEN } from "./_secure_server_kit.ts";

/** A streaming server stand-in: records the request head, answers 101, then echoes. */
function echoBackend() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const heads: string[] = [];
  const conns: Deno.Conn[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(65536);
        let text = "";
        while (!text.includes("\r\n\r\n")) {
          const n = await conn.read(buf);
          if (n === null) return;
          text += new TextDecoder().decode(buf.subarray(0, n));
        }
        heads.push(text);
        await conn.write(new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        for (;;) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          await conn.write(buf.subarray(0, n)).catch(() => {});
        }
        try {
          conn.close();
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    heads,
    close: async () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await served;
    },
  };
}

/** One raw TLS connection: send `head`, collect what comes back, know when it closed. */
function rawClient(port: number, pki: TestPki, withCert: boolean) {
  const socket: TLSSocket = tlsConnect({
    host: "127.0.0.1",
    port,
    ca: pki.ca,
    servername: "localhost",
    rejectUnauthorized: false,
    ...(withCert ? { cert: pki.clientCert, key: pki.clientKey } : {}),
  });
  let text = "";
  const waiters: (() => void)[] = [];
  socket.on("data", (d: Uint8Array) => {
    text += new TextDecoder().decode(d);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => {});
  void closed.then(() => {
    for (const w of waiters.splice(0)) w();
  });
  return {
    socket,
    closed,
    get text() {
      return text;
    },
    /** Resolves once the text read so far contains `want` (or the socket closed). */
    async until(want: string): Promise<string> {
      while (!text.includes(want) && !socket.destroyed) {
        await new Promise<void>((r) => waiters.push(r));
      }
      return text;
    },
  };
}

const UPGRADE = (path: string, token?: string) =>
  `POST ${path} HTTP/1.1\r\nHost: n1:10250\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n` +
  `X-Stream-Protocol-Version: v4.channel.k8s.io\r\n` +
  (token ? `Authorization: Bearer ${token}\r\n` : "") + "Content-Length: 0\r\n\r\n";

async function serverWithStreaming(pki: TestPki, backendPort: number, lines: string[]) {
  const handler: Handler = (req) =>
    Promise.resolve(new Response(`plain ${new URL(req.url).pathname}\n`));
  const pod = {
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "app", image: "busybox" }] },
  };
  const podStatus = emptyPodStatus("u1", "web", "default");
  podStatus.containerStatuses = [containerStatus({ id: "c1", name: "app", state: "running" })];
  const streaming = createStreamingHandler({
    runtime: {
      getExec: () => Promise.resolve(new URL(`http://127.0.0.1:${backendPort}/exec/tok`)),
      getAttach: () => Promise.reject(new Error("unused")),
      getPortForward: () => Promise.reject(new Error("unused")),
    },
    findPod: (ns, name) => (ns === "default" && name === "web" ? { pod, podStatus } : undefined),
    clock: new FakeClock(),
  });
  return await startTestServer(pki, handler, {
    clientCa: pki.ca,
    logger: createLogger({ verbosity: 4, sink: (line) => lines.push(line) }),
    upgrade: { handles: streaming.handles, serve: streaming.upgrade },
  });
}

Deno.test("startSecureServer() answers 401 and 403 to upgrade requests as HTTP answers on the socket", async () => {
  const pki = await testPki();
  const backend = echoBackend();
  const lines: string[] = [];
  const { server, stop } = await serverWithStreaming(pki, backend.port, lines);
  try {
    const anonymous = rawClient(server.port, pki, false);
    anonymous.socket.write(UPGRADE("/exec/default/web/app?command=sh&output=1"));
    await anonymous.closed;
    assert.match(anonymous.text, /^HTTP\/1\.1 401 Unauthorized\r\n/);
    assert.ok(anonymous.text.endsWith("\r\n\r\nUnauthorized\n"), anonymous.text);

    const alice = rawClient(server.port, pki, false);
    alice.socket.write(UPGRADE("/exec/default/web/app?command=sh&output=1", TOKEN));
    await alice.closed;
    assert.match(alice.text, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.ok(
      alice.text.endsWith(
        "\r\n\r\nForbidden (user=alice, verb=create, resource=nodes, subresource(s)=[proxy])\n",
      ),
      alice.text,
    );
    assert.deepEqual(backend.heads, [], "refused upgrades never reach the runtime");
    assert.ok(!lines.some((l) => l.includes("tok-s3cret")), "no line holds a token");
    assert.ok(lines.some((l) => /path=\/exec\/default\/web\/app .*status=403/.test(l)));
  } finally {
    await stop();
    await backend.close();
  }
});

Deno.test("startSecureServer() hands an allowed upgrade to the streaming handler, which proxies to the runtime", async () => {
  const pki = await testPki();
  const backend = echoBackend();
  const lines: string[] = [];
  const { server, stop } = await serverWithStreaming(pki, backend.port, lines);
  try {
    const node = rawClient(server.port, pki, true);
    node.socket.write(UPGRADE("/exec/default/web/app?command=sh&input=1&output=1", "ignored"));
    await node.until("101 Switching Protocols\r\n\r\n");
    node.socket.write("spdy-frame-bytes");
    await node.until("spdy-frame-bytes");
    // 2 MiB each way, with back-pressure on both sockets, arrive whole and in order.
    const big = "0123456789abcdef".repeat(128 * 1024) + "<end>";
    node.socket.write(big);
    await node.until("<end>");
    assert.ok(node.text.endsWith("spdy-frame-bytes" + big), "the echo came back whole");
    assert.equal(backend.heads.length, 1);
    assert.match(backend.heads[0], /^POST \/exec\/tok HTTP\/1\.1\r\n/);
    assert.match(backend.heads[0], /\r\nUpgrade: SPDY\/3\.1\r\n/);
    assert.match(backend.heads[0], /\r\nX-Forwarded-For: 127\.0\.0\.1\r\n/);
    assert.doesNotMatch(backend.heads[0], /Authorization/i);
    assert.ok(
      lines.some((l) => /path=\/exec\/default\/web\/app user=system:node:n1 .*status=101/.test(l)),
    );

    // An upgrade to a plain path gets the plain handler's answer, then the connection closes.
    const plain = rawClient(server.port, pki, true);
    plain.socket.write(
      "GET /healthz HTTP/1.1\r\nHost: n1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
    await plain.closed;
    assert.match(plain.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nplain \/healthz\n$/);

    // Stopping the server ends the open stream.
    const stopping = stop();
    await node.closed;
    await stopping;
  } finally {
    await stop();
    await backend.close();
  }
});
