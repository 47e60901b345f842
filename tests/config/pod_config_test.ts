import assert from "node:assert/strict";
import type { Pod } from "../../src/api/types.ts";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
} from "../../src/api/pod_helpers.ts";
import { formatConfigSeen, PodConfig } from "../../src/config/pod_config.ts";
import type { PodSource, PodUpdate } from "../../src/config/pod_update.ts";
import type { SimpleEvent } from "../../src/container/events.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";

interface PodOpts {
  ns?: string;
  image?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  phase?: string;
  deletion?: string;
}

function pod(name: string, uid: string, o: PodOpts = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: o.ns ?? "default",
      uid,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deletion ? { deletionTimestamp: o.deletion, deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: { containers: [{ name: "c", image: o.image ?? "busybox:1" }] },
    ...(o.phase ? { status: { phase: o.phase } } : {}),
  };
}

/** The updates as compact `OP source [uids]` strings. */
function ops(updates: PodUpdate[]): string[] {
  return updates.map((u) =>
    `${u.op} ${u.source} [${u.pods.map((p) => p.metadata?.uid).join(",")}]`
  );
}

function setup() {
  const clock = new FakeClock(1_700_000_000_000);
  const events: SimpleEvent[] = [];
  const logger = createMemoryLogger();
  const config = new PodConfig({ clock, logger, recordEvent: (e) => events.push(e) });
  return { clock, events, logger, config };
}

Deno.test("merge() derives operations from successive snapshots", async (t) => {
  const cases: { name: string; before?: Pod[]; after: Pod[]; want: string[] }[] = [
    {
      name: "first state with pods is one ADD",
      after: [pod("a", "1"), pod("b", "2")],
      want: ["ADD file [1,2]"],
    },
    { name: "first empty state is an empty ADD (readiness)", after: [], want: ["ADD file []"] },
    {
      name: "an identical state is no update",
      before: [pod("a", "1")],
      after: [pod("a", "1")],
      want: [],
    },
    {
      name: "a spec change is an UPDATE",
      before: [pod("a", "1")],
      after: [pod("a", "1", { image: "busybox:2" })],
      want: ["UPDATE file [1]"],
    },
    {
      name: "a label change is an UPDATE",
      before: [pod("a", "1")],
      after: [pod("a", "1", { labels: { x: "y" } })],
      want: ["UPDATE file [1]"],
    },
    {
      name: "a non-local annotation change is an UPDATE",
      before: [pod("a", "1")],
      after: [pod("a", "1", { annotations: { note: "n" } })],
      want: ["UPDATE file [1]"],
    },
    {
      name: "a local annotation change is no update",
      before: [pod("a", "1")],
      after: [pod("a", "1", { annotations: { [CONFIG_SEEN_ANNOTATION]: "other" } })],
      want: [],
    },
    {
      name: "a status-only change is a RECONCILE",
      before: [pod("a", "1", { phase: "Pending" })],
      after: [pod("a", "1", { phase: "Running" })],
      want: ["RECONCILE file [1]"],
    },
    {
      name: "a deletion timestamp is a DELETE",
      before: [pod("a", "1")],
      after: [pod("a", "1", { deletion: "2026-01-01T00:00:00Z" })],
      want: ["DELETE file [1]"],
    },
    {
      name: "a pod gone from the source is a REMOVE",
      before: [pod("a", "1")],
      after: [],
      want: ["REMOVE file [1]"],
    },
    {
      name: "one merge orders REMOVE, ADD, UPDATE, DELETE, RECONCILE",
      before: [pod("r", "1"), pod("u", "2"), pod("d", "3"), pod("s", "4", { phase: "Pending" })],
      after: [
        pod("s", "4", { phase: "Running" }),
        pod("d", "3", { deletion: "2026-01-01T00:00:00Z" }),
        pod("u", "2", { image: "x:2" }),
        pod("n", "5"),
      ],
      want: [
        "REMOVE file [1]",
        "ADD file [5]",
        "UPDATE file [2]",
        "DELETE file [3]",
        "RECONCILE file [4]",
      ],
    },
    {
      name: "a new UID under the same name is REMOVE then ADD",
      before: [pod("a", "1")],
      after: [pod("a", "9")],
      want: ["REMOVE file [1]", "ADD file [9]"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const { config } = setup();
      if (c.before) config.merge("file", c.before);
      assert.deepEqual(ops(config.merge("file", c.after)), c.want);
    });
  }
});

Deno.test("merge() sends the empty ADD only on a first state without changes", () => {
  const { config } = setup();
  assert.deepEqual(ops(config.merge("file", [pod("a", "1", { phase: "Pending" })])), [
    "ADD file [1]",
  ]);
  assert.deepEqual(ops(config.merge("http", [])), ["ADD http []"]);
  assert.deepEqual(ops(config.merge("http", [])), []);
});

Deno.test("merge() stamps config.source and config.seen, and keeps seen on UPDATE", () => {
  const { config, clock } = setup();
  const [add] = config.merge("http", [pod("a", "1")]);
  const annotations = add.pods[0].metadata!.annotations!;
  assert.equal(annotations[CONFIG_SOURCE_ANNOTATION], "http");
  assert.equal(annotations[CONFIG_SEEN_ANNOTATION], "2023-11-14T22:13:20.000000000Z");
  clock.step(5_000);
  const [update] = config.merge("http", [pod("a", "1", { image: "b:2", annotations: { k: "v" } })]);
  assert.equal(update.op, "UPDATE");
  const after = update.pods[0].metadata!.annotations!;
  assert.equal(after[CONFIG_SEEN_ANNOTATION], "2023-11-14T22:13:20.000000000Z");
  assert.equal(after[CONFIG_SOURCE_ANNOTATION], "http");
  assert.equal(after.k, "v");
  assert.equal(update.pods[0].spec!.containers[0].image, "b:2");
});

Deno.test("formatConfigSeen() writes RFC 3339 UTC with fixed-width nanoseconds", async (t) => {
  const cases: [number, string][] = [
    [0, "1970-01-01T00:00:00.000000000Z"],
    [1_700_000_000_123, "2023-11-14T22:13:20.123000000Z"],
    [1_700_000_000_123.5, "2023-11-14T22:13:20.123500000Z"],
  ];
  for (const [ms, want] of cases) {
    await t.step(`${ms} -> ${want}`, () => assert.equal(formatConfigSeen(ms), want));
  }
});

Deno.test("merge() drops a duplicate full name within a source with one FailedValidation event", () => {
  const { config, events } = setup();
  const first = config.merge("file", [pod("a", "1"), pod("a", "2")]);
  assert.deepEqual(ops(first), ["ADD file [1]"]);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, "Warning");
  assert.equal(events[0].reason, "FailedValidation");
  assert.equal(events[0].pod, "a_default");
  assert.match(events[0].message, /duplicate pod name "a_default"/);
  config.merge("file", [pod("a", "1"), pod("a", "2")]);
  assert.equal(events.length, 1, "the same rejection is reported once");
  config.merge("file", [pod("a", "1", { ns: "other" }), pod("a", "2")]);
  assert.equal(events.length, 1, "no duplicate any more");
});

Deno.test("merge() rejects a duplicate UID and a pod without UID", () => {
  const { config, events } = setup();
  const noUid = pod("b", "x");
  delete (noUid.metadata as { uid?: string }).uid;
  assert.deepEqual(ops(config.merge("file", [pod("a", "1"), pod("c", "1"), noUid])), [
    "ADD file [1]",
  ]);
  assert.deepEqual(events.map((e) => e.pod), ["c_default", "b_default"]);
  assert.match(events[0].message, /duplicate pod UID "1"/);
  assert.match(events[1].message, /no metadata.uid/);
});

Deno.test("merge() keeps a full name with its first source and admits the other when it is free", () => {
  const { config, events } = setup();
  assert.deepEqual(ops(config.merge("file", [pod("web", "f1")])), ["ADD file [f1]"]);
  assert.deepEqual(ops(config.merge("http", [pod("web", "h1"), pod("other", "h2")])), [
    "ADD http [h2]",
  ]);
  assert.equal(events.length, 1);
  assert.match(
    events[0].message,
    /from http due to duplicate pod name "web_default", already used by a pod from file/,
  );
  assert.deepEqual(ops(config.merge("http", [pod("web", "h1"), pod("other", "h2")])), []);
  assert.equal(events.length, 1, "reported once");
  // The file pod goes away: the http pod takes the name in the same merge.
  assert.deepEqual(ops(config.merge("file", [])), ["REMOVE file [f1]", "ADD http [h1]"]);
  assert.deepEqual(config.snapshot().map((p) => p.metadata?.uid).sort(), ["h1", "h2"]);
  // Now the file pod is the late one.
  assert.deepEqual(ops(config.merge("file", [pod("web", "f1")])), []);
  assert.equal(events.length, 2);
});

Deno.test("sourcesReady.allReady() is true once every registered source sent a state", () => {
  const { config } = setup();
  config.addSource("file");
  config.addSource("http");
  assert.equal(config.sourcesReady.allReady(), false);
  config.merge("file", []);
  assert.equal(config.sourcesReady.allReady(), false);
  config.merge("http", [pod("a", "1")]);
  assert.equal(config.sourcesReady.allReady(), true);
  assert.deepEqual(config.sources(), ["file", "http"]);
});

Deno.test("addSource() rejects an empty name and '*'", () => {
  const { config } = setup();
  assert.throws(() => config.addSource(""), TypeError);
  assert.throws(() => config.addSource("*"), TypeError);
});

Deno.test("merge() hands out deep copies", () => {
  const { config } = setup();
  const input = [pod("a", "1")];
  const [add] = config.merge("file", input);
  add.pods[0].spec!.containers[0].image = "changed";
  input[0].spec!.containers[0].image = "changed too";
  assert.equal(config.snapshot()[0].spec!.containers[0].image, "busybox:1");
  assert.equal(input[0].metadata?.annotations, undefined, "the input is not stamped");
  config.snapshot()[0].metadata!.name = "x";
  assert.equal(config.snapshot()[0].metadata!.name, "a");
});

Deno.test("sync() publishes the merged state as a SET of source '*'", () => {
  const { config } = setup();
  config.merge("file", [pod("a", "1")]);
  config.merge("http", [pod("b", "2")]);
  const update = config.sync();
  assert.equal(update.op, "SET");
  assert.equal(update.source, "*");
  assert.deepEqual(update.pods.map((p) => p.metadata?.uid), ["1", "2"]);
});

Deno.test("updates() delivers every later update in order and ends when its signal aborts", async () => {
  const { config } = setup();
  config.merge("file", [pod("early", "0")]);
  const ac = new AbortController();
  const stream = config.updates(ac.signal);
  const seen: string[] = [];
  const done = (async () => {
    for await (const u of stream) seen.push(...ops([u]));
  })();
  config.merge("file", [pod("early", "0"), pod("a", "1")]);
  config.merge("file", [pod("a", "1")]);
  await flush();
  assert.deepEqual(seen, ["ADD file [1]", "REMOVE file [0]"]);
  ac.abort();
  await done;
  config.merge("file", []);
  assert.equal(seen.length, 2);
});

Deno.test("updates() gives each subscriber its own copies", async () => {
  const { config } = setup();
  const ac = new AbortController();
  const a = config.updates(ac.signal)[Symbol.asyncIterator]();
  const b = config.updates(ac.signal)[Symbol.asyncIterator]();
  config.merge("file", [pod("a", "1")]);
  const ua = (await a.next()).value as PodUpdate;
  ua.pods[0].metadata!.name = "mutated";
  const ub = (await b.next()).value as PodUpdate;
  assert.equal(ub.pods[0].metadata!.name, "a");
  ac.abort();
  assert.equal((await a.next()).done, true);
});

Deno.test("run() merges what each source sends, rejects naming a source that dies, and stops cleanly on abort", async () => {
  const { config, clock, logger } = setup();
  const fake = (name: string, pods: Pod[]): PodSource => ({
    name,
    async run(send, signal) {
      send(pods);
      try {
        await clock.sleep(60_000, signal);
      } catch {
        return;
      }
    },
  });
  const failing: PodSource = {
    name: "api",
    run() {
      return Promise.reject(new Error("boom"));
    },
  };
  const ac = new AbortController();
  const stream = config.updates(ac.signal);
  const running = config.run(
    [fake("file", [pod("a", "1")]), fake("http", []), failing],
    ac.signal,
  );
  const failure = assert.rejects(running, /pod source 'api' stopped: boom/);
  await flush();
  assert.equal(config.sourcesReady.allReady(), false, "the api source never sent a state");
  await failure;
  assert.equal(
    logger.records.filter((r) => r.severity === "error").length,
    0,
    "the agent logs it, once",
  );
  ac.abort();
  await flush();
  const got: string[] = [];
  for await (const u of stream) got.push(...ops([u]));
  assert.deepEqual(got, [], "the stream ended with the abort");
  assert.deepEqual(config.snapshot().map((p) => p.metadata?.uid), ["1"]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("merge() keeps a pod's config.hash change as an UPDATE", () => {
  const { config } = setup();
  config.merge("file", [pod("a", "1", { annotations: { [CONFIG_HASH_ANNOTATION]: "h1" } })]);
  const out = config.merge("file", [
    pod("a", "1", { annotations: { [CONFIG_HASH_ANNOTATION]: "h2" } }),
  ]);
  assert.deepEqual(ops(out), ["UPDATE file [1]"]);
});
