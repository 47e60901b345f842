import assert from "node:assert/strict";
import type { ConfigMap } from "kubernetes-types/core/v1.d.ts";
import { LocalObjectStore } from "../../src/objects/local_objects.ts";
import { createPodObjectSource } from "../../src/objects/pod_object_source.ts";
import { type ObjectRef, ObjectUnavailableError } from "../../src/objects/types.ts";
import { collectionRequests, podWith, putConfigMap, setup, until } from "./_helpers.ts";

const STATIC = { annotations: { "kubernetes.io/config.source": "file" } };
const localCm = (name: string, k: string): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data: { k },
});

Deno.test("createPodObjectSource: a local name wins over the cluster's, with one warning per object", async () => {
  const { api, manager, logger } = setup("Watch");
  putConfigMap(api, "app", { k: "cluster" });
  const local = new LocalObjectStore();
  local.replace([localCm("app", "local")]);
  const source = createPodObjectSource({ local, configMaps: manager, logger });
  const pod = podWith("api-pod", { configMaps: ["app"] }); // a pod of the API server
  source.registerPod(pod);
  const warnings = () => logger.records.filter((r) => r.severity === "warn");
  for (let i = 0; i < 3; i++) {
    assert.equal((await source.resolve(pod)).configMap("default", "app")?.data?.k, "local");
    await until(() => warnings().length === 1, "the warning");
  }
  assert.deepEqual(warnings().map((r) => r.message), [
    "ConfigMap default/app from the static pod directory shadows the cluster's",
  ]);
  manager.close();
  source.close();
});

Deno.test("createPodObjectSource: no warning when the cluster has no object of the local name", async () => {
  const { api, manager, logger } = setup("Watch");
  const local = new LocalObjectStore();
  local.replace([localCm("app", "local")]);
  const source = createPodObjectSource({ local, configMaps: manager, logger });
  const pod = podWith("api-pod", { configMaps: ["app"] });
  source.registerPod(pod);
  assert.equal((await source.resolve(pod)).configMap("default", "app")?.data?.k, "local");
  await until(() => api.openWatches === 1, "the watch that answered NotFound");
  assert.deepEqual(logger.records.filter((r) => r.severity === "warn"), []);
  manager.close();
});

Deno.test("createPodObjectSource: a static pod is not registered for its local objects; the others go to the API", async () => {
  const { api, manager } = setup("Watch");
  putConfigMap(api, "remote", { k: "cluster" });
  const local = new LocalObjectStore();
  local.replace([localCm("app", "local")]);
  const source = createPodObjectSource({ local, configMaps: manager });
  const pod = podWith("static", { configMaps: ["app", "remote"] }, STATIC);
  source.registerPod(pod);
  const lookup = await source.resolve(pod);
  assert.equal(lookup.configMap("default", "app")?.data?.k, "local");
  assert.equal(lookup.configMap("default", "remote")?.data?.k, "cluster");
  await until(() => api.openWatches === 1);
  assert.equal(manager.size, 1);
  assert.ok(collectionRequests(api).every((r) => r.includes("metadata.name%3Dremote")));

  // The local file goes away: the pod is registered for the name, read from the cluster.
  local.replace([]);
  await until(() => api.openWatches === 2, "the watch of app");
  assert.equal((await source.resolve(pod)).configMap("default", "app"), undefined);
  // It comes back: the cluster's is released.
  local.replace([localCm("app", "again")]);
  await until(() => api.openWatches === 1, "app released");
  assert.equal((await source.resolve(pod)).configMap("default", "app")?.data?.k, "again");
  source.unregisterPod(pod);
  await until(() => api.openWatches === 0, "all released");
  assert.equal(manager.size, 0);
  source.close();
});

Deno.test("createPodObjectSource standalone: only local objects, an absent one is NotFound", async () => {
  const local = new LocalObjectStore();
  local.replace([localCm("app", "local")]);
  const source = createPodObjectSource({ local });
  const pod = podWith("static", { configMaps: ["app", "missing"], secrets: ["s"] }, STATIC);
  source.registerPod(pod);
  const lookup = await source.resolve(pod);
  assert.equal(lookup.configMap("default", "app")?.data?.k, "local");
  assert.equal(lookup.configMap("default", "missing"), undefined);
  assert.equal(lookup.secret("default", "s"), undefined);
  assert.throws(() => lookup.configMap("default", "unreferenced"), ObjectUnavailableError);
  const empty = await createPodObjectSource().resolve(pod);
  assert.equal(empty.configMap("default", "app"), undefined);
});

Deno.test("createPodObjectSource: an unavailable cluster object stays unavailable; onChange tells local changes", async () => {
  const { api, manager, clock } = setup("Get");
  api.intercept = () => ({ status: 500, body: { kind: "Status", code: 500, message: "down" } });
  const local = new LocalObjectStore();
  const source = createPodObjectSource({ local, configMaps: manager, clock });
  const seen: ObjectRef[] = [];
  const stop = source.onChange((ref) => seen.push(ref));
  const pod = podWith("p", { configMaps: ["app"] });
  source.registerPod(pod);
  const lookup = await source.resolve(pod);
  assert.throws(() => lookup.configMap("default", "app"), ObjectUnavailableError);
  local.replace([localCm("app", "local")]);
  assert.deepEqual(seen.map((r) => r.name), ["app"]);
  stop();
  local.replace([]);
  assert.equal(seen.length, 1);
});
