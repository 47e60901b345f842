import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { createLogger } from "../../src/util/logger.ts";
import { startSecureServer } from "../../src/kubeletserver/mod.ts";
import type { Handler } from "../../src/server/handler.ts";
import { testPki } from "../client/_certs.ts";
import { nodeClient, startTestServer, testAuth, TOKEN } from "./_secure_server_kit.ts";

const STOLEN = "tok-s3cret-stolen";

Deno.test("startSecureServer() serves a client-certificate user and a token user over TLS, and refuses the rest", async () => {
  const pki = await testPki();
  const lines: string[] = [];
  const logger = createLogger({ verbosity: 4, sink: (line) => lines.push(line) });
  const seen: Request[] = [];
  const handler: Handler = (req) => {
    seen.push(req);
    return Promise.resolve(new Response(`served ${new URL(req.url).pathname}\n`));
  };
  const { server, stop } = await startTestServer(pki, handler, {
    clientCa: pki.ca,
    logger,
  });
  const node = nodeClient(pki);
  const plain = Deno.createHttpClient({ caCerts: [pki.ca] });
  const base = `https://127.0.0.1:${server.port}`;
  const get = async (client: Deno.HttpClient, path: string, token?: string) => {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    const res = await fetch(`${base}${path}`, { client, headers });
    return { status: res.status, body: await res.text() };
  };
  try {
    assert.deepEqual(await get(node, "/containerLogs/ns/pod/c?follow=true"), {
      status: 200,
      body: "served /containerLogs/ns/pod/c\n",
    });
    assert.deepEqual(await get(plain, "/stats/summary", TOKEN), {
      status: 200,
      body: "served /stats/summary\n",
    });
    assert.equal(seen.length, 2);
    assert.equal(seen[1].headers.get("authorization"), null, "the handler never sees the token");
    assert.deepEqual(await get(plain, "/containerLogs/ns/pod/c", TOKEN), {
      status: 403,
      body: "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[proxy])\n",
    });
    assert.deepEqual(await get(plain, "/healthz", TOKEN), {
      status: 403,
      body: "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[healthz proxy])\n",
    });
    assert.deepEqual(await get(plain, "/stats/summary"), { status: 401, body: "Unauthorized" });
    assert.deepEqual(await get(plain, "/stats/summary", STOLEN), {
      status: 401,
      body: "Unauthorized",
    });
    assert.equal(seen.length, 2, "refused requests never reach the handler");

    const requests = lines.filter((l) => l.includes("Kubelet API request"));
    assert.equal(requests.length, 6);
    assert.match(
      requests[0],
      /method=GET path=\/containerLogs\/ns\/pod\/c user=system:node:n1 authn=x509 verdict=allowed/,
    );
    assert.match(
      requests[1],
      /user=alice authn=token verdict=allowed subresource=stats status=200/,
    );
    assert.match(requests[2], /user=alice authn=token verdict=forbidden status=403/);
    assert.match(requests[4], /verdict=unauthorized reason="no credentials" status=401/);
    assert.match(requests[5], /verdict=unauthorized reason="invalid bearer token" status=401/);
    assert.ok(!lines.some((l) => l.includes("tok-s3cret")), "no line holds a token");
    assert.ok(!requests[0].includes("follow=true"), "the query is not logged");
  } finally {
    node.close();
    plain.close();
    await stop();
  }
});

Deno.test("startSecureServer() streams a response and cancels it when the client goes away", async () => {
  const pki = await testPki();
  let cancelled!: () => void;
  const wasCancelled = new Promise<void>((r) => (cancelled = r));
  let aborted!: () => void;
  const wasAborted = new Promise<void>((r) => (aborted = r));
  const handler: Handler = (req) => {
    req.signal.addEventListener("abort", () => aborted());
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("line 1\n"));
      },
      pull: () => new Promise(() => {}), // a follow that waits for more lines forever
      cancel: () => cancelled(),
    });
    return Promise.resolve(new Response(body));
  };
  const { server, stop } = await startTestServer(pki, handler);
  const client = nodeClient(pki);
  try {
    const res = await fetch(`https://127.0.0.1:${server.port}/containerLogs/ns/p/c?follow=true`, {
      client,
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "line 1\n");
    await reader.cancel();
    client.close();
    await wasCancelled;
    await wasAborted;
  } finally {
    await stop();
  }
});

Deno.test("startSecureServer() ends open streams when it stops", async () => {
  const pki = await testPki();
  const handler: Handler = () =>
    Promise.resolve(
      new Response(
        new ReadableStream<Uint8Array>({
          start: (c) => c.enqueue(new TextEncoder().encode("first\n")),
          pull: () => new Promise(() => {}),
        }),
      ),
    );
  const { server, stop } = await startTestServer(pki, handler);
  const client = nodeClient(pki);
  try {
    const res = await fetch(`https://127.0.0.1:${server.port}/containerLogs/ns/p/c?follow=true`, {
      client,
    });
    const text = res.text();
    await stop();
    assert.equal(await text, "first\n");
  } finally {
    client.close();
  }
});

async function opensslHandshake(port: number, version: "-tls1_2" | "-tls1_3"): Promise<boolean> {
  const out = await new Deno.Command("openssl", {
    args: ["s_client", "-connect", `127.0.0.1:${port}`, version],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return /Cipher is (?!\(NONE\))/.test(new TextDecoder().decode(out.stdout));
}

Deno.test("startSecureServer() with tlsMinVersion VersionTLS13 refuses a TLS 1.2 client", async () => {
  const pki = await testPki();
  const { server, stop } = await startTestServer(pki, () => Promise.resolve(new Response("ok")), {
    tlsMinVersion: "VersionTLS13",
  });
  try {
    assert.equal(await opensslHandshake(server.port, "-tls1_2"), false);
    assert.equal(await opensslHandshake(server.port, "-tls1_3"), true);
  } finally {
    await stop();
  }
});

Deno.test("startSecureServer() refuses TLS settings it cannot honour before listening", async () => {
  const pki = await testPki();
  const { authn, authz } = testAuth(pki);
  const base = {
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    authn,
    authz,
    signal: AbortSignal.abort(),
  };
  const ok = () => Promise.resolve(new Response("ok"));
  await assert.rejects(
    startSecureServer(ok, {
      ...base,
      tlsCipherSuites: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
    }),
    /Cannot honour tlsCipherSuites: .*TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384/,
  );
  await assert.rejects(
    startSecureServer(ok, { ...base, tlsMinVersion: "VersionTLS10" }),
    RangeError,
  );
});

/** Opens a connection, sends `bytes` (TLS or not), and resolves with what came back once the server closes it. */
function heldOpen(port: number, tls: boolean, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    const sock = tls
      ? tlsConnect({ port, host: "127.0.0.1", rejectUnauthorized: false }, () => sock.write(bytes))
      : netConnect(port, "127.0.0.1");
    sock.on("data", (b) => (data += b.toString()));
    sock.on("error", reject);
    sock.on("close", () => resolve(data));
  });
}

Deno.test("startSecureServer() drops clients that never finish the TLS handshake or the request headers", async () => {
  const pki = await testPki();
  const { server, stop } = await startTestServer(pki, () => Promise.resolve(new Response("ok")), {
    headersTimeoutMs: 200,
  });
  try {
    assert.equal(await heldOpen(server.port, false, ""), "", "no TLS handshake: closed");
    const slow = await heldOpen(server.port, true, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    assert.match(slow, /^HTTP\/1\.1 408/);
  } finally {
    await stop();
  }
});
