import assert from "node:assert/strict";
import { ObjectUnavailableError } from "../../src/objects/types.ts";
import type { ObjectRef } from "../../src/objects/types.ts";
import { statusBody } from "../_fixtures/fake_api.ts";
import { collectionRequests, objectPath, podWith, putConfigMap, setup, until } from "./_helpers.ts";

const COLLECTION = "/api/v1/namespaces/default/configmaps";

Deno.test("ObjectManager Watch: one list+watch of the object by metadata.name only, from the list's resourceVersion", async () => {
  const { api, manager } = setup("Watch");
  putConfigMap(api, "app", { k: "v1" });
  putConfigMap(api, "unrelated", { k: "x" });
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  const lookup = await manager.resolve(pod);
  assert.equal(lookup.configMap("default", "app")?.data?.k, "v1");
  await until(() => api.openWatches === 1, "the watch");
  const rv = api.resourceVersion;
  assert.deepEqual(collectionRequests(api), [
    "GET fieldSelector=metadata.name%3Dapp",
    `GET watch=true&fieldSelector=metadata.name%3Dapp&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=300`,
  ]);
  assert.deepEqual(api.requests.filter((r) => r.path !== COLLECTION), [], "no GET of the object");
  manager.close();
});

Deno.test("ObjectManager Watch: updates and deletes arrive by the watch, without a GET, and are told to onChange", async () => {
  const { api, manager } = setup("Watch");
  putConfigMap(api, "app", { k: "v1" });
  const changes: ObjectRef[] = [];
  manager.onChange((ref) => changes.push(ref));
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  await until(() => api.openWatches === 1, "the watch");
  assert.deepEqual(changes, [], "the first list is no change");
  putConfigMap(api, "app", { k: "v2" });
  await until(() => changes.length === 1, "the change");
  assert.deepEqual(changes, [{ kind: "ConfigMap", namespace: "default", name: "app" }]);
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v2");
  api.remove(objectPath("ConfigMap", "app"));
  await until(() => changes.length === 2, "the delete");
  assert.equal((await manager.resolve(pod)).configMap("default", "app"), undefined);
  assert.equal(collectionRequests(api).length, 2, "still one list and one watch");
  assert.equal(api.requests.filter((r) => r.path !== COLLECTION).length, 0);
  manager.close();
});

Deno.test("ObjectManager Watch: an object created later is seen by the watch (NotFound before)", async () => {
  const { api, manager } = setup("Watch");
  const changes: ObjectRef[] = [];
  manager.onChange((ref) => changes.push(ref));
  const pod = podWith("p", { configMaps: ["later"] });
  manager.registerPod(pod);
  assert.equal((await manager.resolve(pod)).configMap("default", "later"), undefined);
  await until(() => api.openWatches === 1, "the watch");
  putConfigMap(api, "later", { k: "here" });
  await until(() => changes.length === 1, "the ADDED event");
  assert.equal((await manager.resolve(pod)).configMap("default", "later")?.data?.k, "here");
  manager.close();
});

Deno.test("ObjectManager Watch: a 410 Expired relists at once and watches from the new resourceVersion", async () => {
  const { api, manager } = setup("Watch");
  putConfigMap(api, "app", { k: "v1" });
  const changes: ObjectRef[] = [];
  manager.onChange((ref) => changes.push(ref));
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  await until(() => api.openWatches === 1, "the watch");
  putConfigMap(api, "app", { k: "v2" }); // an event first: the resourceVersion is no longer the list's
  await until(() => changes.length === 1, "the event");
  api.pushToWatches(COLLECTION, "ERROR", statusBody(410, "Expired", "too old resource version"));
  await until(() => collectionRequests(api).length === 4 && api.openWatches === 1, "the relist");
  const reqs = collectionRequests(api);
  assert.equal(reqs[2], "GET fieldSelector=metadata.name%3Dapp");
  assert.match(reqs[3], new RegExp(`resourceVersion=${api.resourceVersion}&`));
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v2");
  manager.close();
});

Deno.test("ObjectManager Watch: a failing list backs off and retries; the object is unavailable, not NotFound, until it answers", async () => {
  const { api, manager, clock, logger } = setup("Watch");
  putConfigMap(api, "app", { k: "v1" });
  let refuse = true;
  api.intercept = () =>
    refuse
      ? { status: 403, body: statusBody(403, "Forbidden", "no relationship found") }
      : undefined;
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  const pending = manager.resolve(pod);
  await clock.advance(1_000); // the 1 s wait for the first list; one retry at 800 ms
  const lookup = await pending;
  assert.throws(
    () => lookup.configMap("default", "app"),
    (e) => e instanceof ObjectUnavailableError && /not synced yet: .*403 Forbidden/.test(e.message),
  );
  assert.equal(collectionRequests(api).length, 2, "the first list and one retry");
  assert.deepEqual(logger.records.filter((r) => r.severity !== "debug"), [], "403 at --v=4 only");
  refuse = false;
  await clock.advance(1_600); // the next back-off
  await until(() => api.openWatches === 1, "the watch after the retry");
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v1");
  manager.close();
});

Deno.test("ObjectManager Watch: an immutable object's watch stops; it is served from memory", async (t) => {
  await t.step("immutable at the list", async () => {
    const { api, manager } = setup("Watch");
    putConfigMap(api, "app", { k: "v1" }, { immutable: true });
    const pod = podWith("p", { configMaps: ["app"] });
    manager.registerPod(pod);
    assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v1");
    await until(() => manager.runningWatches === 0 && api.openWatches === 0, "the stop");
    assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v1");
    assert.equal(collectionRequests(api).length, 1, "no relist: the list only");
    manager.close();
  });
  await t.step("made immutable by an update", async () => {
    const { api, manager } = setup("Watch");
    putConfigMap(api, "app", { k: "v1" });
    const pod = podWith("p", { configMaps: ["app"] });
    manager.registerPod(pod);
    await manager.resolve(pod);
    await until(() => api.openWatches === 1, "the watch");
    putConfigMap(api, "app", { k: "v2" }, { immutable: true });
    await until(() => manager.runningWatches === 0 && api.openWatches === 0, "the stop");
    assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v2");
    assert.equal(collectionRequests(api).length, 2);
    manager.close();
  });
});

Deno.test("ObjectManager Watch: a watch not read for the idle time is stopped, and restarted by the next resolve", async () => {
  const { api, manager, clock } = setup("Watch", "ConfigMap", { resyncMs: 60_000 });
  putConfigMap(api, "app", { k: "v1" });
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  await until(() => api.openWatches === 1, "the watch");
  await clock.advance(300_000);
  manager.recycle(clock.now()); // exactly the idle time: kept
  assert.equal(manager.runningWatches, 1);
  await clock.advance(1);
  manager.recycle(clock.now());
  await until(() => manager.runningWatches === 0 && api.openWatches === 0, "the idle stop");
  putConfigMap(api, "app", { k: "v2" }); // missed while stopped
  assert.equal((await manager.resolve(pod)).configMap("default", "app")?.data?.k, "v2");
  await until(() => api.openWatches === 1, "the restarted watch");
  assert.equal(collectionRequests(api).filter((r) => !r.includes("watch=true")).length, 2);
  manager.close();
});

Deno.test("ObjectManager Watch: run() recycles every minute and stops every watch when aborted", async () => {
  const { api, manager, clock } = setup("Watch", "ConfigMap", { resyncMs: 1_000 }); // idle: 1 min
  putConfigMap(api, "app", { k: "v1" });
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  const stop = new AbortController();
  const running = manager.run(stop.signal);
  await until(() => api.openWatches === 1, "the watch");
  await clock.advance(120_000); // recycles at 60 s (not yet idle) and 120 s (idle)
  await until(() => api.openWatches === 0, "the idle stop");
  await manager.resolve(pod);
  await until(() => api.openWatches === 1, "the restart");
  stop.abort();
  await running;
  await until(() => api.openWatches === 0, "the stop at abort");
  assert.equal(manager.size, 0);
});

Deno.test("ObjectManager Watch: reference counts by pod; the watch stops when the last pod is gone", async () => {
  const { api, manager } = setup("Watch");
  putConfigMap(api, "app", { k: "v1" });
  putConfigMap(api, "extra", { k: "x" });
  const p1 = podWith("p1", { configMaps: ["app", "extra"] });
  const p2 = podWith("p2", { configMaps: ["app"] });
  manager.registerPod(p1);
  manager.registerPod(p2);
  manager.registerPod(p2); // again, same names: nothing new
  await until(() => api.openWatches === 2, "two watches");
  assert.equal(manager.size, 2);
  // p1 updated: drops extra.
  manager.registerPod(podWith("p1", { configMaps: ["app"] }));
  await until(() => api.openWatches === 1, "extra released");
  manager.unregisterPod(p1);
  assert.equal(manager.runningWatches, 1, "p2 still refers to app");
  assert.equal((await manager.resolve(p2)).configMap("default", "app")?.data?.k, "v1");
  // A pod of the same name but another uid is another pod.
  manager.unregisterPod(podWith("p2", {}, { uid: "other" }));
  assert.equal(manager.runningWatches, 1);
  manager.unregisterPod(p2);
  await until(() => api.openWatches === 0, "the stop");
  assert.equal(manager.size, 0);
  const lookup = await manager.resolve(p2);
  assert.throws(() => lookup.configMap("default", "app"), /not registered/);
  assert.equal(collectionRequests(api).filter((r) => !r.includes("watch=true")).length, 2);
});

Deno.test("ObjectManager Watch: a listener that throws is logged and the others still run", async () => {
  const { api, manager, logger } = setup("Watch");
  putConfigMap(api, "app", { k: "v1" });
  const seen: string[] = [];
  manager.onChange(() => {
    throw new Error("listener bug");
  });
  const remove = manager.onChange((ref) => seen.push(ref.name));
  const pod = podWith("p", { configMaps: ["app"] });
  manager.registerPod(pod);
  await manager.resolve(pod);
  await until(() => api.openWatches === 1);
  putConfigMap(api, "app", { k: "v2" });
  await until(() => seen.length === 1);
  assert.ok(logger.records.some((r) => r.severity === "error" && r.fields.err === "listener bug"));
  remove();
  putConfigMap(api, "app", { k: "v3" });
  await until(() => logger.records.filter((r) => r.severity === "error").length === 2);
  assert.deepEqual(seen, ["app"]);
  manager.close();
});
