import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import {
  type AuthnResult,
  bearerToken,
  createAuthenticator,
  readClientCaFile,
} from "../../src/kubeletserver/authn.ts";
import { FakeApi, type FakeRequest, statusBody } from "../_fixtures/fake_api.ts";
import { testPki } from "../client/_certs.ts";

const REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";

function der(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw);
}

/** A FakeApi answering TokenReviews: "good" is alice, anything else is not authenticated. */
function tokenApi(): {
  api: FakeApi;
  client: ApiClient;
  clock: FakeClock;
  reviews: () => FakeRequest[];
} {
  const api = new FakeApi();
  const clock = new FakeClock(Date.now());
  api.intercept = (req) => {
    if (req.method !== "POST" || req.path !== REVIEWS) return undefined;
    const token = (req.body as { spec: { token: string } }).spec.token;
    if (token === "down") {
      return { status: 503, body: statusBody(503, "ServiceUnavailable", "etcd") };
    }
    const status = token === "good"
      ? {
        authenticated: true,
        user: { username: "alice", uid: "u-1", groups: ["devs"], extra: { scopes: ["a"] } },
      }
      : { authenticated: false, error: "token not valid" };
    return { status: 201, body: { ...(req.body as object), status } };
  };
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  return { api, client, clock, reviews: () => api.requestsTo("POST", REVIEWS) };
}

function user(r: AuthnResult) {
  assert.ok(r.authenticated, `not authenticated: ${!r.authenticated && r.reason}`);
  return { ...r.user, method: r.method };
}

Deno.test("authenticate() takes a client certificate signed by the client CA as user CN in groups O", async () => {
  const pki = await testPki();
  const authn = createAuthenticator({ clientCa: pki.ca, clock: new FakeClock(Date.now()) });
  const r = await authn.authenticate({ authorization: null, peerCertificate: der(pki.clientCert) });
  assert.deepEqual(user(r), {
    name: "system:node:n1",
    groups: ["system:nodes", "system:authenticated"],
    method: "x509",
  });
});

Deno.test("authenticate() refuses certificates that fail verification, even with anonymous on", async (t) => {
  const pki = await testPki();
  const now = Date.now();
  const cases: Array<[string, string, number, RegExp]> = [
    ["signed by another CA", pki.otherCa, now, /unknown authority/],
    ["expired", pki.clientCert, now + 5 * 86_400_000, /has expired/],
    ["not yet valid", pki.clientCert, now - 5 * 86_400_000, /not yet valid/],
    [
      "for servers only (extended key usage serverAuth)",
      pki.serverCert,
      now,
      /client authentication/,
    ],
  ];
  for (const [name, pem, at, re] of cases) {
    await t.step(name, async () => {
      const authn = createAuthenticator({
        clientCa: pki.ca,
        anonymousEnabled: true,
        clock: new FakeClock(at),
      });
      const r = await authn.authenticate({ authorization: null, peerCertificate: der(pem) });
      assert.equal(r.authenticated, false);
      assert.match(!r.authenticated ? r.reason : "", re);
    });
  }
  await t.step("bytes that are not a certificate", async () => {
    const authn = createAuthenticator({ clientCa: pki.ca, clock: new FakeClock(now) });
    const r = await authn.authenticate({ authorization: null, peerCertificate: new Uint8Array(7) });
    assert.equal(r.authenticated, false);
  });
});

Deno.test("authenticate() ignores client certificates when no client CA is configured", async () => {
  const pki = await testPki();
  const clock = new FakeClock(Date.now());
  const peerCertificate = der(pki.clientCert);
  const off = createAuthenticator({ clock });
  assert.deepEqual(await off.authenticate({ authorization: null, peerCertificate }), {
    authenticated: false,
    reason: "no credentials",
  });
  const anon = createAuthenticator({ clock, anonymousEnabled: true });
  assert.equal(
    user(await anon.authenticate({ authorization: null, peerCertificate })).name,
    "system:anonymous",
  );
});

Deno.test("authenticate() reviews a bearer token with a TokenReview and caches the answer for cacheTTL", async () => {
  const { client, clock, reviews } = tokenApi();
  const authn = createAuthenticator({ webhookEnabled: true, client, clock });
  const r = await authn.authenticate({ authorization: "Bearer good" });
  assert.deepEqual(user(r), {
    name: "alice",
    uid: "u-1",
    groups: ["devs", "system:authenticated"],
    extra: { scopes: ["a"] },
    method: "token",
  });
  assert.equal(reviews().length, 1);
  assert.deepEqual(reviews()[0].body, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    spec: { token: "good" },
  });
  clock.set(clock.now() + 119_000);
  assert.equal(user(await authn.authenticate({ authorization: "Bearer good" })).name, "alice");
  assert.equal(reviews().length, 1, "answered from the cache within 2m");
  clock.set(clock.now() + 2_000);
  assert.equal(user(await authn.authenticate({ authorization: "Bearer good" })).name, "alice");
  assert.equal(reviews().length, 2, "asked again after 2m");
});

Deno.test("authenticate() caches a rejected token too, and answers 401 for it even with anonymous on", async () => {
  const { client, clock, reviews } = tokenApi();
  const authn = createAuthenticator({
    webhookEnabled: true,
    webhookCacheTTLMs: 10_000,
    anonymousEnabled: true,
    client,
    clock,
  });
  for (let i = 0; i < 3; i++) {
    const r = await authn.authenticate({ authorization: "Bearer stolen" });
    assert.equal(r.authenticated, false);
    assert.match(!r.authenticated ? r.reason : "", /invalid bearer token: token not valid/);
    assert.ok(
      !(!r.authenticated && r.reason.includes("stolen")),
      "the reason never holds the token",
    );
  }
  assert.equal(reviews().length, 1);
  clock.set(clock.now() + 10_001);
  await authn.authenticate({ authorization: "Bearer stolen" });
  assert.equal(reviews().length, 2, "the configured cacheTTL applies");
});

Deno.test("authenticate() does not cache a TokenReview that failed", async () => {
  const { client, clock, reviews } = tokenApi();
  const authn = createAuthenticator({ webhookEnabled: true, client, clock });
  for (let i = 1; i <= 2; i++) {
    const r = await authn.authenticate({ authorization: "Bearer down" });
    assert.equal(r.authenticated, false);
    assert.equal(!r.authenticated && r.webhookError, true);
    assert.match(!r.authenticated ? r.reason : "", /TokenReview failed/);
    assert.equal(reviews().length, i);
  }
});

Deno.test("authenticate() shares one TokenReview between concurrent requests with the same token", async () => {
  const { client, clock, reviews } = tokenApi();
  const authn = createAuthenticator({ webhookEnabled: true, client, clock });
  const all = await Promise.all(
    [1, 2, 3].map(() => authn.authenticate({ authorization: "Bearer good" })),
  );
  assert.ok(all.every((r) => r.authenticated));
  assert.equal(reviews().length, 1);
});

Deno.test("authenticate() prefers a valid client certificate to a token", async () => {
  const pki = await testPki();
  const { client, clock, reviews } = tokenApi();
  const authn = createAuthenticator({ clientCa: pki.ca, webhookEnabled: true, client, clock });
  const r = await authn.authenticate({
    authorization: "Bearer good",
    peerCertificate: der(pki.clientCert),
  });
  assert.equal(user(r).method, "x509");
  assert.equal(reviews().length, 0);
  const fallback = await authn.authenticate({
    authorization: "Bearer good",
    peerCertificate: der(pki.otherCa),
  });
  assert.equal(user(fallback).name, "alice", "a bad certificate does not stop a good token");
});

Deno.test("authenticate() lets requests without credentials in as system:anonymous only when enabled", async () => {
  const clock = new FakeClock();
  const { client } = tokenApi();
  const off = createAuthenticator({ webhookEnabled: true, client, clock });
  assert.deepEqual(await off.authenticate({ authorization: null }), {
    authenticated: false,
    reason: "no credentials",
  });
  const on = createAuthenticator({ webhookEnabled: true, anonymousEnabled: true, client, clock });
  for (const authorization of [null, "", "Basic YWxpY2U6cHc=", "Bearer"]) {
    assert.deepEqual(user(await on.authenticate({ authorization })), {
      name: "system:anonymous",
      groups: ["system:unauthenticated"],
      method: "anonymous",
    });
  }
  const noWebhook = createAuthenticator({ anonymousEnabled: true, clock });
  assert.equal(
    user(await noWebhook.authenticate({ authorization: "Bearer good" })).method,
    "anonymous",
    "with the webhook off a token is not looked at",
  );
});

Deno.test("bearerToken() reads the Authorization header as the kubelet does", () => {
  const cases: Array<[string | null, string | undefined]> = [
    [null, undefined],
    ["", undefined],
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["  Bearer abc  ", "abc"],
    ["Bearer abc def", "abc"],
    ["Bearer  abc", undefined],
    ["Bearer", undefined],
    ["Basic abc", undefined],
  ];
  for (const [header, want] of cases) assert.equal(bearerToken(header), want, String(header));
});

Deno.test("createAuthenticator() refuses a webhook without an API client and a CA that does not parse", () => {
  assert.throws(
    () => createAuthenticator({ webhookEnabled: true, clock: new FakeClock() }),
    /authentication\.webhook\.enabled: there is no API client/,
  );
  assert.throws(
    () => createAuthenticator({ clientCa: "not pem", clock: new FakeClock() }),
    /clientCAFile: it holds no PEM certificate/,
  );
});

Deno.test("readClientCaFile() reads a CA bundle and names the file it cannot use", async () => {
  const pki = await testPki();
  assert.equal(await readClientCaFile(pki.file("ca.crt")), pki.ca);
  await assert.rejects(
    readClientCaFile(pki.file("missing.crt")),
    /Cannot read client CA file '.*missing\.crt'/,
  );
  await assert.rejects(
    readClientCaFile(pki.file("ca.key")),
    /client CA file '.*ca\.key': it holds no PEM certificate/,
  );
});
