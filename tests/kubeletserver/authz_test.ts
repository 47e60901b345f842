import assert from "node:assert/strict";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { type AuthzResult, createAuthorizer } from "../../src/kubeletserver/authz.ts";
import { FakeApi, type FakeRequest, statusBody } from "../_fixtures/fake_api.ts";

const SARS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
const alice = { name: "alice", uid: "u-1", groups: ["devs", "system:authenticated"] };

interface Spec {
  user: string;
  resourceAttributes: { verb: string; subresource: string };
}

/** A FakeApi answering SubjectAccessReviews from `allow(spec)`; "fail" users get 500. */
function sarApi(allow: (spec: Spec) => boolean | "denied") {
  const api = new FakeApi();
  const clock = new FakeClock();
  api.intercept = (req) => {
    if (req.method !== "POST" || req.path !== SARS) return undefined;
    const spec = (req.body as { spec: Spec }).spec;
    if (spec.user === "fail") {
      return { status: 500, body: statusBody(500, "InternalError", "boom") };
    }
    const verdict = allow(spec);
    const status = verdict === "denied"
      ? { allowed: false, denied: true, reason: "explicitly denied" }
      : { allowed: verdict, reason: verdict ? "RBAC: allowed" : "no RBAC policy matched" };
    return { status: 201, body: { ...(req.body as object), status } };
  };
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  return { client, clock, reviews: (): FakeRequest[] => api.requestsTo("POST", SARS) };
}

function subs(reviews: FakeRequest[]): string[] {
  return reviews.map((r) => (r.body as { spec: Spec }).spec.resourceAttributes.subresource);
}

Deno.test("authorize() in AlwaysAllow lets every user in without asking", async () => {
  const authz = createAuthorizer({ mode: "AlwaysAllow", nodeName: "n1", clock: new FakeClock() });
  const r = await authz.authorize(alice, "POST", "/exec/ns/p/c");
  assert.equal(r.verdict, "allowed");
  assert.equal(r.verdict === "allowed" && r.attributes.subresource, "proxy");
});

Deno.test("authorize() in Webhook sends the kubelet's SubjectAccessReview", async () => {
  const { client, clock, reviews } = sarApi(() => true);
  const authz = createAuthorizer({ mode: "Webhook", nodeName: "node-1", client, clock });
  const r = await authz.authorize({ ...alice, extra: { scopes: ["x"] } }, "GET", "/stats/summary");
  assert.equal(r.verdict, "allowed");
  assert.deepEqual(reviews().map((x) => x.body), [{
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: "alice",
      uid: "u-1",
      groups: ["devs", "system:authenticated"],
      extra: { scopes: ["x"] },
      resourceAttributes: {
        namespace: "",
        verb: "get",
        group: "",
        version: "v1",
        resource: "nodes",
        subresource: "stats",
        name: "node-1",
      },
    },
  }]);
});

Deno.test("authorize() falls back from a fine-grained subresource to proxy", async () => {
  const { client, clock, reviews } = sarApi((s) => s.resourceAttributes.subresource === "proxy");
  const authz = createAuthorizer({ mode: "Webhook", nodeName: "n1", client, clock });
  const r = await authz.authorize(alice, "GET", "/healthz");
  assert.equal(r.verdict, "allowed");
  assert.equal(r.verdict === "allowed" && r.attributes.subresource, "proxy");
  assert.deepEqual(subs(reviews()), ["healthz", "proxy"]);
  const direct = sarApi((s) => s.resourceAttributes.subresource === "healthz");
  const authz2 = createAuthorizer({ mode: "Webhook", nodeName: "n1", ...direct });
  assert.equal((await authz2.authorize(alice, "GET", "/healthz")).verdict, "allowed");
  assert.deepEqual(subs(direct.reviews()), ["healthz"], "proxy is not asked once healthz allows");
});

Deno.test("authorize() forbids with the kubelet's message when no subresource is allowed", async () => {
  const { client, clock } = sarApi((s) => (s.resourceAttributes.verb === "get" ? false : "denied"));
  const authz = createAuthorizer({ mode: "Webhook", nodeName: "n1", client, clock });
  const r: AuthzResult = await authz.authorize(alice, "GET", "/healthz");
  assert.equal(r.verdict, "forbidden");
  assert.equal(
    r.verdict === "forbidden" && r.message,
    "Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[healthz proxy])\n",
  );
  assert.equal(r.verdict === "forbidden" && r.reason, "no RBAC policy matched");
  const post = await authz.authorize(alice, "POST", "/exec/ns/p/c");
  assert.equal(
    post.verdict === "forbidden" && post.message,
    "Forbidden (user=alice, verb=create, resource=nodes, subresource(s)=[proxy])\n",
  );
});

Deno.test("authorize() caches allowed answers for 5m and denied ones for 30s", async () => {
  const { client, clock, reviews } = sarApi((s) => s.resourceAttributes.subresource === "stats");
  const authz = createAuthorizer({ mode: "Webhook", nodeName: "n1", client, clock });
  await authz.authorize(alice, "GET", "/stats/summary");
  await authz.authorize(alice, "GET", "/containerLogs/ns/p/c");
  assert.equal(reviews().length, 2);
  clock.set(clock.now() + 29_000);
  assert.equal((await authz.authorize(alice, "GET", "/stats/summary")).verdict, "allowed");
  assert.equal((await authz.authorize(alice, "GET", "/containerLogs/ns/p/c")).verdict, "forbidden");
  assert.equal(reviews().length, 2, "both from the cache");
  clock.set(clock.now() + 2_000);
  await authz.authorize(alice, "GET", "/containerLogs/ns/p/c");
  await authz.authorize(alice, "GET", "/stats/summary");
  assert.equal(reviews().length, 3, "the denial expired after 30s, the allowance did not");
  clock.set(clock.now() + 270_000);
  await authz.authorize(alice, "GET", "/stats/summary");
  assert.equal(reviews().length, 4, "the allowance expired after 5m");
  await authz.authorize({ ...alice, groups: ["other"] }, "GET", "/stats/summary");
  assert.equal(reviews().length, 5, "another group set is another review");
});

Deno.test("authorize() uses the configured cache TTLs", async () => {
  const { client, clock, reviews } = sarApi(() => true);
  const authz = createAuthorizer({
    mode: "Webhook",
    nodeName: "n1",
    client,
    clock,
    cacheAuthorizedTTLMs: 1_000,
  });
  await authz.authorize(alice, "GET", "/stats/summary");
  clock.set(clock.now() + 1_001);
  await authz.authorize(alice, "GET", "/stats/summary");
  assert.equal(reviews().length, 2);
});

Deno.test("authorize() answers an error, not cached, when the review fails", async () => {
  const { client, clock, reviews } = sarApi(() => true);
  const authz = createAuthorizer({ mode: "Webhook", nodeName: "n1", client, clock });
  const who = { name: "fail", groups: [] };
  for (let i = 1; i <= 2; i++) {
    const r = await authz.authorize(who, "GET", "/containerLogs/ns/p/c");
    assert.equal(r.verdict, "error");
    assert.equal(
      r.verdict === "error" && r.message,
      "Authorization error (user=fail, verb=get, resource=nodes, subresource=proxy)",
    );
    assert.match(r.verdict === "error" ? r.error : "", /boom/);
    assert.equal(reviews().length, i);
  }
});

Deno.test("createAuthorizer() refuses an unknown mode and Webhook without an API client", () => {
  const clock = new FakeClock();
  assert.throws(
    () => createAuthorizer({ mode: "RBAC" as "Webhook", nodeName: "n", clock }),
    /authorization\.mode "RBAC": must be "Webhook" or "AlwaysAllow"/,
  );
  assert.throws(
    () => createAuthorizer({ mode: "Webhook", nodeName: "n", clock }),
    /"Webhook": there is no API client/,
  );
});
