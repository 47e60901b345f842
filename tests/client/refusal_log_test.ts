import assert from "node:assert/strict";
import { ApiClient, ApiStatusError, UNLIMITED } from "../../src/client/mod.ts";
import { kubeconfigIdentity, RefusalLog } from "../../src/client/refusal_log.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { FakeApi, statusBody } from "../_fixtures/fake_api.ts";
import { testPki } from "./_certs.ts";

Deno.test("a 403 is logged once a minute per request, naming the request and the identity", async () => {
  const clock = new FakeClock();
  const logger = createMemoryLogger();
  const log = new RefusalLog({ clock, logger, identity: 'user "node1" (bearer token)' });
  const api = new FakeApi();
  api.intercept = () => ({
    status: 403,
    body: statusBody(
      403,
      "Forbidden",
      'nodes "n2" is forbidden: node "n1" cannot modify node "n2"',
    ),
  });
  const client = new ApiClient(api.transport, {
    clock,
    rateLimiter: UNLIMITED,
    onRefused: log.onRefused,
  });
  const ref = { resource: "nodes", name: "n2" };
  const shown = () => logger.records.filter((r) => r.severity === "error");
  for (let i = 0; i < 5; i++) {
    await assert.rejects(client.get(ref), ApiStatusError);
  }
  assert.equal(shown().length, 1);
  assert.equal(logger.records.filter((r) => r.verbosity === 4).length, 4, "repeats at --v=4");
  const line = shown()[0];
  assert.equal(line.message, "The API server refused a request");
  assert.deepEqual(line.fields, {
    request: "GET /api/v1/nodes/n2",
    code: 403,
    identity: 'user "node1" (bearer token)',
    message: 'nodes "n2" is forbidden: node "n1" cannot modify node "n2"',
  });
  await assert.rejects(client.get({ resource: "pods" }), ApiStatusError);
  assert.equal(shown().length, 2, "another request is its own kind");
  clock.step(60_000);
  await assert.rejects(client.get(ref), ApiStatusError);
  assert.equal(shown().length, 3, "again after a minute");
  assert.equal(shown()[2].fields.heldBack, 4, "saying how many were held back");
});

Deno.test("a 401 says the credentials were not accepted; other errors are not logged here", async () => {
  const clock = new FakeClock();
  const logger = createMemoryLogger();
  const log = new RefusalLog({ clock, logger, identity: "x" });
  const api = new FakeApi();
  let code = 401;
  api.intercept = () => ({ status: code, body: statusBody(code, "Unauthorized", "Unauthorized") });
  const client = new ApiClient(api.transport, {
    clock,
    rateLimiter: UNLIMITED,
    onRefused: log.onRefused,
  });
  await assert.rejects(client.get({ resource: "nodes" }));
  code = 500;
  await assert.rejects(client.get({ resource: "nodes" }));
  assert.equal(logger.records.length, 1);
  assert.equal(logger.records[0].message, "The API server did not accept the agent's credentials");
});

Deno.test("kubeconfigIdentity() names the user and the certificate subject", async () => {
  const pki = await testPki();
  const id = kubeconfigIdentity({ user: "node1", clientCertificate: pki.clientCert });
  assert.match(id, /^user "node1" \(certificate .*CN=/);
  assert.equal(kubeconfigIdentity({ user: "u", token: "t" }), 'user "u" (bearer token)');
  assert.equal(kubeconfigIdentity({ user: "u" }), 'user "u" (anonymous)');
  assert.equal(
    kubeconfigIdentity({ user: "u", clientCertificate: "junk" }),
    'user "u" (client certificate)',
  );
});
