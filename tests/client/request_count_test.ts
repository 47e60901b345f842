import assert from "node:assert/strict";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { FakeApi } from "../_fixtures/fake_api.ts";

Deno.test("onResponse counts every request by method and code, <error> when no answer came", async () => {
  const api = new FakeApi();
  const seen: string[] = [];
  const client = new ApiClient(api.transport, {
    clock: new FakeClock(),
    rateLimiter: UNLIMITED,
    onResponse: (method, code) => seen.push(`${method} ${code}`),
  });
  await client.create({ resource: "pods", namespace: "ns" }, { metadata: { name: "a" } });
  await client.get({ resource: "pods", namespace: "ns", name: "missing" }).catch(() => {});
  api.intercept = () => Promise.reject(new TypeError("connection refused"));
  await client.list({ resource: "pods" }).catch(() => {});
  const aborted = new AbortController();
  aborted.abort(new Error("stop"));
  await client.list({ resource: "pods" }, { signal: aborted.signal }).catch(() => {});
  assert.deepEqual(seen, ["POST 201", "GET 404", "GET <error>"], "an abort is not a request");
});
