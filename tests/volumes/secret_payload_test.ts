import assert from "node:assert/strict";
import { secretPayload } from "../../src/volumes/secret_payload.ts";
import { b64, fakeLookup, show } from "./_lookup.ts";

const objects = fakeLookup({
  secrets: {
    "default/db": { data: { password: b64("s3cr3t"), user: b64("admin") } },
    "default/local": {
      data: { a: b64("from-data") },
      stringData: { a: "from-stringData", b: "2" },
    },
    "default/bad": { data: { token: "%%%hunter2%%%" } },
  },
});

Deno.test("secretPayload() base64-decodes data, 0644 unless defaultMode or an item mode says", () => {
  assert.deepEqual(show(secretPayload("default", "db", {}, objects)), {
    password: ["s3cr3t", 0o644],
    user: ["admin", 0o644],
  });
  const items = [{ key: "password", path: "db/pass", mode: 0o400 }, { key: "user", path: "u" }];
  assert.deepEqual(show(secretPayload("default", "db", { items }, objects, 0o440)), {
    "db/pass": ["s3cr3t", 0o400],
    "u": ["admin", 0o440],
  });
});

Deno.test("secretPayload() takes stringData over data, as the API server merges them", () => {
  assert.deepEqual(show(secretPayload("default", "local", {}, objects)), {
    a: ["from-stringData", 0o644],
    b: ["2", 0o644],
  });
});

Deno.test("secretPayload() names the Secret and key, never a value", async (t) => {
  await t.step("missing secret", () => {
    assert.throws(() => secretPayload("default", "nope", {}, objects), {
      message: 'secret "nope" not found',
    });
    assert.equal(secretPayload("default", "nope", { optional: true }, objects).size, 0);
  });
  await t.step("missing key", () => {
    const items = [{ key: "apikey", path: "k" }];
    assert.throws(() => secretPayload("default", "db", { items }, objects), {
      message: 'secret "db" references non-existent secret key: apikey',
    });
    assert.equal(secretPayload("default", "db", { items, optional: true }, objects).size, 0);
  });
  await t.step("bad base64", () => {
    assert.throws(() => secretPayload("default", "bad", {}, objects), (e) => {
      assert.equal((e as Error).message, 'Secret default/bad data key "token" is not valid base64');
      assert.doesNotMatch((e as Error).message, /hunter2/);
      return true;
    });
  });
});
