import assert from "node:assert/strict";
import type { Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { RefusalLog } from "../../src/client/refusal_log.ts";
import { ApiStatusSync, type StatusTarget } from "../../src/status/api_status_sync.ts";
import { StatusManager } from "../../src/status/status_manager.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { type FakeAnswer, FakeApi, type FakeRequest, statusBody } from "../_fixtures/fake_api.ts";

const PATH = "/api/v1/namespaces/ns/pods/p";

function apiPod(extra: { deleting?: boolean; uid?: string } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      namespace: "ns",
      uid: extra.uid ?? "u1",
      annotations: { "kubernetes.io/config.source": "api" },
      ...(extra.deleting ? { deletionTimestamp: "2026-12-01T00:01:00Z" } : {}),
    },
    spec: { nodeName: "n1", restartPolicy: "Always", containers: [{ name: "app", image: "b" }] },
    status: {
      phase: "Pending",
      conditions: [{
        type: "PodScheduled",
        status: "True",
        lastTransitionTime: "2026-12-01T00:00:00Z",
      }],
    },
  };
}

function st(phase: string, extra: Partial<PodStatus> = {}): PodStatus {
  return {
    phase,
    conditions: [
      { type: "Ready", status: phase === "Running" ? "True" : "False" },
      { type: "PodScheduled", status: "True" },
      { type: "example.com/gate", status: "True" },
    ],
    ...extra,
  };
}

function exited(exitCode: number): PodStatus {
  return st("Running", {
    containerStatuses: [{
      name: "app",
      image: "b",
      imageID: "",
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode, reason: "Error" } },
    }],
  });
}

const selfTarget = (pod: Pod): StatusTarget => ({
  namespace: pod.metadata!.namespace!,
  name: pod.metadata!.name!,
  uid: pod.metadata!.uid!,
});

function setup(target: (pod: Pod) => StatusTarget | undefined = selfTarget) {
  const clock = new FakeClock();
  const api = new FakeApi();
  const logger = createMemoryLogger();
  // As the agent wires it: the client logs every 401/403 itself (src/agent/cluster.ts).
  const { onRefused } = new RefusalLog({ clock, logger, identity: 'user "n1" (bearer token)' });
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED, onRefused });
  const sm = new StatusManager();
  const sync = new ApiStatusSync({ client, statusManager: sm, clock, logger, target });
  const ac = new AbortController();
  const running = sync.run(ac.signal);
  const patches = () => api.requestsTo("PATCH", PATH);
  const warns = () => logger.records.filter((r) => r.severity === "warn");
  const stop = async () => {
    ac.abort();
    await running;
  };
  return { clock, api, sm, sync, logger, patches, warns, stop };
}

/** PATCH requests wait until the test lets them through, one by one. */
function holdPatches(api: FakeApi): () => void {
  const held: (() => void)[] = [];
  api.intercept = (req) =>
    req.method === "PATCH"
      ? new Promise<undefined>((r) => held.push(() => r(undefined)))
      : undefined;
  return () => held.shift()!();
}

/** Stores a pod in the fake (its Obj type wants an index signature Pod lacks). */
function put(api: FakeApi, pod: Pod): Pod {
  return api.put(PATH, pod as unknown as Parameters<FakeApi["put"]>[1]) as unknown as Pod;
}

const statusOf = (r: FakeRequest) => (r.body as { status: PodStatus }).status;

Deno.test("ApiStatusSync patches the status subresource with the pod's uid on each change", async () => {
  const t = setup();
  put(t.api, apiPod());
  t.sm.setPodStatus(apiPod(), st("Running"));
  await t.sync.settled();
  const [req] = t.patches();
  assert.equal(req.path, `${PATH}/status`);
  assert.equal(req.contentType, "application/strategic-merge-patch+json");
  const body = req.body as { metadata: { uid: string }; status: PodStatus };
  assert.deepEqual(body.metadata, { uid: "u1" });
  assert.equal(body.status.phase, "Running");
  assert.deepEqual(
    body.status.conditions?.map((c) => c.type),
    ["Ready", "PodScheduled"],
    "the kubelet's own conditions, PodScheduled included; not other components' ones",
  );
  assert.equal((t.api.get(PATH)?.status as PodStatus).phase, "Running");
  assert.equal(t.sync.patchesSent, 1);
  assert.equal(t.sync.pendingPods, 0);
  await t.stop();
});

Deno.test("ApiStatusSync keeps one request in flight per pod and sends the newest status next", async () => {
  const t = setup();
  put(t.api, apiPod());
  const release = holdPatches(t.api);
  t.sm.setPodStatus(apiPod(), st("Pending", { message: "v1" }));
  await flush();
  for (const v of ["v2", "v3", "v4"]) t.sm.setPodStatus(apiPod(), st("Pending", { message: v }));
  await flush();
  assert.equal(t.patches().length, 1, "one request in flight");
  release();
  await flush();
  assert.equal(t.patches().length, 2);
  assert.equal(statusOf(t.patches()[1]).message, "v4", "the follow-up carries the newest status");
  release();
  await t.sync.settled();
  assert.equal(t.patches().length, 2, "v2 and v3 were never sent");
  assert.equal((t.api.get(PATH)?.status as PodStatus).message, "v4");
  await t.stop();
});

Deno.test("ApiStatusSync: a late answer for an old version does not mark the newer one sent", async () => {
  const t = setup();
  put(t.api, apiPod());
  const release = holdPatches(t.api);
  t.sm.setPodStatus(apiPod(), st("Pending"));
  await flush();
  t.sm.setPodStatus(apiPod(), st("Running"));
  assert.equal(t.sync.pendingPods, 1);
  release(); // the answer for Pending
  await flush();
  assert.equal(t.sync.pendingPods, 1, "Running is still to send");
  assert.equal(statusOf(t.patches()[1]).phase, "Running");
  release();
  await t.sync.settled();
  assert.equal(t.sync.pendingPods, 0);
  assert.equal((t.api.get(PATH)?.status as PodStatus).phase, "Running");
  await t.stop();
});

Deno.test("ApiStatusSync retries a failed patch at the next resync, not before", async () => {
  const t = setup();
  put(t.api, apiPod());
  let fail = true;
  t.api.intercept = () =>
    fail ? { status: 500, body: statusBody(500, "InternalError", "etcd is down") } : undefined;
  t.sm.setPodStatus(apiPod(), st("Running"));
  await t.sync.settled();
  assert.equal(t.patches().length, 1);
  assert.equal(t.warns().length, 1);
  assert.match(String(t.warns()[0].fields.err), /PATCH \/api\/v1\/namespaces\/ns\/pods\/p\/status/);
  await t.clock.advance(9_999);
  assert.equal(t.patches().length, 1, "no retry before the resync");
  fail = false;
  await t.clock.advance(1);
  await t.sync.settled();
  assert.equal(t.patches().length, 2);
  assert.equal((t.api.get(PATH)?.status as PodStatus).phase, "Running");
  await t.clock.advance(30_000);
  assert.equal(t.patches().length, 2, "nothing more once sent");
  await t.stop();
});

Deno.test("ApiStatusSync logs a repeated failure once a minute and never throws", async () => {
  const t = setup();
  put(t.api, apiPod());
  t.api.intercept = () => ({ status: 429, body: statusBody(429, "TooManyRequests", "slow down") });
  t.sm.setPodStatus(apiPod(), st("Running"));
  await t.sync.settled();
  await t.clock.advance(50_000);
  await t.sync.settled();
  assert.equal(t.patches().length, 6, "retried at each resync");
  assert.equal(t.warns().length, 1);
  await t.clock.advance(10_000);
  await t.sync.settled();
  assert.equal(t.warns().length, 2);
  assert.equal(t.warns()[1].fields.heldBack, 5);
  await t.stop();
});

Deno.test("ApiStatusSync drops a pod whose API object is gone (404) or replaced (409 uid)", async (tc) => {
  for (
    const [name, prepare] of [
      ["404", (_api: FakeApi) => {}],
      ["409 uid conflict", (api: FakeApi) => {
        put(api, apiPod({ uid: "other" }));
      }],
    ] as const
  ) {
    await tc.step(name, async () => {
      const t = setup();
      prepare(t.api);
      t.sm.setPodStatus(apiPod(), st("Running"));
      await t.sync.settled();
      assert.equal(t.patches().length, 1);
      t.sm.setPodStatus(apiPod(), st("Running", { message: "later" }));
      await t.clock.advance(30_000);
      await t.sync.settled();
      assert.equal(t.patches().length, 1, "not retried, also not for a later change");
      assert.equal(t.sync.pendingPods, 0);
      assert.equal(t.warns().length, 0);
      await t.stop();
    });
  }
});

Deno.test("ApiStatusSync never sends a non-terminal status after a terminal one", async (tc) => {
  await tc.step("after it sent Succeeded", async () => {
    const t = setup();
    put(t.api, apiPod());
    t.sm.setPodStatus(apiPod(), st("Succeeded"));
    await t.sync.settled();
    t.sm.setPodStatus(apiPod(), st("Running"));
    await t.clock.advance(20_000);
    await t.sync.settled();
    assert.equal(t.patches().length, 1);
    assert.equal((t.api.get(PATH)?.status as PodStatus).phase, "Succeeded");
    await t.stop();
  });
  await tc.step("when the API pod shows Failed", async () => {
    const t = setup();
    const pod = apiPod();
    pod.status!.phase = "Failed";
    put(t.api, pod);
    t.sm.setPodStatus(pod, st("Running"));
    await t.clock.advance(10_000);
    await t.sync.settled();
    assert.equal(t.patches().length, 0);
    await t.stop();
  });
});

Deno.test("ApiStatusSync skips a pod without a target and sends it once the target answers", async () => {
  const mirror: { ref?: StatusTarget } = {};
  const t = setup(() => mirror.ref);
  const staticPod: Pod = {
    metadata: {
      name: "p",
      namespace: "ns",
      uid: "hash1",
      annotations: { "kubernetes.io/config.source": "file" },
    },
    spec: { containers: [{ name: "app" }] },
  };
  put(t.api, { metadata: { name: "p", namespace: "ns", uid: "mirror-uid" } });
  t.sm.setPodStatus(staticPod, st("Running"));
  await t.sync.settled();
  assert.equal(t.patches().length, 0);
  assert.equal(t.sync.pendingPods, 1);
  mirror.ref = { namespace: "ns", name: "p", uid: "mirror-uid" };
  await t.clock.advance(10_000);
  await t.sync.settled();
  assert.equal(t.patches().length, 1);
  assert.deepEqual((t.patches()[0].body as { metadata: unknown }).metadata, { uid: "mirror-uid" });
  await t.stop();
});

Deno.test("ApiStatusSync sends the statuses set before run() at its first resync", async () => {
  const clock = new FakeClock();
  const api = new FakeApi();
  put(api, apiPod());
  const sm = new StatusManager();
  sm.setPodStatus(apiPod(), st("Running"));
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  const sync = new ApiStatusSync({ client, statusManager: sm, clock, target: selfTarget });
  const ac = new AbortController();
  const running = sync.run(ac.signal);
  await flush();
  await sync.settled();
  assert.equal(api.requestsTo("PATCH", PATH).length, 1);
  ac.abort();
  await running;
});

Deno.test("ApiStatusSync.podTerminated() sends the final status, then deletes with grace 0 and the uid", async () => {
  const t = setup();
  put(t.api, apiPod({ deleting: true }));
  t.sm.setPodStatus(apiPod({ deleting: true }), exited(137));
  await t.sync.settled();
  await t.sync.podTerminated(apiPod({ deleting: true }));
  const requests = t.api.requests.map((r) => r.method);
  assert.deepEqual(requests, ["PATCH", "PATCH", "DELETE"]);
  assert.equal(statusOf(t.patches()[1]).phase, "Failed", "a terminal phase before the delete");
  assert.equal(t.sm.getPodStatus("u1")?.phase, "Failed");
  const del = t.api.requestsTo("DELETE", PATH)[0];
  assert.deepEqual(del.body, {
    apiVersion: "v1",
    kind: "DeleteOptions",
    gracePeriodSeconds: 0,
    preconditions: { uid: "u1" },
  });
  assert.equal(t.api.get(PATH), undefined);
  t.sm.setPodStatus(apiPod({ deleting: true }), st("Failed", { message: "late" }));
  await t.clock.advance(20_000);
  await t.sync.settled();
  assert.equal(t.api.requests.length, 3, "nothing more for a deleted pod");
  assert.equal(t.sync.deletesSent, 1);
  await t.stop();
});

Deno.test("ApiStatusSync.podTerminated() of a pod gone already is quiet and final", async () => {
  const t = setup();
  t.sm.setPodStatus(apiPod({ deleting: true }), st("Succeeded"));
  await t.sync.podTerminated(apiPod({ deleting: true }));
  await t.clock.advance(20_000);
  await t.sync.settled();
  assert.deepEqual(t.api.requests.map((r) => r.method), ["PATCH"], "the 404 ends it all");
  assert.equal(t.warns().length, 0);
  await t.stop();
});

Deno.test("ApiStatusSync.podTerminated() retries a failed delete at the resync until done", async () => {
  const t = setup();
  put(t.api, apiPod({ deleting: true }));
  let failDeletes = 2;
  t.api.intercept = (req): FakeAnswer | undefined =>
    req.method === "DELETE" && failDeletes-- > 0
      ? { status: 503, body: statusBody(503, "ServiceUnavailable", "down") }
      : undefined;
  t.sm.setPodStatus(apiPod({ deleting: true }), st("Succeeded"));
  t.sm.removePod("u1"); // the pod may leave the status manager before the delete is done
  await t.sync.podTerminated(apiPod({ deleting: true }));
  assert.equal(t.api.requestsTo("DELETE", PATH).length, 1);
  await t.clock.advance(10_000);
  await t.sync.settled();
  assert.equal(t.api.requestsTo("DELETE", PATH).length, 2);
  await t.clock.advance(10_000);
  await t.sync.settled();
  assert.equal(t.api.requestsTo("DELETE", PATH).length, 3);
  assert.equal(t.api.get(PATH), undefined);
  await t.clock.advance(30_000);
  assert.equal(t.api.requestsTo("DELETE", PATH).length, 3);
  await t.stop();
});

Deno.test("ApiStatusSync.podTerminated() does nothing for a file pod or a pod not being deleted", async () => {
  const t = setup();
  const filePod = apiPod({ deleting: true });
  filePod.metadata!.annotations = { "kubernetes.io/config.source": "file" };
  put(t.api, filePod);
  await t.sync.podTerminated(filePod);
  await t.sync.podTerminated(apiPod());
  await t.clock.advance(20_000);
  assert.equal(t.api.requests.length, 0);
  assert.equal(t.sync.deletesSent, 0);
  await t.stop();
});

Deno.test("ApiStatusSync resends a status someone else overwrote, once per newer pod version", async () => {
  const t = setup();
  put(t.api, apiPod());
  const ours = st("Running");
  t.sm.setPodStatus(apiPod(), ours);
  await t.sync.settled();
  // The watch brings back our own write: same version as the patch answer.
  const echo = t.api.get(PATH) as Pod;
  t.sm.setPodStatus(echo, ours);
  await t.clock.advance(10_000);
  await t.sync.settled();
  assert.equal(t.patches().length, 1);
  // Someone else writes another status; the agent sees the new pod version.
  const other = put(t.api, { ...echo, status: { phase: "Pending" } });
  t.sm.setPodStatus(other, ours);
  await t.clock.advance(10_000);
  await t.sync.settled();
  assert.equal(t.patches().length, 2);
  assert.equal((t.api.get(PATH)?.status as PodStatus).phase, "Running");
  await t.clock.advance(30_000);
  await t.sync.settled();
  assert.equal(t.patches().length, 2, "the old version it saw does not trigger again");
  await t.stop();
});

/**
 * Strategic merge as kube-apiserver 1.20 applies it to a pod status (a local
 * helper: the fake merges as JSON merge patch): lists with a merge key merge
 * by it, `{key, $patch: delete}` removes an element, and — as observed on the
 * real 1.20 server — a `{$patch: replace}` element is kept as an empty element.
 */
const MERGE_KEYS: Record<string, string> = { conditions: "type", podIPs: "ip", hostIPs: "ip" };
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
function strategicMerge(target: unknown, patch: unknown, key?: string): unknown {
  if (Array.isArray(patch)) {
    if (!key || !Array.isArray(target)) return patch.map((x) => strategicMerge({}, x));
    let out = [...target] as Json[];
    for (const item of patch as Json[]) {
      const i = out.findIndex((o) => o[key] === item[key]);
      if (item.$patch === "delete") out = out.filter((o) => o[key] !== item[key]);
      else if (i >= 0) out[i] = strategicMerge(out[i], item) as Json;
      else out.push(strategicMerge({}, item) as Json);
    }
    return out;
  }
  if (!isObj(patch)) return patch;
  const out: Json = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch") continue;
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v, MERGE_KEYS[k]);
  }
  return out;
}

Deno.test("ApiStatusSync patches leave other components' conditions and replace what the kubelet owns", async () => {
  const t = setup();
  const server = apiPod();
  server.status!.conditions!.push({ type: "example.com/gate", status: "True" });
  put(t.api, server);
  t.api.intercept = (req) => {
    if (req.method !== "PATCH") return undefined;
    const merged = strategicMerge(t.api.get(PATH), req.body) as Pod;
    return { status: 200, body: put(t.api, merged) };
  };
  const podIP = (ip: string) => ({ podIP: ip, podIPs: [{ ip }] });
  t.sm.setPodStatus(
    apiPod(),
    st("Pending", {
      conditions: [
        { type: "Ready", status: "False", reason: "ContainersNotReady", message: "app" },
        { type: "PodScheduled", status: "True" },
        { type: "example.com/gate", status: "False" }, // a stale copy: not the kubelet's to send
      ],
      reason: "Evicted",
      ...podIP("10.0.0.1"),
    }),
  );
  await t.sync.settled();
  t.sm.setPodStatus(
    apiPod(),
    st("Running", {
      conditions: [{ type: "Ready", status: "True" }, { type: "PodScheduled", status: "True" }],
      ...podIP("10.0.0.2"),
    }),
  );
  await t.sync.settled();
  const stored = t.api.get(PATH)!.status as PodStatus;
  const cond = (type: string) => stored.conditions?.find((c) => c.type === type);
  assert.equal(cond("example.com/gate")?.status, "True", "the gate's owner set it");
  assert.deepEqual(cond("Ready"), { type: "Ready", status: "True" }, "no stale reason or message");
  assert.deepEqual(
    cond("PodScheduled"),
    server.status!.conditions![0],
    "the scheduler's time stays",
  );
  assert.deepEqual(stored.podIPs, [{ ip: "10.0.0.2" }], "the new sandbox IP replaces the old one");
  assert.equal(stored.reason, undefined, "a reason the kubelet no longer sets is cleared");
  await t.stop();
});

Deno.test("ApiStatusSync leaves a refused request (403) to the client's one line and retries at the resync", async () => {
  const t = setup();
  put(t.api, apiPod());
  t.api.intercept = () => ({
    status: 403,
    body: statusBody(
      403,
      "Forbidden",
      'pods "p" is forbidden: node "n2" can only update pods on it',
    ),
  });
  t.sm.setPodStatus(apiPod(), st("Running"));
  await t.sync.settled();
  await t.clock.advance(20_000);
  await t.sync.settled();
  assert.equal(t.patches().length, 3);
  assert.deepEqual(t.warns(), [], "the sync logs no warning of its own");
  const shown = t.logger.records.filter((r) => r.severity === "error");
  assert.deepEqual(shown.map((r) => r.message), ["The API server refused a request"]);
  assert.match(String(shown[0].fields.request), /^PATCH .*\/pods\/p\/status$/);
  const own = t.logger.records.filter((r) => r.message === "Failed to update status for pod");
  assert.equal(own.length, 3, "each refusal at --v=4");
  assert.ok(own.every((r) => r.severity === "debug" && r.verbosity === 4));
  assert.match(String(own[0].fields.err), /PATCH .*\/pods\/p\/status: 403 Forbidden/);
  await t.stop();
});
