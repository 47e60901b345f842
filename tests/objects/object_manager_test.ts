import assert from "node:assert/strict";
import { ObjectUnavailableError } from "../../src/objects/types.ts";
import { nodeObjectTtlMs, ObjectManager } from "../../src/objects/object_manager.ts";
import { statusBody } from "../_fixtures/fake_api.ts";
import { objectPath, podWith, putConfigMap, setup } from "./_helpers.ts";

const APP = objectPath("ConfigMap", "app");

function gets(api: ReturnType<typeof setup>["api"], path = APP): number {
  return api.requestsTo("GET", path).filter((r) => r.path === path).length;
}

Deno.test("ObjectManager Get: one live GET of the object per resolve, NotFound is undefined", async () => {
  const { api, manager } = setup("Get");
  putConfigMap(api, "app", { k: "v1" });
  const pod = podWith("p", { configMaps: ["app", "missing"] });
  manager.registerPod(pod);
  const first = await manager.resolve(pod);
  assert.equal(first.configMap("default", "app")?.data?.k, "v1");
  assert.equal(first.configMap("default", "missing"), undefined);
  putConfigMap(api, "app", { k: "v2" });
  const second = await manager.resolve(pod);
  assert.equal(second.configMap("default", "app")?.data?.k, "v2");
  assert.equal(gets(api), 2);
  assert.equal(api.requests.filter((r) => r.query.has("watch")).length, 0, "no watch");
});

Deno.test("ObjectManager Get: a 403 is unavailable (not NotFound) and logged only at --v=4", async () => {
  const { api, manager, logger } = setup("Get");
  api.intercept = () => ({
    status: 403,
    body: statusBody(403, "Forbidden", "no relationship found"),
  });
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  const lookup = await manager.resolve(pod);
  assert.throws(
    () => lookup.configMap("default", "app"),
    (e) =>
      e instanceof ObjectUnavailableError &&
      /ConfigMap default\/app: .*403 Forbidden/.test(e.message),
  );
  assert.deepEqual(logger.records.filter((r) => r.severity !== "debug"), []);
  assert.ok(
    logger.records.some((r) =>
      r.verbosity === 4 && /Cannot get ConfigMap default\/app/.test(r.message)
    ),
  );
});

Deno.test("ObjectManager: repeated failures are one warning a minute per kind", async () => {
  const { api, manager, logger, clock } = setup("Get");
  api.intercept = () => ({ status: 500, body: statusBody(500, "InternalError", "etcd down") });
  const pod = podWith("p", { configMaps: ["a", "b", "c"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  await manager.resolve(pod);
  const warns = () => logger.records.filter((r) => r.severity === "warn");
  assert.equal(warns().length, 1);
  assert.match(warns()[0].message, /Cannot get ConfigMap default\/[abc]/);
  await clock.advance(60_000);
  await manager.resolve(pod);
  assert.equal(warns().length, 2);
  assert.equal(warns()[1].fields.heldBack, 5);
});

Deno.test("ObjectManager Cache: the answer is kept for the TTL, asked on every read", async () => {
  let ttl = 60_000;
  const { api, manager, clock } = setup("Cache", "ConfigMap", { ttlMs: () => ttl });
  putConfigMap(api, "app", { k: "v1" });
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v1");
  putConfigMap(api, "app", { k: "v2" });
  await clock.advance(59_999);
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v1");
  assert.equal(gets(api), 1);
  await clock.advance(1);
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v2");
  assert.equal(gets(api), 2);
  ttl = 5_000; // the node annotation changed
  await clock.advance(5_000);
  await manager.resolve(pod);
  assert.equal(gets(api), 3);
});

Deno.test("ObjectManager Cache: a new reference clears the cached answer; a re-register with the same names does not", async () => {
  const { api, manager } = setup("Cache");
  putConfigMap(api, "app", { k: "v1" });
  const p1 = podWith("p1", { configMaps: ["app"] });
  manager.registerPod(p1);
  await manager.resolve(p1);
  manager.registerPod(p1); // an update of p1 with the same references
  await manager.resolve(p1);
  assert.equal(gets(api), 1);
  putConfigMap(api, "app", { k: "v2" });
  const p2 = podWith("p2", { configMaps: ["app"] });
  manager.registerPod(p2); // AddReference: the next read fetches
  assert.equal((await manager.resolve(p1)).configMap("default", "app")?.data?.k, "v2");
  assert.equal(gets(api), 2);
});

Deno.test("ObjectManager Cache: NotFound is cached (served when the API fails) but read again, as the kubelet", async () => {
  const { api, manager } = setup("Cache");
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  assert.equal((await manager.resolve(pod)).configMap("default", "app"), undefined);
  api.intercept = () => ({ status: 503, body: statusBody(503, "ServiceUnavailable", "down") });
  assert.equal((await manager.resolve(pod)).configMap("default", "app"), undefined);
  assert.equal(gets(api), 2);
  api.intercept = undefined;
  putConfigMap(api, "app", { k: "now" });
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "now");
});

Deno.test("ObjectManager Cache: a failed refresh serves the stale object; with nothing cached it is unavailable", async () => {
  const { api, manager, clock } = setup("Cache");
  putConfigMap(api, "app", { k: "v1" });
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  api.intercept = () => ({ status: 500, body: statusBody(500, "InternalError", "boom") });
  await clock.advance(60_000);
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v1");
  const other = podWith("other", { configMaps: ["fresh"] });
  manager.registerPod(other);
  const lookup = await manager.resolve(other);
  assert.throws(() => lookup.configMap("default", "fresh"), /500 InternalError: boom/);
});

Deno.test("ObjectManager Cache: an answer older than the cached object is ignored", async () => {
  const { api, manager, clock } = setup("Cache");
  putConfigMap(api, "app", { k: "new" });
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  const stale = { ...api.get(APP)!, data: { k: "old" } };
  (stale.metadata as Record<string, unknown>).resourceVersion = "1";
  api.intercept = (req) => req.path === APP ? { status: 200, body: stale } : undefined;
  await clock.advance(60_000);
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "new");
});

Deno.test("ObjectManager Cache: the last unregister drops the entry", () => {
  const { manager } = setup("Cache");
  const p1 = podWith("p1", { configMaps: ["a", "b"] });
  const p2 = podWith("p2", { configMaps: ["a"] });
  manager.registerPod(p1);
  manager.registerPod(p2);
  assert.equal(manager.size, 2);
  manager.registerPod(podWith("p1", { configMaps: ["a"] })); // b dropped from p1
  assert.equal(manager.size, 1);
  manager.unregisterPod(p1);
  assert.equal(manager.size, 1);
  manager.unregisterPod(p2);
  assert.equal(manager.size, 0);
});

Deno.test("ObjectManager: an object over 1 MiB of data is refused as unavailable, one clear message", async (t) => {
  await t.step("ConfigMap data + binaryData", async () => {
    const { api, manager, logger } = setup("Get");
    putConfigMap(api, "big", { a: "x".repeat(1024 * 1024 - 2) }, { binaryData: { b: "AAAA" } });
    const pod = podWith("p", { configMaps: ["big"] });
    const lookup = await manager.resolve(pod);
    assert.throws(
      () => lookup.configMap("default", "big"),
      (e) =>
        e instanceof ObjectUnavailableError &&
        e.message.includes("1048577 bytes, more than the limit of 1048576 bytes (1 MiB)"),
    );
    assert.equal(logger.records.filter((r) => r.severity === "warn").length, 1);
  });
  await t.step(
    "Secret data counts decoded: exactly 1 MiB passes, one byte more is refused",
    async () => {
      const { api, manager, logger } = setup("Get", "Secret");
      const b64 = (n: number) => btoa("s".repeat(n));
      const at = b64(1024 * 1024);
      api.put(objectPath("Secret", "at"), {
        kind: "Secret",
        metadata: { name: "at" },
        data: { k: at },
      });
      api.put(objectPath("Secret", "over"), {
        kind: "Secret",
        metadata: { name: "over" },
        data: { k: b64(1024 * 1024 + 1) },
      });
      const lookup = await manager.resolve(podWith("p", { secrets: ["at", "over"] }));
      assert.equal(lookup.secret("default", "at")?.data?.k, at);
      assert.throws(() => lookup.secret("default", "over"), /1048577 bytes/);
      assert.ok(!JSON.stringify(logger.records).includes("c3Nz"), "no secret data in the log");
    },
  );
});

Deno.test("ObjectManager: a Secret answer that cannot be decoded is not quoted in the log or the error", async () => {
  const { api, manager, logger } = setup("Get", "Secret");
  api.intercept = () =>
    new Response('{"kind":"Secret","data":{"password":"aHVudGVyMg=="', { status: 200 });
  const lookup = await manager.resolve(podWith("p", { secrets: ["db"] }));
  let message = "";
  try {
    lookup.secret("default", "db");
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /Secret default\/db: the answer could not be decoded/);
  assert.ok(!message.includes("aHVudGVy"));
  assert.ok(!JSON.stringify(logger.records).includes("aHVudGVy"), "no secret data in the log");
});

Deno.test("ObjectManager: a lookup of an object the pod does not refer to throws unavailable", async () => {
  const { manager } = setup("Get");
  const lookup = await manager.resolve(podWith("p", {}));
  assert.throws(() => lookup.configMap("default", "x"), /not among the objects resolved/);
  assert.throws(() => lookup.secret("default", "x"), ObjectUnavailableError);
});

Deno.test("ObjectManager refuses an unknown strategy with one line naming it", () => {
  const { client, clock } = setup("Get");
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new ObjectManager({ kind: "ConfigMap", client, clock, strategy: "Poll" as any }),
    /configMapAndSecretChangeDetectionStrategy "Poll" is not one of Watch, Cache, Get/,
  );
});

Deno.test("nodeObjectTtlMs() reads node.alpha.kubernetes.io/ttl in seconds", () => {
  const node = (v?: string) => {
    const annotations: Record<string, string> = {};
    if (v !== undefined) annotations["node.alpha.kubernetes.io/ttl"] = v;
    return { metadata: { annotations } };
  };
  assert.equal(nodeObjectTtlMs(node("15")), 15_000);
  assert.equal(nodeObjectTtlMs(node("0")), 0);
  assert.equal(nodeObjectTtlMs(node()), undefined);
  assert.equal(nodeObjectTtlMs(node("-3")), undefined);
  assert.equal(nodeObjectTtlMs(node("1m")), undefined);
  assert.equal(nodeObjectTtlMs(undefined), undefined);
});
