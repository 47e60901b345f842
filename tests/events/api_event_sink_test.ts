import assert from "node:assert/strict";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { RefusalLog } from "../../src/client/refusal_log.ts";
import { type EventInput, EventRecorder } from "../../src/container/events.ts";
import type { InvolvedObject } from "../../src/container/ref.ts";
import {
  ApiEventSink,
  type ApiEventSinkOptions,
  type EventClient,
} from "../../src/events/api_event_sink.ts";
import { eventRateLimiter } from "../../src/events/event_rate_limiter.ts";
import { SINK_DEBUG_VERBOSITY } from "../../src/events/mod.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { FakeApi, statusBody } from "../_fixtures/fake_api.ts";

const EVENTS_NS1 = "/api/v1/namespaces/ns1/events";

function pod(name: string, container = "app"): InvolvedObject {
  return {
    kind: "Pod",
    apiVersion: "v1",
    namespace: "ns1",
    name,
    uid: `uid-${name}`,
    fieldPath: `spec.containers{${container}}`,
  };
}

function backOff(name = "web"): EventInput {
  return {
    type: "Warning",
    reason: "BackOff",
    message: "Back-off restarting failed container app",
    involvedObject: pod(name),
  };
}

function setup(options: Partial<ApiEventSinkOptions> = {}) {
  const clock = new FakeClock();
  const api = new FakeApi();
  const logger = createMemoryLogger(0);
  const recorder = new EventRecorder({ clock, host: "node1", maxEvents: 5000 });
  const sink = new ApiEventSink({
    client: new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED }),
    clock,
    logger,
    random: () => 1,
    ...options,
  });
  sink.attach(recorder);
  const warnings = (text: string) =>
    logger.records.filter((r) => r.severity === "warn" && r.message.includes(text));
  return { clock, api, logger, recorder, sink, warnings };
}

/** Lets the event loop turn until `cond` holds (no time passes on the fake clock). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await flush();
  }
  throw new Error(`never happened: ${what}`);
}

Deno.test("ApiEventSink POSTs the first occurrence as a core/v1 Event in the pod's namespace", async () => {
  const { api, recorder, sink } = setup();
  const ev = recorder.record(backOff());
  assert.equal(await sink.drain(), "idle");
  const posts = api.requestsTo("POST", EVENTS_NS1);
  assert.equal(posts.length, 1);
  assert.equal(posts[0].path, EVENTS_NS1);
  assert.deepEqual(posts[0].body, {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: ev.name, namespace: "ns1" },
    involvedObject: {
      kind: "Pod",
      namespace: "ns1",
      name: "web",
      uid: "uid-web",
      apiVersion: "v1",
      fieldPath: "spec.containers{app}",
    },
    reason: "BackOff",
    message: "Back-off restarting failed container app",
    type: "Warning",
    source: { component: "kubelet", host: "node1" },
    count: 1,
    firstTimestamp: "2023-11-14T22:13:20Z",
    lastTimestamp: "2023-11-14T22:13:20Z",
    reportingComponent: "kubelet",
    reportingInstance: "node1",
  });
  assert.equal(api.get(`${EVENTS_NS1}/${ev.name}`)?.count, 1);
  assert.deepEqual([sink.posted, sink.patched, sink.dropped, sink.pending], [1, 0, 0, 0]);
});

Deno.test("ApiEventSink PATCHes count, lastTimestamp and message of a repeat on the same Event", async () => {
  const { api, clock, recorder, sink } = setup();
  const ev = recorder.record(backOff());
  await sink.drain();
  clock.step(65_000);
  recorder.record(backOff());
  await sink.drain();
  const patches = api.requestsTo("PATCH", EVENTS_NS1);
  assert.equal(patches.length, 1);
  assert.equal(patches[0].path, `${EVENTS_NS1}/${ev.name}`);
  assert.equal(patches[0].contentType, "application/merge-patch+json");
  assert.deepEqual(patches[0].body, {
    count: 2,
    lastTimestamp: "2023-11-14T22:14:25Z",
    message: "Back-off restarting failed container app",
  });
  const stored = api.get(`${EVENTS_NS1}/${ev.name}`)!;
  assert.equal(stored.count, 2);
  assert.equal(stored.firstTimestamp, "2023-11-14T22:13:20Z");
  assert.deepEqual([sink.posted, sink.patched], [1, 1]);
});

Deno.test("ApiEventSink POSTs a repeat again when its PATCH answers 404 (the Event expired)", async () => {
  const { api, recorder, sink } = setup();
  const ev = recorder.record(backOff());
  await sink.drain();
  api.remove(`${EVENTS_NS1}/${ev.name}`); // the API server's 1 h event TTL
  recorder.record(backOff());
  await sink.drain();
  assert.deepEqual(api.requests.map((r) => r.method), ["POST", "PATCH", "POST"]);
  assert.equal(api.get(`${EVENTS_NS1}/${ev.name}`)?.count, 2);
  assert.deepEqual([sink.posted, sink.patched, sink.dropped], [2, 0, 0]);
});

Deno.test("ApiEventSink PATCHes when a retried POST answers 409 AlreadyExists", async () => {
  const { api, clock, recorder, sink } = setup();
  let lost = false;
  api.intercept = (req) => {
    if (req.method !== "POST" || lost) return undefined;
    // The POST gets through, but its answer is lost.
    lost = true;
    const body = req.body as { metadata: { name: string } };
    api.put(`${req.path}/${body.metadata.name}`, body as Record<string, unknown>);
    throw new TypeError("connection reset by peer");
  };
  const ev = recorder.record(backOff());
  assert.equal(await sink.drain(), "waiting");
  clock.step(10_000);
  assert.equal(await sink.drain(), "idle");
  assert.deepEqual(api.requests.map((r) => r.method), ["POST", "POST", "PATCH"]);
  assert.equal(api.get(`${EVENTS_NS1}/${ev.name}`)?.count, 1);
  assert.deepEqual([sink.posted, sink.patched, sink.dropped], [0, 1, 0]);
});

Deno.test("ApiEventSink sends a node event to namespace default with kind Node", async () => {
  const { api, recorder, sink } = setup();
  const ev = recorder.recordSimple({
    type: "Normal",
    reason: "Starting",
    message: "Starting kubelet.",
  });
  await sink.drain();
  const [post] = api.requestsTo("POST", "/api/v1/namespaces/default/events");
  const body = post.body as Record<string, unknown>;
  assert.deepEqual(body.metadata, { name: ev.name, namespace: "default" });
  assert.deepEqual(body.involvedObject, { kind: "Node", name: "node1", uid: "node1" });
  assert.deepEqual(body.source, { component: "kubelet", host: "node1" });
  assert.equal(body.reportingInstance, "node1");
});

Deno.test("ApiEventSink: 30 BackOff events on one pod send 25, then one more after 5 minutes", async () => {
  const { api, clock, recorder, sink } = setup();
  let ev;
  for (let i = 0; i < 30; i++) {
    ev = recorder.record(backOff());
    await sink.drain();
    clock.step(1_000);
  }
  assert.equal(api.requests.length, 25);
  assert.deepEqual([sink.posted, sink.patched, sink.drops.spam], [1, 24, 5]);
  assert.equal(api.get(`${EVENTS_NS1}/${ev!.name}`)?.count, 25);
  clock.step(300_000);
  recorder.record(backOff());
  await sink.drain();
  assert.equal(api.requests.length, 26);
  // The API's count catches up with the dropped occurrences.
  assert.equal(api.get(`${EVENTS_NS1}/${ev!.name}`)?.count, 31);
  recorder.record(backOff());
  await sink.drain();
  assert.equal(api.requests.length, 26, "the budget is spent again");
  assert.equal(sink.dropped, 6);
});

Deno.test("ApiEventSink: another pod has its own spam budget", async () => {
  const { api, recorder, sink } = setup();
  for (let i = 0; i < 30; i++) recorder.record({ ...backOff(), message: `back-off ${i}` });
  recorder.record(backOff("db"));
  await sink.drain();
  assert.equal(api.requestsTo("POST", EVENTS_NS1).length, 26);
  const names = api.requests.map((r) =>
    (r.body as { involvedObject: { name: string } })
      .involvedObject.name
  );
  assert.equal(names.filter((n) => n === "db").length, 1);
  assert.equal(sink.drops.spam, 5);
});

Deno.test("ApiEventSink retries a 5xx retryDelayMs apart, then gives up with one log line", async () => {
  const { api, clock, recorder, sink, warnings } = setup({ maxTries: 3 });
  api.intercept = () => ({ status: 503, body: statusBody(503, "ServiceUnavailable", "etcd down") });
  recorder.record(backOff());
  assert.equal(await sink.drain(), "waiting");
  clock.step(9_999);
  assert.equal(await sink.drain(), "waiting");
  assert.equal(api.requests.length, 1);
  clock.step(1);
  assert.equal(await sink.drain(), "waiting");
  clock.step(10_000);
  assert.equal(await sink.drain(), "idle");
  assert.equal(api.requests.length, 3);
  assert.deepEqual([sink.posted, sink.drops.retriesExhausted, sink.pending], [0, 1, 0]);
  assert.equal(warnings("may retry").length, 1, "one line a minute while it retries");
  assert.match(String(warnings("may retry")[0].fields.error), /POST \/api\/v1\/namespaces\/ns1/);
  assert.equal(warnings("retry limit exceeded").length, 1);
  // The API answers again: the next event goes through.
  api.intercept = undefined;
  recorder.record(backOff("db"));
  await sink.drain();
  assert.equal(sink.posted, 1);
});

Deno.test("ApiEventSink waits Retry-After on a 429", async () => {
  const { api, clock, recorder, sink } = setup();
  let throttled = false;
  api.intercept = () => {
    if (throttled) return undefined;
    throttled = true;
    return new Response(JSON.stringify(statusBody(429, "TooManyRequests", "slow down")), {
      status: 429,
      headers: { "Retry-After": "30" },
    });
  };
  recorder.record(backOff());
  await sink.drain();
  clock.step(29_000);
  assert.equal(await sink.drain(), "waiting");
  clock.step(1_000);
  assert.equal(await sink.drain(), "idle");
  assert.deepEqual([api.requests.length, sink.posted], [2, 1]);
});

Deno.test("ApiEventSink drops a 4xx at once, logging one line a minute", async () => {
  const { api, clock, recorder, sink, warnings } = setup();
  api.intercept = () => ({ status: 422, body: statusBody(422, "Invalid", "bad event") });
  for (const p of ["a", "b", "c"]) recorder.record(backOff(p));
  await sink.drain();
  assert.deepEqual([api.requests.length, sink.drops.rejected, sink.pending], [3, 3, 0]);
  assert.equal(warnings("will not retry").length, 1);
  assert.match(String(warnings("will not retry")[0].fields.error), /POST .*422 Invalid/);
  clock.step(60_000);
  recorder.record(backOff("d"));
  await sink.drain();
  const lines = warnings("will not retry");
  assert.equal(lines.length, 2);
  assert.equal(lines[1].fields.heldBack, 2);
});

Deno.test("ApiEventSink drops a 403 at once and leaves the one line to the API client", async () => {
  const clock = new FakeClock();
  const api = new FakeApi();
  const logger = createMemoryLogger();
  const { onRefused } = new RefusalLog({ clock, logger, identity: 'user "node1" (bearer token)' });
  const recorder = new EventRecorder({ clock, host: "node1", maxEvents: 5000 });
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED, onRefused });
  const sink = new ApiEventSink({ client, clock, logger, random: () => 1 });
  sink.attach(recorder);
  api.intercept = () => ({ status: 403, body: statusBody(403, "Forbidden", "not allowed") });
  for (const p of ["a", "b", "c"]) recorder.record(backOff(p));
  await sink.drain();
  assert.deepEqual([api.requests.length, sink.drops.rejected, sink.pending], [3, 3, 0]);
  const shown = logger.records.filter((r) => r.severity === "warn" || r.severity === "error");
  assert.deepEqual(shown.map((r) => r.message), ["The API server refused a request"]);
  const own = logger.records.filter((r) => r.message.includes("will not retry"));
  assert.equal(own.length, 3, "the sink's lines are at --v=4");
  assert.ok(own.every((r) => r.severity === "debug" && r.verbosity === SINK_DEBUG_VERBOSITY));
});

Deno.test("ApiEventSink's listener never throws nor waits while the API is down", async () => {
  const { clock, recorder, sink } = setup({
    client: {
      create: () => {
        throw new Error("connection refused");
      },
      patch: () => Promise.reject(new Error("connection refused")),
    } as unknown as EventClient,
  });
  const ac = new AbortController();
  const running = sink.run(ac.signal);
  for (let i = 0; i < 50; i++) recorder.record(backOff(`p${i}`));
  assert.equal(recorder.size, 50);
  await until(() => sink.pending === 50 && clock.pendingTimers > 0, "the first attempt failed");
  ac.abort();
  await running;
  assert.equal(sink.posted, 0);
});

Deno.test("ApiEventSink.run() ends on abort even while a request hangs", async () => {
  const { api, clock, recorder, sink } = setup();
  api.intercept = () => new Promise(() => {}); // never answers
  const ac = new AbortController();
  const running = sink.run(ac.signal);
  for (let i = 0; i < 10; i++) recorder.record(backOff(`p${i}`));
  await until(() => api.requests.length === 1, "one request in flight");
  assert.equal(sink.pending, 10);
  ac.abort();
  await running;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("ApiEventSink holds at most maxPending events, dropping the newest with one warning a minute", async () => {
  const { api, clock, recorder, sink, warnings } = setup({ qps: 0 });
  const first = recorder.record(backOff("p0"));
  for (let i = 1; i < 1200; i++) recorder.record(backOff(`p${i}`));
  assert.deepEqual([sink.pending, sink.drops.queueFull], [1000, 200]);
  assert.equal(warnings("Too many queued events").length, 1);
  // A repeat of a queued event updates it and takes no slot.
  recorder.record(backOff("p0"));
  assert.deepEqual([sink.pending, sink.drops.queueFull], [1000, 200]);
  clock.step(60_000);
  recorder.record(backOff("late"));
  assert.equal(warnings("Too many queued events").length, 2);
  assert.equal(warnings("Too many queued events")[1].fields.heldBack, 199);
  await sink.drain();
  assert.equal(sink.posted, 1000);
  assert.equal(api.requests.length, 1000, "the repeat rode on the queued POST");
  assert.equal(api.get(`${EVENTS_NS1}/${first.name}`)?.count, 2);
});

Deno.test("ApiEventSink.run() sends what the recorder records, repeats as PATCH", async () => {
  const { api, recorder, sink } = setup();
  const ac = new AbortController();
  const running = sink.run(ac.signal);
  recorder.record(backOff());
  await until(() => sink.posted === 1, "the POST");
  recorder.record(backOff());
  await until(() => sink.patched === 1, "the PATCH");
  assert.deepEqual(api.requests.map((r) => r.method), ["POST", "PATCH"]);
  ac.abort();
  await running;
});

Deno.test("ApiEventSink applies eventRecordQPS / eventBurst on the injected clock", async () => {
  const { api, clock, recorder, sink } = setup({ qps: 1, burst: 2 });
  for (const p of ["a", "b", "c"]) recorder.record(backOff(p));
  const drained = sink.drain();
  await until(() => api.requests.length === 2 && clock.pendingTimers === 1, "the burst is spent");
  await clock.advance(1_000);
  assert.equal(await drained, "idle");
  assert.equal(api.requests.length, 3);
});

Deno.test("eventRateLimiter(): qps 0 is no limit; a negative qps or burst is refused", () => {
  const clock = new FakeClock();
  assert.equal(eventRateLimiter(0, 0, clock), UNLIMITED);
  assert.equal(eventRateLimiter(0, 100, clock), UNLIMITED);
  assert.notEqual(eventRateLimiter(50, 100, clock), UNLIMITED);
  assert.throws(() => eventRateLimiter(-1, 100, clock), RangeError);
  assert.throws(() => eventRateLimiter(5, -1, clock), RangeError);
  assert.throws(
    () => new ApiEventSink({ client: {} as EventClient, clock, maxPending: 0 }),
    RangeError,
  );
});
