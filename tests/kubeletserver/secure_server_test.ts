import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createLogger } from "../../src/util/logger.ts";
import {
  type Authenticator,
  type Authorizer,
  createAuthenticator,
  createAuthorizer,
  startSecureServer,
} from "../../src/kubeletserver/mod.ts";
import type { Handler } from "../../src/server/handler.ts";
import { FakeApi } from "../_fixtures/fake_api.ts";
import { type TestPki, testPki } from "../client/_certs.ts";

const TOKEN = "tok-s3cret-alice";
const STOLEN = "tok-s3cret-stolen";

/** Token and SubjectAccessReviews: TOKEN is alice; the node's cert user may do anything, alice only nodes/stats. */
function auth(pki: TestPki): { authn: Authenticator; authz: Authorizer; api: FakeApi } {
  const api = new FakeApi();
  const clock = new FakeClock(Date.now());
  api.intercept = (req) => {
    const body = req.body as { spec: Record<string, unknown> };
    if (req.path === "/apis/authentication.k8s.io/v1/tokenreviews") {
      const ok = body.spec.token === TOKEN;
      const status = ok
        ? { authenticated: true, user: { username: "alice", groups: ["devs"] } }
        : { authenticated: false };
      return { status: 201, body: { ...body, status } };
    }
    if (req.path === "/apis/authorization.k8s.io/v1/subjectaccessreviews") {
      const sub = (body.spec.resourceAttributes as { subresource: string }).subresource;
      const allowed = body.spec.user === "system:node:n1" || sub === "stats";
      return { status: 201, body: { ...body, status: { allowed } } };
    }
    return undefined;
  };
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  return {
    api,
    authn: createAuthenticator({ clientCa: pki.ca, webhookEnabled: true, client, clock }),
    authz: createAuthorizer({ mode: "Webhook", nodeName: "n1", client, clock }),
  };
}

Deno.test("startSecureServer() serves a client-certificate user and a token user over TLS, and refuses the rest", async () => {
  const pki = await testPki();
  const { authn, authz } = auth(pki);
  const lines: string[] = [];
  const logger = createLogger({ verbosity: 4, sink: (line) => lines.push(line) });
  const seen: Request[] = [];
  const handler: Handler = (req) => {
    seen.push(req);
    return Promise.resolve(new Response(`served ${new URL(req.url).pathname}\n`));
  };
  const ac = new AbortController();
  const server = await startSecureServer(handler, {
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    clientCa: pki.ca,
    authn,
    authz,
    signal: ac.signal,
    logger,
  });
  const node = Deno.createHttpClient({
    caCerts: [pki.ca],
    cert: pki.clientCert,
    key: pki.clientKey,
  });
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
    ac.abort();
    await server.finished;
  }
});

Deno.test("startSecureServer() streams a response and cancels it when the client goes away", async () => {
  const pki = await testPki();
  const { authn, authz } = auth(pki);
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
  const ac = new AbortController();
  const server = await startSecureServer(handler, {
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    authn,
    authz,
    signal: ac.signal,
  });
  const client = Deno.createHttpClient({
    caCerts: [pki.ca],
    cert: pki.clientCert,
    key: pki.clientKey,
  });
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
    ac.abort();
    await server.finished;
  }
});

Deno.test("startSecureServer() ends open streams when it stops", async () => {
  const pki = await testPki();
  const { authn, authz } = auth(pki);
  const handler: Handler = () =>
    Promise.resolve(
      new Response(
        new ReadableStream<Uint8Array>({
          start: (c) => c.enqueue(new TextEncoder().encode("first\n")),
          pull: () => new Promise(() => {}),
        }),
      ),
    );
  const ac = new AbortController();
  const server = await startSecureServer(handler, {
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    authn,
    authz,
    signal: ac.signal,
  });
  const client = Deno.createHttpClient({
    caCerts: [pki.ca],
    cert: pki.clientCert,
    key: pki.clientKey,
  });
  try {
    const res = await fetch(`https://127.0.0.1:${server.port}/containerLogs/ns/p/c?follow=true`, {
      client,
    });
    const text = res.text();
    ac.abort();
    await server.finished;
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
  const { authn, authz } = auth(pki);
  const ac = new AbortController();
  const server = await startSecureServer(() => Promise.resolve(new Response("ok")), {
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    authn,
    authz,
    tlsMinVersion: "VersionTLS13",
    signal: ac.signal,
  });
  try {
    assert.equal(await opensslHandshake(server.port, "-tls1_2"), false);
    assert.equal(await opensslHandshake(server.port, "-tls1_3"), true);
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("startSecureServer() refuses TLS settings it cannot honour before listening", async () => {
  const pki = await testPki();
  const { authn, authz } = auth(pki);
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
  const { authn, authz } = auth(pki);
  const ac = new AbortController();
  const server = await startSecureServer(() => Promise.resolve(new Response("ok")), {
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    authn,
    authz,
    signal: ac.signal,
    headersTimeoutMs: 200,
  });
  try {
    assert.equal(await heldOpen(server.port, false, ""), "", "no TLS handshake: closed");
    const slow = await heldOpen(server.port, true, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    assert.match(slow, /^HTTP\/1\.1 408/);
  } finally {
    ac.abort();
    await server.finished;
  }
});
