import assert from "node:assert/strict";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";
import type { PodSyncResult } from "../../src/container/sync_result.ts";
import type { ContainerConfig } from "../../src/cri/types.ts";
import type { ObjectLookup } from "../../src/objects/types.ts";
import { generateApiPodStatus } from "../../src/status/generate.ts";
import { ReasonCache } from "../../src/status/reason_cache.ts";
import { createLogger } from "../../src/util/logger.ts";
import { type FakeEnv, fakeEnv } from "./_fake_env.ts";
import { configMap, MapLookup, secret } from "./_objects.ts";

const SECRET_VALUE = "s3cr3t-VALUE-42";

function pod(containers: Container[]): Pod {
  return setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: { containers },
  });
}

const app: Container = {
  name: "app",
  image: "busybox:1.36",
  command: ["sleep", "1000"],
  envFrom: [{ configMapRef: { name: "app" } }],
  env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "PASSWORD" } } }],
};

async function sync(env: FakeEnv, p: Pod, objects: ObjectLookup): Promise<PodSyncResult> {
  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  return await env.manager.syncPod(p, status, { backOff: env.backOff, objects });
}

/** The v1 status the agent would publish after `result`. */
async function v1Status(env: FakeEnv, p: Pod, reasons: ReasonCache, result: PodSyncResult) {
  reasons.update("uid-1", result);
  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  return generateApiPodStatus(p, status, {
    now: env.clock.now(),
    standalone: true,
    reasons: reasons.forPod("uid-1"),
  });
}

Deno.test("startContainer() holds a container in CreateContainerConfigError until its Secret appears", async () => {
  await using env = await fakeEnv();
  const p = pod([app]);
  const objects = new MapLookup([configMap("app", { LOG: "debug", "bad=key": "x" })]);
  const reasons = new ReasonCache();

  const first = await sync(env, p, objects);
  const [failure] = first.failures();
  assert.equal(failure.action, "StartContainer");
  assert.equal(failure.error, "CreateContainerConfigError");
  assert.equal(failure.message, 'secret "db" not found');
  assert.equal(env.fake.recorder.requestsOf("CreateContainer").length, 0);
  const failed = env.events.find((e) => e.reason === "Failed");
  assert.deepEqual(failed, {
    type: "Warning",
    reason: "Failed",
    message: 'Error: secret "db" not found',
    pod: "web_default",
    uid: "uid-1",
    fieldPath: "spec.containers{app}",
  });
  const waiting = (await v1Status(env, p, reasons, first)).containerStatuses?.[0].state;
  assert.deepEqual(waiting, {
    waiting: { reason: "CreateContainerConfigError", message: 'secret "db" not found' },
  });

  // The Secret is created; the next sync of the same, untouched pod starts the container.
  objects.put(secret("db", { PASSWORD: SECRET_VALUE }));
  const second = await sync(env, p, objects);
  assert.equal(second.errorText(), undefined);
  const [created] = env.fake.recorder.requestsOf("CreateContainer") as {
    config: ContainerConfig;
  }[];
  assert.deepEqual(created.config.envs, [
    { key: "LOG", value: "debug" },
    { key: "DB_PASSWORD", value: SECRET_VALUE },
  ]);
  const state = (await v1Status(env, p, reasons, second)).containerStatuses?.[0].state;
  assert.ok(state?.running, JSON.stringify(state));

  // The skipped envFrom key was reported on each attempt, about the container.
  const invalid = env.events.filter((e) => e.reason === "InvalidEnvironmentVariableNames");
  assert.equal(invalid.length, 2);
  assert.deepEqual(invalid[0], {
    type: "Warning",
    reason: "InvalidEnvironmentVariableNames",
    message:
      "Keys [bad=key] from the EnvFrom configMap default/app were skipped since they are considered invalid environment variable names.",
    pod: "web_default",
    uid: "uid-1",
    fieldPath: "spec.containers{app}",
  });
});

Deno.test("startContainer() names an unreadable object in the waiting message", async () => {
  await using env = await fakeEnv();
  const objects = new MapLookup([configMap("app", {})]);
  objects.unavailable.add("db");
  const [failure] = (await sync(env, pod([app]), objects)).failures();
  assert.equal(failure.error, "CreateContainerConfigError");
  assert.equal(failure.message, "Cannot read Secret default/db: the API server is unreachable");
});

Deno.test("startContainer() never puts a resolved Secret value into events, logs, results or the status", async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ verbosity: 10, sink: (line) => lines.push(line) });
  await using env = await fakeEnv({ logger });
  const reasons = new ReasonCache();
  const messages: string[] = [];
  const check = async (p: Pod, result: PodSyncResult) => {
    const status = await v1Status(env, p, reasons, result);
    messages.push(...result.results.map((r) => r.message ?? ""));
    const shown = [
      ...env.events.map((e) => e.message),
      ...lines,
      ...messages,
      result.errorText() ?? "",
      JSON.stringify(status),
    ];
    assert.ok(lines.length > 0, "the agent logged at --v=10");
    for (const text of shown) assert.ok(!text.includes(SECRET_VALUE), text);
    assert.ok(!JSON.stringify(env.events).includes(SECRET_VALUE));
  };

  await t.step("the runtime refuses CreateContainer", async () => {
    env.fake.injectError("CreateContainer", 2, "failed to create containerd container: boom", {
      times: 1,
    });
    const c: Container = {
      ...app,
      command: ["sh", "-c", "echo $(DB_PASSWORD)"],
    };
    const p = pod([c]);
    const spec = structuredClone(p);
    const objects = new MapLookup([
      configMap("app", {}),
      secret("db", { PASSWORD: SECRET_VALUE }),
    ]);
    const result = await sync(env, p, objects);
    assert.equal(result.failures()[0].error, "CreateContainerError");
    // The value did reach the runtime (so the check below means something) ...
    const [req] = env.fake.recorder.requestsOf("CreateContainer") as { config: ContainerConfig }[];
    assert.ok(JSON.stringify(req.config).includes(SECRET_VALUE));
    // ... and nowhere else; the pod (what /pods shows) still holds the reference only.
    await check(p, result);
    assert.deepEqual(p, spec);
  });

  await t.step("a missing key or undecodable value of a Secret that has the value", async () => {
    for (const key of ["OTHER", "BROKEN"]) {
      const c: Container = {
        ...app,
        name: `c-${key.toLowerCase()}`,
        env: [
          { name: "P", valueFrom: { secretKeyRef: { name: "db", key: "PASSWORD" } } },
          { name: "X", valueFrom: { secretKeyRef: { name: "db", key } } },
        ],
      };
      const p = pod([c]);
      const db = secret("db", { PASSWORD: SECRET_VALUE });
      db.data!.BROKEN = SECRET_VALUE; // not base64
      const result = await sync(env, p, new MapLookup([configMap("app", {}), db]));
      assert.equal(result.failures()[0].error, "CreateContainerConfigError");
      assert.match(result.failures()[0].message!, new RegExp(`key ${key} in Secret default/db`));
      await check(p, result);
    }
  });
});

Deno.test("syncPod() rewrites a ConfigMap volume on a sync where nothing starts, so edits reach a running container", async () => {
  await using env = await fakeEnv();
  const c: Container = {
    name: "app",
    image: "busybox:1.36",
    command: ["sleep", "1000"],
    volumeMounts: [{ name: "config", mountPath: "/config" }],
  };
  const p = setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: { containers: [c], volumes: [{ name: "config", configMap: { name: "app" } }] },
  });
  const objects = new MapLookup([configMap("app", { GREETING: "hello" })]);
  assert.equal((await sync(env, p, objects)).errorText(), undefined);
  const file = `${env.rootDir}/pods/uid-1/volumes/kubernetes.io~configmap/config/GREETING`;
  assert.equal(await Deno.readTextFile(file), "hello");
  objects.put(configMap("app", { GREETING: "bonjour" }));
  const again = await sync(env, p, objects);
  assert.equal(again.errorText(), undefined);
  assert.equal(env.fake.recorder.requestsOf("CreateContainer").length, 1, "nothing started");
  assert.equal(await Deno.readTextFile(file), "bonjour");
});
