/** decodeLocalObject(): ConfigMaps and Secrets of the static pod directory, validated as the API server does. */

import assert from "node:assert/strict";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import {
  decodeBase64,
  decodeLocalObject,
  localObjectKey,
  MAX_OBJECT_DATA_BYTES,
} from "../../src/config/_local_object.ts";

const configMap = (extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "app" },
  ...extra,
});
const secret = (extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "creds" },
  ...extra,
});
const b64 = (text: string) => btoa(text);
const text = (base64: string | undefined) => new TextDecoder().decode(decodeBase64(base64 ?? ""));

function accepted(raw: Record<string, unknown>) {
  const result = decodeLocalObject(raw);
  if (!result.ok) assert.fail(`refused: ${result.reason}`);
  return result;
}

function reasonOf(raw: Record<string, unknown>): string {
  const result = decodeLocalObject(raw);
  if (result.ok) assert.fail(`accepted: ${JSON.stringify(result.object)}`);
  assert.ok(!/[\n\r]/.test(result.reason), result.reason);
  return result.reason;
}

Deno.test("decodeLocalObject() keeps a ConfigMap as the API server stores it, in namespace default", () => {
  const { object, unknownFields } = accepted(configMap({
    metadata: { name: "app", labels: { tier: "web" }, uid: "ignored", resourceVersion: "1" },
    data: { "b.conf": "two", "a.conf": "one", empty: null },
    binaryData: { "logo.png": "iVBO\nRw0K" },
    immutable: true,
  }));
  const cm = object as ConfigMap;
  assert.equal(unknownFields, undefined);
  assert.equal(localObjectKey(cm), "ConfigMap default/app");
  assert.equal(cm.metadata?.namespace, "default");
  assert.deepEqual(cm.metadata?.labels, { tier: "web" });
  assert.deepEqual(Object.keys(cm.data!), ["a.conf", "b.conf", "empty"], "keys sorted");
  assert.equal(cm.data!.empty, "", "null is the empty string, as in Go");
  assert.equal(cm.binaryData!["logo.png"], "iVBORw0K", "canonical base64");
  assert.equal(cm.immutable, true);
  assert.match(cm.metadata!.resourceVersion!, /^[0-9a-f]{16}$/);
  assert.ok(Object.isFrozen(cm) && Object.isFrozen(cm.data) && Object.isFrozen(cm.metadata));
  assert.throws(() => {
    (cm.data as Record<string, string>)["a.conf"] = "changed";
  }, TypeError);
});

Deno.test("decodeLocalObject() gives equal content the same resourceVersion and other content another", () => {
  const version = (raw: Record<string, unknown>) => accepted(raw).object.metadata!.resourceVersion;
  const a = version(configMap({ data: { x: "1" } }));
  assert.equal(version(configMap({ data: { x: "1" } })), a);
  assert.notEqual(version(configMap({ data: { x: "2" } })), a);
  assert.notEqual(version(configMap({ data: { x: "1" }, immutable: true })), a);
  assert.notEqual(version(secret({ data: { x: b64("1") } })), a);
});

Deno.test("decodeLocalObject() merges stringData into a Secret's data, stringData winning, type Opaque", () => {
  const { object } = accepted(secret({
    data: { user: b64("admin"), password: b64("from-data") },
    stringData: { password: "from-stringData", token: "t0k" },
  }));
  const s = object as Secret;
  assert.equal(s.type, "Opaque");
  assert.equal("stringData" in s, false, "dropped once merged");
  assert.deepEqual(Object.keys(s.data!), ["password", "token", "user"]);
  assert.equal(text(s.data!.password), "from-stringData");
  assert.equal(text(s.data!.token), "t0k");
  assert.equal(text(s.data!.user), "admin");
  const typed = accepted(secret({
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": "c", "tls.key": "k" },
    immutable: false,
  })).object as Secret;
  assert.equal(typed.type, "kubernetes.io/tls");
  assert.equal(typed.immutable, false);
});

Deno.test("decodeLocalObject() refuses bad names, naming the field", async (t) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["no metadata", { ...configMap(), metadata: undefined }, /field 'metadata\.name' is required/],
    ["metadata a list", configMap({ metadata: ["app"] }), /'metadata' must be an object/],
    ["empty name", configMap({ metadata: { name: "" } }), /'metadata\.name' is required/],
    ["name a number", configMap({ metadata: { name: 7 } }), /'metadata\.name' must be a string/],
    [
      "upper case",
      configMap({ metadata: { name: "App" } }),
      /'metadata\.name' must consist of lowercase letters.*\(got 'App'\)/,
    ],
    [
      "254 characters",
      configMap({ metadata: { name: "a".repeat(254) } }),
      /'metadata\.name' must be no more than 253 characters/,
    ],
    [
      "namespace not a label",
      configMap({ metadata: { name: "app", namespace: "kube.system" } }),
      /'metadata\.namespace' must consist of/,
    ],
    [
      "label key",
      configMap({ metadata: { name: "app", labels: { "-x": "y" } } }),
      /'metadata\.labels\[-x\]' is not a valid key/,
    ],
  ];
  for (const [what, raw, expected] of cases) {
    await t.step(what, () => assert.match(reasonOf(raw), expected));
  }
  assert.match(
    reasonOf(configMap({ metadata: { name: "app" }, data: 1 })),
    /^invalid ConfigMap 'default\/app': /,
  );
});

Deno.test("decodeLocalObject() refuses keys the API server refuses and accepts the rest", async (t) => {
  for (const key of ["a b", "a/b", ".", "..", "..data", "k".repeat(254), "", "ключ"]) {
    await t.step(`refuses ${JSON.stringify(key.slice(0, 20))}`, () => {
      for (
        const raw of [configMap({ data: { [key]: "v" } }), secret({ stringData: { [key]: "v" } })]
      ) {
        assert.match(reasonOf(raw), /\[.*\]' is not a valid key: must/);
      }
    });
  }
  await t.step("accepts letters, digits, '-', '_' and '.'", () => {
    for (const key of ["-._aZ09", ".hidden", "a..b", "k".repeat(253)]) {
      accepted(configMap({ data: { [key]: "v" } }));
      accepted(secret({ data: { [key]: b64("v") } }));
    }
  });
});

Deno.test("decodeLocalObject() refuses values of the wrong type and bad base64", async (t) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "a number in data",
      configMap({ data: { port: 8080 } }),
      /'data\[port\]' must be a string \(got a number\); quote it/,
    ],
    [
      "a YAML 1.1 boolean",
      configMap({ data: { on: true } }),
      /'data\[on\]' must be a string \(got a boolean\)/,
    ],
    ["a list", configMap({ data: { x: ["a"] } }), /'data\[x\]' must be a string \(got a list\)/],
    ["data a list", configMap({ data: ["a"] }), /'data' must be a map of keys to values/],
    [
      "binaryData without padding",
      configMap({ binaryData: { x: "YWJj ZA" } }),
      /'binaryData\[x\]' must be standard base64/,
    ],
    [
      "binaryData unpadded",
      configMap({ binaryData: { x: "YWJjZA" } }),
      /'binaryData\[x\]' must be standard base64/,
    ],
    [
      "Secret data not base64",
      secret({ data: { pw: "plain text!" } }),
      /'data\[pw\]' must be standard base64.*stringData/,
    ],
    [
      "Secret data URL-safe base64",
      secret({ data: { pw: "-_-_" } }),
      /'data\[pw\]' must be standard base64/,
    ],
    [
      "stringData a number",
      secret({ stringData: { pin: 1234 } }),
      /'stringData\[pin\]' must be a string/,
    ],
    ["type a number", secret({ type: 3 }), /'type' must be a string/],
    ["immutable a string", configMap({ immutable: "yes" }), /'immutable' must be a boolean/],
  ];
  for (const [what, raw, expected] of cases) {
    await t.step(what, () => assert.match(reasonOf(raw), expected));
  }
});

Deno.test("decodeLocalObject() refuses a key in both data and binaryData", () => {
  assert.match(
    reasonOf(configMap({ data: { logo: "x" }, binaryData: { logo: b64("y"), other: b64("z") } })),
    /'binaryData\[logo\]' is also a key of data/,
  );
});

Deno.test("decodeLocalObject() accepts 1 MiB of data and refuses a byte more", async (t) => {
  const mib = MAX_OBJECT_DATA_BYTES;
  await t.step("ConfigMap data and binaryData together", () => {
    accepted(configMap({ data: { a: "x".repeat(mib - 3) }, binaryData: { b: b64("abc") } }));
    assert.match(
      reasonOf(configMap({ data: { a: "x".repeat(mib - 2) }, binaryData: { b: b64("abc") } })),
      /field 'data' must hold at most 1048576 bytes \(1 MiB\) in all, data and binaryData together \(got 1048577\)/,
    );
  });
  await t.step("UTF-8 bytes, not characters", () => {
    assert.match(reasonOf(configMap({ data: { a: "é".repeat(mib / 2 + 1) } })), /got 1048578/);
  });
  await t.step("Secret data and stringData together", () => {
    accepted(secret({ data: { a: b64("x".repeat(mib - 1)) }, stringData: { b: "y" } }));
    assert.match(
      reasonOf(secret({ data: { a: b64("x".repeat(mib)) }, stringData: { b: "y" } })),
      /'data' must hold at most 1048576 bytes .*stringData included \(got 1048577\)/,
    );
  });
});

Deno.test("decodeLocalObject() checks the keys of the built-in Secret types", async (t) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "tls",
      { type: "kubernetes.io/tls", stringData: { "tls.crt": "c" } },
      /'data\[tls\.key\]' is required for type kubernetes\.io\/tls/,
    ],
    [
      "dockerconfigjson missing",
      { type: "kubernetes.io/dockerconfigjson" },
      /'data\[\.dockerconfigjson\]' is required/,
    ],
    ["dockerconfigjson not JSON", {
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": "{auths" },
    }, /'data\[\.dockerconfigjson\]' must be a JSON object/],
    [
      "basic-auth",
      { type: "kubernetes.io/basic-auth", stringData: { user: "x" } },
      /must have a username or a password key/,
    ],
    [
      "ssh-auth",
      { type: "kubernetes.io/ssh-auth", stringData: { "ssh-privatekey": "" } },
      /'data\[ssh-privatekey\]' is required/,
    ],
    [
      "service-account-token",
      { type: "kubernetes.io/service-account-token" },
      /annotations\[kubernetes\.io\/service-account\.name\]' is required/,
    ],
  ];
  for (const [what, extra, expected] of cases) {
    await t.step(what, () => assert.match(reasonOf(secret(extra)), expected));
  }
  accepted(
    secret({
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": '{"auths":{}}' },
    }),
  );
  accepted(secret({ type: "example.com/custom", data: {} }));
});

Deno.test("decodeLocalObject() drops and names unknown fields", () => {
  const { unknownFields, object } = accepted(configMap({
    metadata: { name: "app", namespce: "x" },
    dat: { a: "1" },
    stringData: { a: "1" },
  }));
  assert.deepEqual(unknownFields, ["dat", "stringData", "metadata.namespce"]);
  assert.equal("dat" in object, false);
  assert.equal(accepted(secret({ binaryData: { a: b64("1") } })).unknownFields?.[0], "binaryData");
});

Deno.test("decodeLocalObject() never puts a Secret's value in a reason", async (t) => {
  const VALUE = "hunter2-SECRET-VALUE";
  const forms = [VALUE, b64(VALUE), JSON.stringify(VALUE)];
  const bad: [string, Record<string, unknown>][] = [
    ["bad base64", { data: { pw: VALUE } }],
    ["bad base64 with a newline", { data: { pw: `${VALUE}\nmore` } }],
    ["a bad key beside it", { data: { pw: b64(VALUE), "bad key": b64(VALUE) } }],
    ["a number beside it", { stringData: { pw: VALUE, pin: 1234 } }],
    ["a list holding it", { stringData: { pw: [VALUE] } }],
    ["an object holding it", { data: { pw: { v: VALUE } } }],
    ["data a string", { data: VALUE }],
    ["stringData a list", { stringData: [VALUE] }],
    ["too large", { stringData: { pw: VALUE, big: VALUE.repeat(60_000) } }],
    ["invalid docker JSON", {
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": `{${VALUE}` },
    }],
    ["tls with the key missing", { type: "kubernetes.io/tls", stringData: { "tls.crt": VALUE } }],
    ["type wrong", { type: [VALUE], stringData: { pw: VALUE } }],
    ["annotation value a number", {
      metadata: {
        name: "creds",
        annotations: { note: 1, "kubectl.kubernetes.io/last-applied-configuration": VALUE },
      },
      stringData: { pw: VALUE },
    }],
    ["immutable wrong", { immutable: VALUE, stringData: { pw: VALUE } }],
    ["bad name", { metadata: { name: "Creds" }, stringData: { pw: VALUE } }],
  ];
  for (const [what, extra] of bad) {
    await t.step(what, () => {
      const reason = reasonOf(secret(extra));
      for (const form of forms) assert.ok(!reason.includes(form), `${what}: ${reason}`);
      assert.ok(!reason.includes("hunter2"), reason);
    });
  }
});
