import assert from "node:assert/strict";
import { aboutPod, EventRecorder, toRecordEvent } from "../../src/container/events.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createLogger, createMemoryLogger } from "../../src/util/logger.ts";
import { pullBackOffLogVolume } from "./_pull_back_off_scenario.ts";

const obj = { kind: "Pod", namespace: "default", name: "web", uid: "u1" };

Deno.test("EventRecorder.record() aggregates identical events with count and timestamps", () => {
  const clock = new FakeClock(1000);
  const rec = new EventRecorder({ clock });
  rec.record({ type: "Normal", reason: "Pulled", message: "pulled", involvedObject: obj });
  clock.step(500);
  rec.record({ type: "Warning", reason: "BackOff", message: "back-off", involvedObject: obj });
  clock.step(500);
  const ev = rec.record({
    type: "Normal",
    reason: "Pulled",
    message: "pulled",
    involvedObject: obj,
  });
  assert.equal(ev.count, 2);
  assert.equal(ev.firstTimestamp, 1000);
  assert.equal(ev.lastTimestamp, 2000);
  assert.equal(rec.size, 2);
  // The aggregated event is now the newest.
  assert.deepEqual(rec.list().map((e) => e.reason), ["BackOff", "Pulled"]);
  assert.equal(ev.source.component, "kubelet");
});

Deno.test("EventRecorder.record() treats a different message or fieldPath as a new event", () => {
  const rec = new EventRecorder({ clock: new FakeClock() });
  rec.record({ type: "Normal", reason: "Started", message: "a", involvedObject: obj });
  rec.record({ type: "Normal", reason: "Started", message: "b", involvedObject: obj });
  rec.record({
    type: "Normal",
    reason: "Started",
    message: "a",
    involvedObject: { ...obj, fieldPath: "spec.containers{x}" },
  });
  assert.equal(rec.size, 3);
});

Deno.test("EventRecorder keeps only the newest maxEvents", () => {
  const rec = new EventRecorder({ clock: new FakeClock(), maxEvents: 3 });
  for (let i = 0; i < 5; i++) {
    rec.record({ type: "Normal", reason: "R", message: `m${i}`, involvedObject: obj });
  }
  assert.deepEqual(rec.list().map((e) => e.message), ["m2", "m3", "m4"]);
  assert.throws(() => new EventRecorder({ clock: new FakeClock(), maxEvents: 0 }), RangeError);
});

Deno.test("EventRecorder.list() filters by object, type and reason", () => {
  const rec = new EventRecorder({ clock: new FakeClock() });
  rec.record({ type: "Normal", reason: "Started", message: "a", involvedObject: obj });
  rec.record({
    type: "Warning",
    reason: "Failed",
    message: "b",
    involvedObject: { ...obj, name: "db", uid: "u2" },
  });
  assert.equal(rec.list({ uid: "u2" }).length, 1);
  assert.equal(rec.list({ type: "Warning" })[0].reason, "Failed");
  assert.equal(rec.list({ name: "web", reason: "Started" }).length, 1);
  assert.equal(rec.list({ namespace: "other" }).length, 0);
});

Deno.test("EventRecorder logs Normal events at --v=3 like the kubelet, warnings as warn", () => {
  const logger = createMemoryLogger();
  const rec = new EventRecorder({ clock: new FakeClock(), logger });
  rec.record({ type: "Normal", reason: "Started", message: "a", involvedObject: obj });
  rec.record({ type: "Warning", reason: "Failed", message: "b", involvedObject: obj });
  assert.deepEqual(logger.records.map((r) => [r.severity, r.verbosity]), [
    ["debug", 3],
    ["warn", 0],
  ]);
  assert.equal(logger.records[1].fields.reason, "Failed");
  assert.equal(logger.records[1].fields.object, "default/web");
  // At the default --v=0 only the warning is written.
  const lines: string[] = [];
  const quiet = new EventRecorder({
    clock: new FakeClock(),
    logger: createLogger({ sink: (l) => lines.push(l) }),
  });
  quiet.record({ type: "Normal", reason: "Pulling", message: "a", involvedObject: obj });
  quiet.record({ type: "Warning", reason: "Failed", message: "b", involvedObject: obj });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^W.* Event occurred .*reason=Failed/);
});

Deno.test("EventRecorder shows 10 similar warnings per object and reason in 10 min, the rest at --v=3", () => {
  const clock = new FakeClock(0);
  const logger = createMemoryLogger();
  const rec = new EventRecorder({ clock, logger });
  const warn = (i: number, reason = "Failed", name = "web") =>
    rec.record({
      type: "Warning",
      reason,
      message: `Failed to pull image "app-${i}:1"`,
      involvedObject: { ...obj, name, fieldPath: `spec.containers{c${i}}` },
    });
  for (let i = 0; i < 25; i++) warn(i);
  const visible = () => logger.records.filter((r) => r.severity === "warn");
  assert.equal(visible().length, 10);
  assert.equal(logger.records.length, 25, "every event is still logged at --v=3");
  assert.deepEqual(logger.records.slice(10).map((r) => r.verbosity), Array(15).fill(3));
  assert.match(String(visible()[9].fields.aggregated), /in the next 10m are logged at --v=3/);
  // Another reason or another pod has its own window.
  warn(0, "BackOff");
  warn(0, "Failed", "db");
  assert.equal(visible().length, 12);
  // The next window shows again and says how many were held back.
  clock.step(600_000);
  warn(99);
  assert.equal(visible().length, 13);
  assert.equal(visible()[12].fields.heldBack, 15);
});

Deno.test("EventRecorder.watch() calls listeners until unsubscribed", () => {
  const rec = new EventRecorder({ clock: new FakeClock() });
  const seen: string[] = [];
  const stop = rec.watch((e) => seen.push(`${e.reason}:${e.count}`));
  rec.record({ type: "Normal", reason: "Started", message: "a", involvedObject: obj });
  rec.record({ type: "Normal", reason: "Started", message: "a", involvedObject: obj });
  stop();
  rec.record({ type: "Normal", reason: "Killing", message: "a", involvedObject: obj });
  assert.deepEqual(seen, ["Started:1", "Started:2"]);
});

Deno.test("toRecordEvent() maps the short shape to a pod reference", async (t) => {
  const rec = new EventRecorder({ clock: new FakeClock(), host: "node1" });
  const recordEvent = toRecordEvent(rec);
  await t.step("pod full name name_namespace", () => {
    recordEvent({
      type: "Normal",
      reason: "Pulling",
      message: "Pulling image",
      pod: "web_prod",
      uid: "u1",
      fieldPath: "spec.containers{app}",
    });
    const e = rec.list({ reason: "Pulling" })[0];
    assert.deepEqual(e.involvedObject, {
      kind: "Pod",
      apiVersion: "v1",
      namespace: "prod",
      name: "web",
      uid: "u1",
      fieldPath: "spec.containers{app}",
    });
    assert.deepEqual(e.source, { component: "kubelet", host: "node1" });
  });
  await t.step("plain pod name with namespace", () => {
    recordEvent({ type: "Normal", reason: "X", message: "m", pod: "web", namespace: "ns" });
    const o = rec.list({ reason: "X" })[0].involvedObject;
    assert.equal(o.name, "web");
    assert.equal(o.namespace, "ns");
  });
  await t.step("no pod means the node", () => {
    recordEvent({ type: "Warning", reason: "ImageGCFailed", message: "m" });
    const o = rec.list({ reason: "ImageGCFailed" })[0].involvedObject;
    assert.equal(o.kind, "Node");
    assert.equal(o.name, "node1");
  });
});

Deno.test("EventRecorder keeps a pod of 500 containers in image-pull back-off to a few lines a minute at --v=0", async () => {
  // Measured before the fix: minute 1 6,006 lines (1.4 MB), then 2,002 lines
  // (469 KB) a minute, the longest line 70,931 bytes.
  const [first, second, third] = await pullBackOffLogVolume({ containers: 500, minutes: 3 });
  assert.ok(first.lines <= 30, `minute 1: ${first.lines} lines`);
  assert.ok(second.lines <= 10, `minute 2: ${second.lines} lines`);
  assert.ok(third.lines <= 10, `minute 3: ${third.lines} lines`);
  assert.ok(first.bytes <= 20_000, `minute 1: ${first.bytes} bytes`);
  assert.ok(Math.max(first.longest, second.longest) <= 1_500, `longest ${first.longest} bytes`);
});

Deno.test("aboutPod() names the pod by full name and uid, and a container by its field path", async (t) => {
  const pod = {
    metadata: { name: "web", namespace: "prod", uid: "u1" },
    spec: { containers: [{ name: "app" }], initContainers: [{ name: "setup" }] },
  };
  await t.step("the pod", () => assert.deepEqual(aboutPod(pod), { pod: "web_prod", uid: "u1" }));
  await t.step("a container", () =>
    assert.deepEqual(aboutPod(pod, "setup"), {
      pod: "web_prod",
      uid: "u1",
      fieldPath: "spec.initContainers{setup}",
    }));
  await t.step(
    "a container the pod does not have: no field path",
    () => assert.deepEqual(aboutPod(pod, "gone"), { pod: "web_prod", uid: "u1" }),
  );
  await t.step("recorded, it is a reference to the pod's container", () => {
    const rec = new EventRecorder({ clock: new FakeClock() });
    toRecordEvent(rec)({
      type: "Warning",
      reason: "Unhealthy",
      message: "m",
      ...aboutPod(pod, "app"),
    });
    assert.deepEqual(rec.list()[0].involvedObject, {
      kind: "Pod",
      apiVersion: "v1",
      namespace: "prod",
      name: "web",
      uid: "u1",
      fieldPath: "spec.containers{app}",
    });
  });
});
