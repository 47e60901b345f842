import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { TokenManager } from "../../src/token/token_manager.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { FakeApi, statusBody } from "../_fixtures/fake_api.ts";

const pod: Pod = {
  metadata: { name: "web", namespace: "ns", uid: "u1" },
  spec: { serviceAccountName: "app", containers: [] },
};

function setup() {
  const clock = new FakeClock(Date.parse("2026-12-01T00:00:00Z"));
  const api = new FakeApi();
  let n = 0;
  let down = false;
  api.intercept = (req) => {
    if (down) return { status: 503, body: statusBody(503, "ServiceUnavailable", "down") };
    const spec = (req.body as { spec: { expirationSeconds: number } }).spec;
    return {
      status: 201,
      body: {
        status: {
          token: `token-${++n}`,
          expirationTimestamp: new Date(clock.now() + spec.expirationSeconds * 1000).toISOString(),
        },
      },
    };
  };
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  return {
    clock,
    api,
    tokens: new TokenManager({ client, clock }),
    setDown: (d: boolean) => down = d,
  };
}

Deno.test("TokenManager asks the TokenRequest API once, bound to the pod, and caches the token", async () => {
  const t = setup();
  const source = { path: "token", audience: "vault", expirationSeconds: 3600 };
  assert.equal(await t.tokens.token(pod, source), "token-1");
  assert.equal(await t.tokens.token(pod, source), "token-1");
  const reqs = t.api.requestsTo("POST", "/api/v1/namespaces/ns/serviceaccounts/app/token");
  assert.equal(reqs.length, 1);
  assert.deepEqual(reqs[0].body, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: {
      audiences: ["vault"],
      expirationSeconds: 3600,
      boundObjectRef: { apiVersion: "v1", kind: "Pod", name: "web", uid: "u1" },
    },
  });
  // Another audience is another token.
  assert.equal(await t.tokens.token(pod, { path: "t2" }), "token-2");
});

Deno.test("TokenManager refreshes after 80% of the lifetime, and serves a valid cached token while the API is down", async () => {
  const t = setup();
  const source = { path: "token", expirationSeconds: 3600 };
  assert.equal(await t.tokens.token(pod, source), "token-1");
  t.clock.set(t.clock.now() + 2879_000);
  assert.equal(await t.tokens.token(pod, source), "token-1", "before 80%");
  t.clock.set(t.clock.now() + 2_000);
  t.setDown(true);
  assert.equal(await t.tokens.token(pod, source), "token-1", "the API is down: the valid one");
  t.setDown(false);
  assert.equal(await t.tokens.token(pod, source), "token-2", "past 80%: a fresh one");
  t.setDown(true);
  t.clock.set(t.clock.now() + 3601_000);
  await assert.rejects(
    t.tokens.token(pod, source),
    /Cannot get a token for service account ns\/app of pod web: .*503/,
  );
});

Deno.test("TokenManager.forgetPod drops the pod's tokens", async () => {
  const t = setup();
  await t.tokens.token(pod, { path: "token" });
  t.tokens.forgetPod("u1");
  assert.equal(await t.tokens.token(pod, { path: "token" }), "token-2");
});
