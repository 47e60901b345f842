import assert from "node:assert/strict";
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { RefusalLog } from "../../src/client/refusal_log.ts";
import { microTime, NodeLease, type NodeLeaseOptions } from "../../src/nodestatus/node_lease.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { FakeApi, statusBody } from "../_fixtures/fake_api.ts";

const T0 = Date.UTC(2026, 11, 1, 0, 0, 0, 123);
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
const LEASE = `${LEASES}/n1`;

function setup(options: Partial<NodeLeaseOptions> = {}) {
  const clock = new FakeClock(T0);
  const api = new FakeApi();
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  const lease = new NodeLease({ client, clock, nodeName: "n1", ...options });
  return { clock, api, lease };
}

function stored(api: FakeApi): Lease {
  return api.get(LEASE) as Lease;
}

Deno.test("microTime() prints RFC 3339 with microseconds", () => {
  assert.equal(microTime(T0), "2026-12-01T00:00:00.123000Z");
});

Deno.test("renew() creates the lease with holderIdentity, duration, renewTime and the Node as owner", async () => {
  const { api, lease } = setup({ nodeUid: () => "node-uid-1" });
  assert.equal(await lease.renew(T0), true);
  const [create] = api.requestsTo("POST", LEASES);
  assert.ok(create);
  const made = stored(api);
  assert.equal(made.metadata?.name, "n1");
  assert.equal(made.metadata?.namespace, "kube-node-lease");
  assert.deepEqual(made.spec, {
    holderIdentity: "n1",
    leaseDurationSeconds: 40,
    renewTime: "2026-12-01T00:00:00.123000Z",
  });
  assert.deepEqual(made.metadata?.ownerReferences, [
    { apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid-1" },
  ]);
  assert.equal(lease.renewIntervalMs, 10_000);
});

Deno.test("renew() renews by PUT with the last resourceVersion, without reading first", async () => {
  const { api, lease } = setup();
  await lease.renew(T0);
  const rv = stored(api).metadata?.resourceVersion;
  assert.equal(await lease.renew(T0 + 10_000), true);
  const [put] = api.requestsTo("PUT", LEASE);
  assert.equal((put.body as Lease).metadata?.resourceVersion, rv);
  assert.equal(stored(api).spec?.renewTime, "2026-12-01T00:00:10.123000Z");
  assert.equal(api.requestsTo("GET", LEASE).length, 1, "only the first renew looked");
});

Deno.test("renew() sets the ownerReference on a later renewal once the node uid is known", async () => {
  const node: { uid?: string } = {};
  const { api, lease } = setup({ nodeUid: () => node.uid });
  await lease.renew(T0);
  assert.equal(stored(api).metadata?.ownerReferences, undefined);
  node.uid = "node-uid-2";
  await lease.renew(T0 + 10_000);
  assert.deepEqual(stored(api).metadata?.ownerReferences, [
    { apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid-2" },
  ]);
});

Deno.test("renew() on a 409 Conflict reads the lease again and retries at once", async () => {
  const { api, lease } = setup();
  await lease.renew(T0);
  const other = api.get(LEASE)!;
  api.put(LEASE, { ...other, spec: { ...(other.spec as object), leaseTransitions: 1 } }); // someone else wrote it
  assert.equal(await lease.renew(T0 + 10_000), true);
  const puts = api.requestsTo("PUT", LEASE);
  assert.equal(puts.length, 2);
  assert.equal(api.requests.at(-2)?.method, "GET");
  assert.equal(stored(api).spec?.renewTime, "2026-12-01T00:00:10.123000Z");
  assert.equal(stored(api).spec?.leaseTransitions, 1, "built on the lease as read");
});

Deno.test("renew() creates the lease again when it was deleted", async () => {
  const { api, lease } = setup();
  await lease.renew(T0);
  api.remove(LEASE);
  assert.equal(await lease.renew(T0 + 10_000), true);
  assert.equal(api.requestsTo("POST", LEASES).length, 2);
  assert.equal(stored(api).spec?.renewTime, "2026-12-01T00:00:10.123000Z");
});

Deno.test("run(): an outage backs off from 200 ms doubling to 7 s, then renews every 10 s again", async () => {
  const { api, lease, clock } = setup();
  const ac = new AbortController();
  const loop = lease.run(ac.signal);
  await clock.advance(0);
  assert.ok(stored(api));
  let down = false;
  const tries: number[] = [];
  api.intercept = (req) => {
    if (req.path.startsWith(LEASES)) tries.push(clock.now() - T0);
    return down ? { status: 503, body: statusBody(503, "ServiceUnavailable", "down") } : undefined;
  };
  await clock.advance(10_000);
  assert.deepEqual(tries, [10_000]);
  down = true;
  tries.length = 0;
  await clock.advance(10_000 + 200 + 400 + 800 + 1600 + 3200 + 6400 + 7000 + 7000);
  assert.deepEqual(
    tries.slice(1).map((t, i) => t - tries[i]),
    [200, 400, 800, 1600, 3200, 6400, 7000, 7000],
  );
  down = false;
  tries.length = 0;
  await clock.advance(7_000 + 10_000 + 10_000);
  assert.equal(tries.length, 3);
  assert.deepEqual(tries.slice(1).map((t, i) => t - tries[i]), [10_000, 10_000]);
  ac.abort();
  await loop;
});

Deno.test("renew() never throws: a forbidden lease is retried, in one line (the client's)", async () => {
  const clock = new FakeClock(T0);
  const api = new FakeApi();
  const logger = createMemoryLogger();
  const { onRefused } = new RefusalLog({ clock, logger, identity: 'user "n1" (bearer token)' });
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED, onRefused });
  const lease = new NodeLease({ client, clock, nodeName: "n1", logger });
  api.intercept = () => ({ status: 403, body: statusBody(403, "Forbidden", "no") });
  assert.equal(await lease.renew(T0), false);
  const shown = logger.records.filter((r) => r.severity === "warn" || r.severity === "error");
  assert.deepEqual(shown.map((r) => r.message), ["The API server refused a request"]);
  const own = logger.records.filter((r) => /renew the node lease/.test(r.message));
  assert.deepEqual(own.map((r) => [r.severity, r.verbosity]), [["debug", 4]]);
  api.intercept = undefined;
  assert.equal(await lease.renew(T0 + 200), true);
});

Deno.test("NodeLease rejects a lease duration that is not a positive integer", () => {
  const clock = new FakeClock(T0);
  const client = new ApiClient(new FakeApi().transport, { clock, rateLimiter: UNLIMITED });
  assert.throws(
    () => new NodeLease({ client, clock, nodeName: "n1", leaseDurationSeconds: 0 }),
    /leaseDurationSeconds must be a positive integer, got 0/,
  );
});
