import assert from "node:assert/strict";
import { configMapPayload } from "../../src/volumes/configmap_payload.ts";
import { b64, fakeLookup, show } from "./_lookup.ts";

const objects = fakeLookup({
  configMaps: {
    "default/app": {
      data: { "app.conf": "port=80", "log.level": "info" },
      binaryData: { "logo.bin": b64("\x00\x01") },
    },
  },
  unavailable: ["default/flaky"],
});

Deno.test("configMapPayload() writes every data and binaryData key with defaultMode", () => {
  assert.deepEqual(show(configMapPayload("default", "app", {}, objects)), {
    "app.conf": ["port=80", 0o644],
    "log.level": ["info", 0o644],
    "logo.bin": ["\x00\x01", 0o644],
  });
  const binary = configMapPayload("default", "app", {}, objects).get("logo.bin")!;
  assert.deepEqual([...binary.data], [0, 1]);
  assert.equal(configMapPayload("default", "app", {}, objects, 0o400).get("app.conf")!.mode, 0o400);
});

Deno.test("configMapPayload() with items writes only those, at their path and mode", () => {
  const items = [
    { key: "app.conf", path: "etc/app.conf", mode: 0o600 },
    { key: "log.level", path: "level" },
  ];
  assert.deepEqual(show(configMapPayload("default", "app", { items }, objects, 0o640)), {
    "etc/app.conf": ["port=80", 0o600],
    "level": ["info", 0o640],
  });
});

Deno.test("configMapPayload() names the object and key of what is missing unless optional", async (t) => {
  await t.step("missing object", () => {
    assert.throws(() => configMapPayload("default", "nope", {}, objects), {
      message: 'configmap "nope" not found',
    });
    assert.equal(configMapPayload("default", "nope", { optional: true }, objects).size, 0);
  });
  await t.step("missing key", () => {
    const items = [{ key: "app.conf", path: "a" }, { key: "gone", path: "g" }];
    assert.throws(() => configMapPayload("default", "app", { items }, objects), {
      message: 'configmap "app" references non-existent config key: gone',
    });
    const p = configMapPayload("default", "app", { items, optional: true }, objects);
    assert.deepEqual([...p.keys()], ["a"]);
  });
  await t.step("an unreadable object is not taken for a missing one", () => {
    assert.throws(
      () => configMapPayload("default", "flaky", { optional: true }, objects),
      /Cannot read ConfigMap default\/flaky: the API server is unreachable/,
    );
  });
});

Deno.test("configMapPayload() refuses an object over 1 MiB, a bad key, bad binaryData", async (t) => {
  const lookup = fakeLookup({
    configMaps: {
      "ns/big": {
        data: { a: "x".repeat(600 * 1024) },
        binaryData: { b: b64("y".repeat(500 * 1024)) },
      },
      "ns/slash": { data: { "a/b": "1" } },
      "ns/dots": { data: { "..data": "1" } },
      "ns/bin": { binaryData: { k: "not base64!" } },
      "ns/both": { data: { k: "1" }, binaryData: { k: b64("2") } },
    },
  });
  await t.step("over 1 MiB", () => {
    assert.throws(() => configMapPayload("ns", "big", {}, lookup), (e) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /^ConfigMap ns\/big is 1126400 bytes, over the 1 MiB limit/);
      return true;
    });
  });
  await t.step("a key that is not a file name", () => {
    assert.throws(
      () => configMapPayload("ns", "slash", {}, lookup),
      /ConfigMap ns\/slash has a key that is not a valid file name: "a\/b"/,
    );
    assert.throws(
      () => configMapPayload("ns", "dots", {}, lookup),
      /not a valid file name: "\.\.data"/,
    );
    // Picked by an item, the key only names the value: its path is what must be valid.
    const items = [{ key: "a/b", path: "ab" }];
    assert.deepEqual(show(configMapPayload("ns", "slash", { items }, lookup)), {
      ab: ["1", 0o644],
    });
  });
  await t.step("binaryData that is not base64, naming the key only", () => {
    assert.throws(() => configMapPayload("ns", "bin", {}, lookup), {
      message: 'ConfigMap ns/bin binaryData key "k" is not valid base64',
    });
  });
  await t.step("a key in data and binaryData", () => {
    assert.throws(
      () => configMapPayload("ns", "both", {}, lookup),
      /has key "k" in both data and binaryData/,
    );
  });
  await t.step("a bad mode", () => {
    const items = [{ key: "a/b", path: "ab", mode: 0o1777 }];
    assert.throws(
      () => configMapPayload("ns", "slash", { items }, lookup),
      /Invalid mode of key "a\/b" of ConfigMap ns\/slash: 1023 is not 0 to 0777/,
    );
  });
});
