import assert from "node:assert/strict";
import { EventChannel, type PodLifecycleEvent } from "../../src/pleg/pleg.ts";
import { flush } from "../../src/util/clock.ts";

const ev = (data: string): PodLifecycleEvent => ({ podUid: "u", type: "ContainerStarted", data });

Deno.test("EventChannel.send() drops and counts events beyond capacity", () => {
  const dropped: string[] = [];
  const ch = new EventChannel({ capacity: 2, onDiscard: (e) => dropped.push(e.data) });
  assert.equal(ch.send(ev("a")), true);
  assert.equal(ch.send(ev("b")), true);
  assert.equal(ch.send(ev("c")), false);
  assert.equal(ch.discarded, 1);
  assert.deepEqual(dropped, ["c"]);
  assert.deepEqual(ch.drain().map((e) => e.data), ["a", "b"]);
  assert.equal(ch.length, 0);
  assert.throws(() => new EventChannel({ capacity: 0 }), RangeError);
});

Deno.test("EventChannel.receive() yields buffered and later events until aborted", async () => {
  const ch = new EventChannel();
  ch.send(ev("a"));
  const ac = new AbortController();
  const got: string[] = [];
  const reader = (async () => {
    for await (const e of ch.receive(ac.signal)) got.push(e.data);
  })();
  await flush();
  assert.deepEqual(got, ["a"]);
  ch.send(ev("b"));
  ch.send(ev("c"));
  await flush();
  assert.deepEqual(got, ["a", "b", "c"]);
  ac.abort();
  await reader;
});
