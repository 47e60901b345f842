import assert from "node:assert/strict";
import type { Pod } from "../../src/api/types.ts";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
} from "../../src/api/pod_helpers.ts";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { RefusalLog } from "../../src/client/refusal_log.ts";
import { isMirrorPod, mirrorRefusalReason } from "../../src/mirror/mirror_pod.ts";
import {
  MIRROR_REFUSED_RETRY_MS,
  MIRROR_RESYNC_MS,
  MirrorPodManager,
} from "../../src/mirror/mirror_pod_manager.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { FakeApi, type FakeRequest, statusBody } from "../_fixtures/fake_api.ts";

const PODS = "/api/v1/namespaces/default/pods";
const MIRROR = `${PODS}/web-n1`;

function staticPod(hash = "h1"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-n1",
      namespace: "default",
      uid: "static-uid",
      labels: { app: "web" },
      annotations: {
        [CONFIG_SOURCE_ANNOTATION]: "file",
        [CONFIG_SEEN_ANNOTATION]: "2026-12-01T00:00:00.000000000Z",
        [CONFIG_HASH_ANNOTATION]: hash,
      },
    },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Running" },
  };
}

function setup(options: { registered?: boolean } = {}) {
  const clock = new FakeClock();
  const api = new FakeApi();
  const logger = createMemoryLogger();
  // As the agent wires it: the client logs every 401/403 itself (src/agent/cluster.ts).
  const { onRefused } = new RefusalLog({ clock, logger, identity: 'user "n1" (bearer token)' });
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED, onRefused });
  const node = { uid: options.registered === false ? undefined as string | undefined : "node-uid" };
  const mirrors = new MirrorPodManager({
    client,
    nodeName: "n1",
    nodeUid: () => node.uid,
    clock,
    logger,
  });
  /** Gives the manager what the API pod source would see now. */
  const feed = () =>
    mirrors.setMirrorPods(api.paths(PODS).map((p) => api.get(p) as Pod).filter(isMirrorPod));
  const writes = () => api.requests.filter((r) => r.method !== "GET");
  const logs = (severity: string) => logger.records.filter((r) => r.severity === severity);
  return { clock, api, mirrors, node, feed, writes, logs };
}

function summary(reqs: FakeRequest[]): string[] {
  return reqs.map((r) => `${r.method} ${r.path}`);
}

function refuse(api: FakeApi, method: string, code: number, reason: string, message: string) {
  api.intercept = (req) =>
    req.method === method ? { status: code, body: statusBody(code, reason, message) } : undefined;
}

Deno.test("reconcile() sends nothing while the Node has no UID", async () => {
  const { api, mirrors, node, writes } = setup({ registered: false });
  mirrors.setStaticPods([staticPod()]);
  mirrors.setMirrorPods([{
    metadata: {
      name: "old",
      namespace: "default",
      annotations: { [CONFIG_MIRROR_ANNOTATION]: "x" },
    },
  }]);
  await mirrors.reconcile();
  assert.deepEqual(api.requests, []);
  node.uid = "node-uid";
  await mirrors.reconcile();
  assert.deepEqual(summary(writes()), [`POST ${PODS}`, `DELETE ${PODS}/old`]);
});

Deno.test("reconcile() creates one mirror pod with config.mirror, spec.nodeName and the Node as controller", async () => {
  const { api, mirrors, feed, writes } = setup();
  const pod = staticPod();
  mirrors.setStaticPods([pod]);
  await mirrors.reconcile();
  assert.deepEqual(summary(writes()), [`POST ${PODS}`]);
  const body = writes()[0].body as Pod;
  assert.equal(body.metadata!.annotations![CONFIG_MIRROR_ANNOTATION], "h1");
  assert.equal(body.metadata!.annotations![CONFIG_SOURCE_ANNOTATION], "file");
  assert.equal(body.metadata!.annotations![CONFIG_HASH_ANNOTATION], "h1");
  assert.equal(body.metadata!.uid, undefined);
  assert.equal(body.metadata!.resourceVersion, undefined);
  assert.equal(body.status, undefined);
  assert.equal(body.spec!.nodeName, "n1");
  assert.deepEqual(body.metadata!.ownerReferences, [
    { apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid", controller: true },
  ]);
  // Before and after the API pod source shows it: no second create.
  await mirrors.reconcile();
  feed();
  await mirrors.reconcile();
  assert.equal(writes().length, 1);
  assert.deepEqual(mirrors.mirrorFor(pod)?.uid, api.get(MIRROR)!.metadata!.uid);
});

Deno.test("reconcile() recreates a deleted mirror pod and touches nothing else", async (t) => {
  const { api, mirrors, feed, writes } = setup();
  const pod = staticPod();
  const before = structuredClone(pod);
  mirrors.setStaticPods([pod]);
  await mirrors.reconcile();
  feed();

  await t.step("deleted from the API: it is created again", async () => {
    api.remove(MIRROR);
    feed();
    await mirrors.reconcile();
    assert.deepEqual(summary(writes()), [`POST ${PODS}`, `POST ${PODS}`]);
    feed();
  });

  await t.step(
    "being deleted (deletionTimestamp): deleted for good with its uid, then created",
    async () => {
      const current = api.get(MIRROR)!;
      const uid = current.metadata!.uid;
      api.put(MIRROR, {
        ...current,
        metadata: { ...current.metadata, deletionTimestamp: "2026-12-01T00:01:00Z" },
      });
      feed();
      assert.equal(mirrors.mirrorFor(pod), undefined, "a mirror being deleted is not current");
      await mirrors.reconcile();
      const [del, post] = writes().slice(2);
      assert.deepEqual(summary([del, post]), [`DELETE ${MIRROR}`, `POST ${PODS}`]);
      assert.deepEqual(del.body, {
        apiVersion: "v1",
        kind: "DeleteOptions",
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
      assert.notEqual(api.get(MIRROR)!.metadata!.uid, uid);
    },
  );

  // Only mirror pods were written, and the static pod is as it was given.
  assert.ok(writes().every((r) => r.path.startsWith(MIRROR) || r.path === PODS));
  assert.deepEqual(pod, before);
});

Deno.test("reconcile() replaces the mirror pod of an edited static pod (new hash)", async () => {
  const { api, mirrors, feed, writes } = setup();
  mirrors.setStaticPods([staticPod("h1")]);
  await mirrors.reconcile();
  feed();
  const oldUid = api.get(MIRROR)!.metadata!.uid;
  const edited = staticPod("h2");
  mirrors.setStaticPods([edited]);
  assert.equal(mirrors.mirrorFor(edited), undefined, "the old mirror is not the edited pod's");
  await mirrors.reconcile();
  const [del, post] = writes().slice(1);
  assert.deepEqual(summary([del, post]), [`DELETE ${MIRROR}`, `POST ${PODS}`]);
  assert.deepEqual((del.body as { preconditions: unknown }).preconditions, { uid: oldUid });
  const fresh = api.get(MIRROR)!;
  assert.equal((fresh as Pod).metadata!.annotations![CONFIG_MIRROR_ANNOTATION], "h2");
  assert.deepEqual(mirrors.mirrorFor(edited)?.uid, fresh.metadata!.uid);
  assert.equal(mirrors.mirrorFor(staticPod("h1")), undefined);
  // A view that still shows the old mirror makes no second delete or create.
  await mirrors.reconcile();
  feed();
  await mirrors.reconcile();
  assert.equal(writes().length, 3);
});

Deno.test("reconcile() deletes a mirror pod whose static pod is gone (orphan)", async () => {
  const { api, mirrors, feed, writes } = setup();
  mirrors.setStaticPods([staticPod()]);
  await mirrors.reconcile();
  feed();
  const uid = api.get(MIRROR)!.metadata!.uid;
  mirrors.setStaticPods([]);
  await mirrors.reconcile();
  const del = writes()[1];
  assert.deepEqual(summary([del]), [`DELETE ${MIRROR}`]);
  assert.deepEqual((del.body as { preconditions: unknown }).preconditions, { uid });
  assert.equal(api.get(MIRROR), undefined);
  await mirrors.reconcile();
  assert.equal(writes().length, 2, "deleted once, though the view has not caught up");
});

Deno.test("reconcile() on 403: one line (the client's, quoting the API), not retried every step, retried when the pod changes", async () => {
  const { api, clock, mirrors, writes, logs } = setup();
  const message = 'pods "web-n1" is forbidden: a mirror pod may not reference secrets';
  refuse(api, "POST", 403, "Forbidden", message);
  mirrors.setStaticPods([staticPod("h1")]);
  for (let i = 0; i < 5; i++) {
    await mirrors.reconcile();
    await clock.advance(MIRROR_RESYNC_MS);
  }
  assert.equal(writes().length, 1, "not retried every step");
  assert.deepEqual(logs("warn"), [], "the manager logs no warning of its own");
  assert.deepEqual(logs("error").map((r) => r.message), ["The API server refused a request"]);
  assert.equal(logs("error")[0].fields.request, `POST ${PODS}`);
  assert.equal(logs("error")[0].fields.message, message);
  const own = logs("debug").filter((r) => r.message.includes("refused to create it (403)"));
  assert.equal(own.length, 1, "the manager's line is at --v=4");
  assert.equal(own[0].verbosity, 4);
  assert.equal(own[0].fields.pod, "default/web-n1");
  assert.equal(own[0].fields.apiMessage, message);
  // At most every few minutes.
  await clock.advance(MIRROR_REFUSED_RETRY_MS);
  await mirrors.reconcile();
  assert.equal(writes().length, 2);
  // A new version of the pod is tried at once (the client's line: at most once a minute).
  mirrors.setStaticPods([staticPod("h2")]);
  await mirrors.reconcile();
  assert.equal(writes().length, 3);
  assert.equal(logs("error").length, 2);
  assert.deepEqual(logs("warn"), []);
  // Only creates were sent: the static pod has no mirror and nothing else happened to it.
  assert.ok(writes().every((r) => r.method === "POST"));
  assert.equal(mirrors.mirrorFor(staticPod("h2")), undefined);
});

Deno.test("reconcile() on a refused delete (403): the client's line only, the manager's at --v=4", async () => {
  const { api, clock, mirrors, feed, logs } = setup();
  mirrors.setStaticPods([staticPod()]);
  await mirrors.reconcile();
  feed();
  refuse(api, "DELETE", 403, "Forbidden", "no");
  mirrors.setStaticPods([]);
  await mirrors.reconcile();
  await clock.advance(MIRROR_RESYNC_MS);
  await mirrors.reconcile();
  assert.deepEqual(logs("error").map((r) => r.message), ["The API server refused a request"]);
  assert.deepEqual(logs("warn"), []);
  const own = logs("debug").filter((r) => r.message === "Failed deleting mirror pod");
  assert.equal(own.length, 2);
  assert.match(String(own[0].fields.err), /DELETE .*403 Forbidden/);
});

Deno.test("reconcile() on 500: retried at the next step, the same error logged once a minute", async () => {
  const { api, clock, mirrors, writes, logs } = setup();
  refuse(api, "POST", 500, "InternalError", "etcdserver: request timed out");
  mirrors.setStaticPods([staticPod()]);
  await mirrors.reconcile();
  await clock.advance(MIRROR_RESYNC_MS);
  await mirrors.reconcile();
  assert.equal(writes().length, 2);
  assert.equal(logs("error").length, 1);
  await clock.advance(60_000);
  await mirrors.reconcile();
  assert.equal(logs("error").length, 2);
  assert.equal(logs("error")[1].fields.heldBack, 1);
  api.intercept = undefined;
  await mirrors.reconcile();
  assert.equal(writes().length, 4);
  assert.ok(api.get(MIRROR));
});

Deno.test("reconcile() on 409 AlreadyExists (another pod has the name): logged once, held until the name changes hands", async () => {
  const { api, mirrors, feed, writes, logs } = setup();
  api.put(MIRROR, { metadata: { name: "web-n1", namespace: "default" }, spec: {} });
  mirrors.setStaticPods([staticPod()]);
  await mirrors.reconcile();
  await mirrors.reconcile();
  assert.equal(writes().length, 1);
  assert.equal(logs("warn").length, 1);
  // The other pod goes away and a (stale) mirror of that name shows: tried again.
  api.remove(MIRROR);
  mirrors.setMirrorPods([{
    metadata: {
      name: "web-n1",
      namespace: "default",
      uid: "stale",
      annotations: { [CONFIG_MIRROR_ANNOTATION]: "h0" },
    },
    spec: { nodeName: "n1", containers: [] },
  }]);
  await mirrors.reconcile();
  assert.deepEqual(summary(writes().slice(1)), [`DELETE ${MIRROR}`, `POST ${PODS}`]);
  feed();
  assert.ok(mirrors.mirrorFor(staticPod()));
});

Deno.test("mirrorFor() answers only the current mirror pod of the static pod's hash", async () => {
  const { api, mirrors, feed } = setup();
  const pod = staticPod();
  assert.equal(mirrors.mirrorFor(pod), undefined);
  mirrors.setStaticPods([pod]);
  await mirrors.reconcile();
  const made = api.get(MIRROR)!;
  const want = { namespace: "default", name: "web-n1", uid: made.metadata!.uid };
  assert.deepEqual(
    mirrors.mirrorFor(pod),
    want,
    "known from the create, before the watch shows it",
  );
  feed();
  assert.deepEqual(mirrors.mirrorFor(pod), want);
  assert.equal(mirrors.mirrorFor(staticPod("h2")), undefined);
  api.remove(MIRROR);
  feed();
  assert.equal(mirrors.mirrorFor(pod), undefined);
});

Deno.test("setStaticPods() rejects a pod without a name with one line and keeps the others", async () => {
  const { mirrors, writes, logs } = setup();
  const nameless = staticPod();
  delete nameless.metadata!.name;
  mirrors.setStaticPods([nameless, staticPod()]);
  await mirrors.reconcile();
  assert.equal(writes().length, 1);
  assert.equal(logs("warn").length, 1);
  assert.match(logs("warn")[0].message, /no name/);
});

Deno.test("run() reconciles when the pods change and every 10 s, and ends on abort", async () => {
  const { api, clock, mirrors, node, feed, writes } = setup({ registered: false });
  const ac = new AbortController();
  const done = mirrors.run(ac.signal);
  mirrors.setStaticPods([staticPod()]);
  await clock.advance(0);
  assert.equal(writes().length, 0, "no Node yet");
  node.uid = "node-uid";
  await clock.advance(MIRROR_RESYNC_MS - 1);
  assert.equal(writes().length, 0);
  await clock.advance(1);
  assert.equal(writes().length, 1, "the periodic step created it");
  feed();
  api.remove(MIRROR);
  feed(); // a change: the loop wakes without waiting for the period
  await flush();
  await flush();
  assert.equal(writes().length, 2);
  ac.abort();
  await done;
});

Deno.test("a static pod that references a ConfigMap gets no mirror pod, is told once, and an old mirror goes", async () => {
  const { api, mirrors, feed, writes, logs } = setup();
  mirrors.setStaticPods([staticPod("h1")]);
  await mirrors.reconcile();
  feed();
  assert.deepEqual(summary(writes()), [`POST ${PODS}`]);
  const withConfig = staticPod("h2");
  withConfig.spec!.containers[0].env = [{
    name: "A",
    valueFrom: { configMapKeyRef: { name: "app-config", key: "a" } },
  }];
  mirrors.setStaticPods([withConfig]);
  for (let i = 0; i < 3; i++) {
    await mirrors.reconcile();
    feed();
  }
  assert.deepEqual(summary(writes()), [`POST ${PODS}`, `DELETE ${MIRROR}`], "never tried");
  assert.equal(api.get(MIRROR), undefined, "the outdated mirror is deleted");
  const told = logs("info").filter((r) => /has no mirror pod/.test(r.message));
  assert.equal(told.length, 1, "told once");
  assert.equal(told[0].fields.why, "it references ConfigMap default/app-config");
});

Deno.test("mirrorRefusalReason() names Secrets, service accounts, PVCs and token projections", () => {
  const pod = (spec: Partial<Pod["spec"]>) =>
    ({ ...staticPod(), spec: { ...staticPod().spec!, ...spec } }) as Pod;
  assert.equal(mirrorRefusalReason(staticPod()), undefined);
  assert.equal(
    mirrorRefusalReason(pod({ volumes: [{ name: "s", secret: { secretName: "db" } }] })),
    "it references Secret default/db",
  );
  assert.equal(
    mirrorRefusalReason(pod({ serviceAccountName: "app" })),
    "it references service account app",
  );
  assert.equal(
    mirrorRefusalReason(
      pod({ volumes: [{ name: "d", persistentVolumeClaim: { claimName: "c" } }] }),
    ),
    "its volume d is a PersistentVolumeClaim",
  );
  assert.equal(
    mirrorRefusalReason(pod({
      volumes: [{ name: "t", projected: { sources: [{ serviceAccountToken: { path: "t" } }] } }],
    })),
    "its volume t projects a service account token",
  );
});
