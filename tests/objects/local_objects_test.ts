import assert from "node:assert/strict";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import { LocalObjectStore } from "../../src/objects/local_objects.ts";
import type { ObjectRef } from "../../src/objects/types.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";

const cm = (name: string, data: Record<string, string>, namespace?: string): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
});
const secret = (name: string, data: Record<string, string>): Secret => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: "default" },
  data,
});

Deno.test("LocalObjectStore: lookup by kind, namespace (default when unset) and name", () => {
  const store = new LocalObjectStore();
  store.replace([
    cm("app", { k: "v" }),
    cm("app", { k: "other" }, "team"),
    secret("app", { k: "c2VjcmV0" }),
  ]);
  assert.equal(store.size, 3);
  assert.equal(store.configMap("default", "app")?.data?.k, "v");
  assert.equal(store.configMap("team", "app")?.data?.k, "other");
  assert.equal(store.secret("default", "app")?.data?.k, "c2VjcmV0");
  assert.equal(store.secret("team", "app"), undefined);
  assert.equal(store.has({ kind: "Secret", namespace: "default", name: "app" }), true);
  assert.equal(store.has({ kind: "ConfigMap", namespace: "default", name: "nope" }), false);
  assert.deepEqual(store.refs("Secret"), [{ kind: "Secret", namespace: "default", name: "app" }]);
});

Deno.test("LocalObjectStore.replace() tells the added, changed and removed objects, not the unchanged", () => {
  const store = new LocalObjectStore();
  const seen: ObjectRef[] = [];
  store.onChange((ref) => seen.push(ref));
  store.replace([cm("a", { k: "1" }), cm("b", { k: "1" }), secret("s", {})]);
  assert.equal(seen.length, 3);
  seen.length = 0;
  // Re-read from disk: equal content, new objects.
  const changed = store.replace([cm("a", { k: "1" }), cm("b", { k: "2" }), cm("c", { k: "1" })]);
  assert.deepEqual(changed.map((r) => `${r.kind} ${r.name}`), [
    "ConfigMap b",
    "ConfigMap c",
    "Secret s",
  ]);
  assert.deepEqual(seen, changed);
  assert.equal(store.secret("default", "s"), undefined);
  assert.deepEqual(
    store.replace([cm("a", { k: "1" }), cm("b", { k: "2" }), cm("c", { k: "1" })]),
    [],
  );
});

Deno.test("LocalObjectStore: items that are not named ConfigMaps or Secrets are ignored; a failing listener is logged", () => {
  const logger = createMemoryLogger();
  const store = new LocalObjectStore({ logger });
  store.onChange(() => {
    throw new Error("boom");
  });
  store.replace([
    // deno-lint-ignore no-explicit-any
    { kind: "Pod", metadata: { name: "p" } } as any,
    { kind: "ConfigMap", metadata: {} },
    cm("ok", {}),
  ]);
  assert.equal(store.size, 1);
  assert.equal(logger.records.filter((r) => r.severity === "error").length, 1);
});
