import assert from "node:assert/strict";
import type { Pod } from "../../src/api/types.ts";
import { CONFIG_MIRROR_ANNOTATION } from "../../src/api/pod_helpers.ts";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { RefusalLog } from "../../src/client/refusal_log.ts";
import { ApiPodSource, type ApiPodSourceOptions } from "../../src/config/apiserver.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { FakeApi, type FakeRequest, statusBody } from "../_fixtures/fake_api.ts";
import { startRun } from "./_helpers.ts";

const PODS = "/api/v1/pods";

/**
 * Where a pod is stored in the fake. FakeApi matches a collection by its exact
 * path, so pods listed and watched in all namespaces (`/api/v1/pods`) must be
 * stored right under it; the namespace is in the object.
 */
function podPath(name: string, namespace = "ns"): string {
  return `${PODS}/${namespace}.${name}`;
}

interface PodOpts {
  node?: string;
  namespace?: string;
  mirror?: boolean;
  image?: string;
}

function putPod(api: FakeApi, name: string, o: PodOpts = {}) {
  const namespace = o.namespace ?? "ns";
  const path = podPath(name, namespace);
  const uid = api.get(path)?.metadata?.uid; // an update keeps the UID, as in the API
  return api.put(path, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      ...(uid ? { uid } : {}),
      ...(namespace ? { namespace } : {}),
      ...(o.mirror ? { annotations: { [CONFIG_MIRROR_ANNOTATION]: `hash-${name}` } } : {}),
    },
    spec: { nodeName: o.node ?? "n1", containers: [{ name: "main", image: o.image ?? "busybox" }] },
  });
}

function setup(options: Partial<ApiPodSourceOptions> = {}) {
  const api = new FakeApi();
  const clock = new FakeClock();
  const logger = createMemoryLogger();
  // As the agent wires it: the client logs every 401/403 itself (src/agent/cluster.ts).
  const { onRefused } = new RefusalLog({ clock, logger, identity: 'user "n1" (bearer token)' });
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED, onRefused });
  const mirrors: Pod[][] = [];
  const source = new ApiPodSource({
    client,
    nodeName: "n1",
    clock,
    logger,
    random: () => 0,
    onMirrorPods: (pods) => mirrors.push(pods),
    ...options,
  });
  const lists = () => api.requestsTo("GET", PODS).filter((r) => r.query.get("watch") !== "true");
  const watches = () => api.requestsTo("GET", PODS).filter((r) => r.query.get("watch") === "true");
  const warnings = () => logger.records.filter((r) => r.severity === "warn");
  const errors = () => logger.records.filter((r) => r.severity === "error");
  /** Lets promise chains and 0 ms timers (the coalesced sends) run, never a back-off. */
  const until = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (cond()) return;
      await clock.advance(0);
    }
    throw new Error(`never happened: ${what}`);
  };
  /** The wait armed on the clock (the back-off), in ms from now. */
  const armedWait = () => (clock.nextTimerAt() ?? NaN) - clock.now();
  return {
    api,
    clock,
    logger,
    source,
    mirrors,
    lists,
    watches,
    warnings,
    errors,
    until,
    armedWait,
  };
}

const names = (pods: readonly Pod[] | undefined) =>
  (pods ?? []).map((p) => `${p.metadata?.namespace ?? ""}/${p.metadata?.name}`).sort();
const last = <T>(xs: T[]) => xs[xs.length - 1];
const q = (r: FakeRequest | undefined, key: string) => r?.query.get(key);

Deno.test("ApiPodSource sends nothing before its first list, then the node's pods only", async () => {
  const t = setup();
  putPod(t.api, "a");
  putPod(t.api, "b", { namespace: "other" });
  putPod(t.api, "c", { node: "n2" });
  let release!: () => void;
  const held = new Promise<undefined>((r) => release = () => r(undefined));
  t.api.intercept = (req) => req.query.get("watch") === "true" ? undefined : held;
  const run = startRun(t.source);
  for (let i = 0; i < 5; i++) await t.clock.advance(0);
  assert.deepEqual(run.sent.length, 0);
  assert.deepEqual(t.source.ready, false);
  const rvAtList = t.api.resourceVersion;
  release();
  await t.until(() => run.sent.length === 1 && t.watches().length === 1, "list and watch");
  assert.deepEqual(names(run.sent[0]), ["ns/a", "other/b"]);
  assert.deepEqual(t.mirrors, [[]]);
  assert.deepEqual(t.source.ready, true);
  const list = t.lists()[0];
  assert.deepEqual(list.path, PODS);
  assert.deepEqual(q(list, "fieldSelector"), "spec.nodeName=n1");
  assert.deepEqual(q(list, "resourceVersion"), null);
  const watch = t.watches()[0];
  assert.deepEqual(q(watch, "fieldSelector"), "spec.nodeName=n1");
  assert.deepEqual(q(watch, "resourceVersion"), rvAtList);
  assert.deepEqual(q(watch, "allowWatchBookmarks"), "true");
  assert.deepEqual(q(watch, "timeoutSeconds"), "300");
  const ready = t.logger.records.filter((r) => r.message === "Pod source api ready");
  assert.deepEqual(ready.map((r) => r.fields.pods), [2]);
  await run.stop();
});

Deno.test("ApiPodSource asks the server to end each watch after 5 to 10 minutes (random)", async () => {
  const t = setup({ random: () => 0.999 });
  const run = startRun(t.source);
  await t.until(() => t.watches().length === 1, "watch");
  assert.deepEqual(q(t.watches()[0], "timeoutSeconds"), "599");
  await run.stop();
});

Deno.test("ApiPodSource sends the full set after ADDED, MODIFIED and DELETED, one send per burst", async () => {
  const t = setup();
  putPod(t.api, "a");
  const run = startRun(t.source);
  await t.until(() => run.sent.length === 1 && t.api.openWatches === 1, "ready");
  putPod(t.api, "d");
  await t.until(() => run.sent.length === 2, "ADDED");
  assert.deepEqual(names(run.sent[1]), ["ns/a", "ns/d"]);
  putPod(t.api, "a", { image: "nginx" });
  await t.until(() => run.sent.length === 3, "MODIFIED");
  const a = run.sent[2].find((p) => p.metadata?.name === "a");
  assert.deepEqual(a?.spec?.containers[0].image, "nginx");
  t.api.remove(podPath("a"));
  await t.until(() => run.sent.length === 4, "DELETED");
  assert.deepEqual(names(run.sent[3]), ["ns/d"]);
  // Three events already buffered: one send with all of them.
  putPod(t.api, "e");
  putPod(t.api, "f");
  t.api.remove(podPath("d"));
  await t.clock.advance(0);
  await t.clock.advance(0);
  assert.deepEqual(run.sent.length, 5);
  assert.deepEqual(names(run.sent[4]), ["ns/e", "ns/f"]);
  assert.deepEqual(t.lists().length, 1);
  await run.stop();
});

Deno.test("ApiPodSource moves the resourceVersion on at a BOOKMARK and re-watches from it", async () => {
  const t = setup();
  putPod(t.api, "a");
  const run = startRun(t.source);
  await t.until(() => t.api.openWatches === 1, "watch");
  t.api.pushToWatches(PODS, "BOOKMARK", {
    kind: "Pod",
    apiVersion: "v1",
    metadata: { resourceVersion: "9000" },
  });
  await t.until(() => t.source.resourceVersion === "9000", "bookmark");
  t.api.closeWatches();
  await t.until(() => t.watches().length === 2, "re-watch");
  assert.deepEqual(q(t.watches()[1], "resourceVersion"), "9000");
  assert.deepEqual(t.lists().length, 1);
  assert.deepEqual(run.sent.length, 1, "a bookmark changes no pod");
  await run.stop();
});

Deno.test("ApiPodSource re-watches at once from the last event's resourceVersion when the server ends the watch", async () => {
  const t = setup();
  const run = startRun(t.source);
  await t.until(() => t.api.openWatches === 1, "watch");
  const d = putPod(t.api, "d");
  await t.until(() => run.sent.length === 2, "ADDED");
  t.api.closeWatches();
  await t.until(() => t.watches().length === 2, "re-watch");
  assert.deepEqual(q(t.watches()[1], "resourceVersion"), d.metadata?.resourceVersion);
  assert.deepEqual(t.lists().length, 1);
  assert.deepEqual(t.clock.pendingTimers, 0, "no back-off");
  await run.stop();
});

Deno.test("ApiPodSource backs off after a watch that ends at once with nothing (client-go's very short watch)", async () => {
  const t = setup();
  const run = startRun(t.source);
  await t.until(() => t.api.openWatches === 1, "watch");
  const rv = q(t.watches()[0], "resourceVersion");
  t.api.closeWatches();
  await t.until(() => t.armedWait() === 800, "back-off");
  assert.deepEqual(t.watches().length, 1);
  await t.clock.advance(800);
  await t.until(() => t.watches().length === 2, "re-watch");
  assert.deepEqual(q(t.watches()[1], "resourceVersion"), rv);
  assert.deepEqual(t.lists().length, 1);
  t.api.closeWatches(); // again: the back-off doubles, and no "answers again" line in between
  await t.until(() => t.armedWait() === 1600, "second back-off");
  assert.deepEqual(t.logger.records.filter((r) => r.message.includes("answers again")), []);
  assert.deepEqual(t.source.consecutiveFailures, 2);
  await run.stop();
});

Deno.test("ApiPodSource relists at once on a 410 ERROR event and the relist replaces the set", async () => {
  const t = setup();
  putPod(t.api, "a");
  putPod(t.api, "b");
  const run = startRun(t.source);
  await t.until(() => t.api.openWatches === 1, "watch");
  putPod(t.api, "c");
  await t.until(() => run.sent.length === 2, "ADDED");
  t.api.pushToWatches(PODS, "ERROR", statusBody(410, "Expired", "too old resource version"));
  // Deleted behind the ERROR: the source never sees this DELETED event, only the relist.
  t.api.remove(podPath("b"));
  for (let i = 0; i < 20 && t.lists().length < 2; i++) await flush();
  assert.deepEqual(t.lists().length, 2, "relisted without the clock moving");
  await t.until(() => run.sent.length === 3 && t.api.openWatches === 1, "relist sent");
  assert.deepEqual(run.sent.map(names), [["ns/a", "ns/b"], ["ns/a", "ns/b", "ns/c"], [
    "ns/a",
    "ns/c",
  ]]);
  assert.deepEqual(t.clock.pendingTimers, 0, "no back-off");
  await run.stop();
});

Deno.test("ApiPodSource backs off before relisting when the list's own resourceVersion is refused with 410", async () => {
  const t = setup();
  const run = startRun(t.source);
  await t.until(() => t.api.openWatches === 1, "watch");
  t.api.pushToWatches(PODS, "ERROR", statusBody(410, "Expired", "too old resource version"));
  await t.until(() => t.armedWait() === 800, "back-off");
  assert.deepEqual(t.lists().length, 1);
  await t.clock.advance(800);
  await t.until(() => t.lists().length === 2, "relist");
  await run.stop();
});

Deno.test("ApiPodSource backs off on a failing list: 800 ms doubling, capped at 30 s, then catches up", async () => {
  const t = setup();
  putPod(t.api, "a");
  t.api.intercept = (req) =>
    req.query.get("watch") === "true"
      ? undefined
      : { status: 500, body: statusBody(500, "InternalError", "etcd is down") };
  const run = startRun(t.source);
  const expected = [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000];
  for (const [i, wait] of expected.entries()) {
    await t.until(() => t.lists().length === i + 1, `list ${i + 1}`);
    assert.deepEqual(t.armedWait(), wait, `wait after failure ${i + 1}`);
    await t.clock.advance(wait);
  }
  assert.deepEqual(run.sent.length, 0);
  t.api.intercept = undefined;
  await t.until(() => t.lists().length === expected.length + 1, "last try");
  assert.deepEqual(t.armedWait(), 30000);
  await t.clock.advance(30000);
  await t.until(() => run.sent.length === 1, "caught up");
  assert.deepEqual(names(run.sent[0]), ["ns/a"]);
  assert.deepEqual(t.source.consecutiveFailures, 0);
  // Failures at 0, 0.8, 2.4, 5.6, 12, 24.8, 50.4, 80.4 and 110.4 s: one line a minute.
  const warns = t.warnings();
  assert.deepEqual(warns.length, 2);
  assert.match(warns[0].message, /GET \/api\/v1\/pods\?fieldSelector=spec.nodeName=n1 failed/);
  assert.deepEqual(warns[0].fields.status, "500 InternalError");
  assert.deepEqual(warns[1].fields.heldBack, 6);
  await run.stop();
});

Deno.test("ApiPodSource starts its back-off over after 2 minutes without a failure", async () => {
  const t = setup();
  const run = startRun(t.source);
  await t.until(() => t.api.openWatches === 1, "watch");
  t.api.closeWatches(); // a very short watch: the first failure
  await t.until(() => t.armedWait() === 800, "first back-off");
  await t.clock.advance(800);
  await t.until(() => t.api.openWatches === 1, "re-watch");
  await t.clock.advance(120_001);
  t.api.intercept = () => ({ status: 503, body: statusBody(503, "ServiceUnavailable", "no") });
  t.api.closeWatches();
  await t.until(() => t.watches().length === 3, "failing re-watch");
  assert.deepEqual(t.armedWait(), 800);
  await run.stop();
});

Deno.test("ApiPodSource sends nothing while the API is down at start, then everything once it answers", async () => {
  const t = setup();
  putPod(t.api, "a");
  putPod(t.api, "m", { mirror: true });
  t.api.intercept = () => {
    throw new TypeError("error sending request: Connection refused (os error 111)");
  };
  const run = startRun(t.source);
  for (const wait of [800, 1600, 3200]) {
    await t.until(() => t.armedWait() === wait, `back-off ${wait}`);
    await t.clock.advance(wait);
  }
  assert.deepEqual(run.sent.length, 0);
  assert.deepEqual(t.mirrors.length, 0);
  assert.deepEqual(t.source.ready, false);
  assert.match(t.warnings()[0].message, /^Pod source api: GET \/api\/v1\/pods\?fieldSelector/);
  t.api.intercept = undefined;
  await t.until(() => t.armedWait() === 6400, "back-off 6400");
  await t.clock.advance(6400);
  await t.until(() => run.sent.length === 1, "sent");
  assert.deepEqual(names(run.sent[0]), ["ns/a"]);
  assert.deepEqual(t.mirrors.map(names), [["ns/m"]]);
  const back = t.logger.records.filter((r) => r.message.includes("answers again"));
  assert.deepEqual(back.map((r) => r.fields.failuresBefore), [4]);
  await run.stop();
});

Deno.test("ApiPodSource skips a bad object with one line and goes on", async () => {
  const t = setup();
  putPod(t.api, "a");
  putPod(t.api, "nameless-ns", { namespace: "" });
  const run = startRun(t.source);
  await t.until(() => run.sent.length === 1 && t.api.openWatches === 1, "ready");
  assert.deepEqual(names(run.sent[0]), ["ns/a"]);
  t.api.pushToWatches(PODS, "ADDED", {
    kind: "Pod",
    metadata: { name: "x", namespace: "ns", resourceVersion: "500" },
    spec: { nodeName: "n1" },
  });
  t.api.pushToWatches(PODS, "MODIFIED", {
    kind: "Pod",
    metadata: { name: "o", namespace: "ns", uid: "u-o", resourceVersion: "501" },
    spec: { nodeName: "n2" },
  });
  t.api.pushToWatches(PODS, "ADDED", { kind: "ConfigMap", metadata: { resourceVersion: "502" } });
  putPod(t.api, "good");
  await t.until(() => run.sent.length === 2, "good pod");
  assert.deepEqual(names(run.sent[1]), ["ns/a", "ns/good"]);
  assert.deepEqual(t.warnings().map((r) => r.message), [
    "Pod source api skipped list item 1: metadata.namespace is missing",
    "Pod source api skipped ADDED event: metadata.uid is missing",
    'Pod source api skipped MODIFIED event: spec.nodeName is "n2", not "n1"',
    "Pod source api skipped ADDED event: the object is a ConfigMap, not a Pod",
  ]);
  assert.deepEqual(t.lists().length, 1);
  assert.deepEqual(t.watches().length, 1, "the watch went on");
  await run.stop();
});

Deno.test("ApiPodSource gives mirror pods to onMirrorPods, never to send", async () => {
  const t = setup();
  putPod(t.api, "a");
  putPod(t.api, "m1", { mirror: true });
  const run = startRun(t.source);
  await t.until(() => run.sent.length === 1 && t.api.openWatches === 1, "ready");
  assert.deepEqual(names(run.sent[0]), ["ns/a"]);
  assert.deepEqual(t.mirrors.map(names), [["ns/m1"]]);
  putPod(t.api, "m2", { mirror: true });
  await t.until(() => t.mirrors.length === 2, "mirror added");
  assert.deepEqual(names(t.mirrors[1]), ["ns/m1", "ns/m2"]);
  putPod(t.api, "b");
  await t.until(() => run.sent.length === 2, "pod added");
  t.api.remove(podPath("m1"));
  await t.until(() => t.mirrors.length === 3, "mirror deleted");
  assert.deepEqual(names(last(t.mirrors)), ["ns/m2"]);
  assert.deepEqual(run.sent.map(names), [["ns/a"], ["ns/a", "ns/b"]]);
  await run.stop();
});

Deno.test("ApiPodSource leaves a refused watch to the client's line a minute and keeps re-watching (not relisting)", async () => {
  const t = setup();
  const run = startRun(t.source);
  await t.until(() => t.api.openWatches === 1, "watch");
  t.api.intercept = (req) =>
    req.query.get("watch") === "true"
      ? { status: 403, body: statusBody(403, "Forbidden", "pods is forbidden") }
      : undefined;
  await t.clock.advance(2000); // the watch must not look very short
  t.api.closeWatches();
  let waited = 0;
  while (waited < 61_000) {
    await t.until(() => t.clock.nextTimerAt() !== undefined, "back-off");
    const wait = t.armedWait();
    waited += wait;
    await t.clock.advance(wait);
  }
  await t.until(() => t.errors().length === 2, "second line after a minute");
  const [first, second] = t.errors();
  assert.deepEqual(first.message, "The API server refused a request");
  assert.match(String(first.fields.request), /^GET \/api\/v1\/pods\?watch=true&/);
  assert.deepEqual(first.fields.identity, 'user "n1" (bearer token)');
  assert.ok(Number(second.fields.heldBack) > 0);
  assert.deepEqual(t.warnings(), [], "the source logs no warning of its own");
  const own = t.logger.records.filter((r) => /^Pod source api: GET .* failed$/.test(r.message));
  assert.ok(own.length > 2 && own.every((r) => r.severity === "debug" && r.verbosity === 4));
  assert.deepEqual(own[0].fields.status, "403 Forbidden");
  assert.deepEqual(t.lists().length, 1);
  await run.stop();
});

Deno.test("ApiPodSource waits for a 429's Retry-After when it is longer than the back-off", async () => {
  const t = setup();
  t.api.intercept = () =>
    new Response(JSON.stringify(statusBody(429, "TooManyRequests", "slow down")), {
      status: 429,
      headers: { "Retry-After": "5" },
    });
  const run = startRun(t.source);
  await t.until(() => t.lists().length === 1 && t.clock.nextTimerAt() !== undefined, "429");
  assert.deepEqual(t.armedWait(), 5000);
  await run.stop();
});

Deno.test("ApiPodSource ends run promptly on abort, with the watch closed", async (t) => {
  await t.step("while watching", async () => {
    const s = setup();
    const run = startRun(s.source);
    await s.until(() => s.api.openWatches === 1, "watch");
    await run.stop();
    assert.deepEqual(s.api.openWatches, 0);
    assert.deepEqual(s.clock.pendingTimers, 0);
  });
  await t.step("while backing off", async () => {
    const s = setup();
    s.api.intercept = () => ({ status: 500, body: statusBody(500, "InternalError", "x") });
    const run = startRun(s.source);
    await s.until(() => s.clock.nextTimerAt() !== undefined, "back-off");
    await run.stop();
    assert.deepEqual(s.clock.pendingTimers, 0);
  });
});

Deno.test("ApiPodSource.step() lists first, then watches, and says what comes next", async () => {
  const t = setup();
  const ac = new AbortController();
  const sent: Pod[][] = [];
  const listed = await t.source.step((p) => sent.push(p), ac.signal);
  assert.deepEqual(listed, { outcome: "listed", next: "watch", waitMs: 0 });
  assert.deepEqual(sent.map(names), [[]]);
  const watching = t.source.step((p) => sent.push(p), ac.signal);
  await t.until(() => t.api.openWatches === 1, "watch");
  await t.clock.advance(5000);
  t.api.closeWatches();
  assert.deepEqual(await watching, { outcome: "watch-ended", next: "watch", waitMs: 0 });
});

Deno.test("ApiPodSource.run rejects when the receiver throws (a defect), not for the API", async (t) => {
  const boom = new Error("merge is broken");
  await t.step("on the list's send", async () => {
    const s = setup();
    const ac = new AbortController();
    await assert.rejects(
      s.source.run(() => {
        throw boom;
      }, ac.signal),
      (e) => e === boom,
    );
    assert.deepEqual(s.api.openWatches, 0);
  });
  await t.step("on a coalesced send after watch events", async () => {
    let calls = 0;
    const s = setup({
      onMirrorPods: () => {
        if (++calls > 1) throw boom;
      },
    });
    const ac = new AbortController();
    const ended = s.source.run(() => {}, ac.signal).then(() => "resolved", (e) => e);
    await s.until(() => s.api.openWatches === 1, "watch");
    putPod(s.api, "m", { mirror: true });
    await s.clock.advance(0);
    assert.deepEqual(await ended, boom);
    assert.deepEqual(s.api.openWatches, 0);
  });
});

Deno.test("ApiPodSource rejects an empty node name", () => {
  const { api, clock } = setup();
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  assert.throws(
    () => new ApiPodSource({ client, nodeName: "", clock }),
    /nodeName is empty/,
  );
});
