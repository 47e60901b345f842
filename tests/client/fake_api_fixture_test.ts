import assert from "node:assert/strict";
import { ApiClient, isAlreadyExists, isNotFound, UNLIMITED } from "../../src/client/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { FakeApi } from "../_fixtures/fake_api.ts";

Deno.test("fake API: create, list by field, watch, patch with a uid precondition, delete", async () => {
  const api = new FakeApi();
  const client = new ApiClient(api.transport, { clock: new FakeClock(), rateLimiter: UNLIMITED });
  const ref = { resource: "pods", namespace: "ns" };
  const made = await client.create<{ metadata: { name: string; uid?: string }; spec: unknown }>(
    ref,
    { metadata: { name: "a" }, spec: { nodeName: "n1" } },
  );
  const list = await client.list(ref, { fieldSelector: "spec.nodeName=n1" });
  assert.deepEqual(list.items.length, 1);
  assert.deepEqual((await client.list(ref, { fieldSelector: "spec.nodeName=n2" })).items.length, 0);
  const ac = new AbortController();
  const events = await client.watch<{ metadata: { name: string } }>(ref, {
    fieldSelector: "spec.nodeName=n1",
    signal: ac.signal,
  });
  await assert.rejects(
    client.patchStatus({ ...ref, name: "a" }, { metadata: { uid: "other" } }, "merge"),
    /Precondition failed/,
  );
  await client.patchStatus({ ...ref, name: "a" }, { status: { phase: "Running" } }, "merge");
  await client.delete({ ...ref, name: "a" }, { preconditions: { uid: made.metadata.uid } });
  const seen: string[] = [];
  for await (const ev of events) {
    seen.push(ev.type);
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, ["MODIFIED", "DELETED"]);
  const err = await client.get({ ...ref, name: "a" }).catch((e) => e);
  assert.deepEqual(isNotFound(err), true);
  await client.create(ref, { metadata: { name: "b" } });
  const dup = await client.create(ref, { metadata: { name: "b" } }).catch((e) => e);
  assert.deepEqual(isAlreadyExists(dup), true);
  ac.abort();
});
