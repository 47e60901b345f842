import assert from "node:assert/strict";
import { followRelistCues } from "../../src/pleg/relist_cues.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";

/** A cue source the test pushes into; `fail(err)` ends the current stream with an error. */
function cueSource() {
  let push: ((v: "cue" | Error) => void) | undefined;
  const queue: ("cue" | Error)[] = [];
  let streams = 0;
  const source = async function* (signal: AbortSignal) {
    streams++;
    while (!signal.aborted) {
      const next = queue.shift() ??
        await new Promise<"cue" | Error>((resolve) => {
          push = resolve;
          signal.addEventListener("abort", () => resolve(new Error("aborted")), { once: true });
        });
      push = undefined;
      if (signal.aborted) return;
      if (next instanceof Error) throw next;
      yield next;
    }
  };
  const send = (v: "cue" | Error) => push ? push(v) : queue.push(v);
  return { source, send, streams: () => streams };
}

Deno.test("followRelistCues() asks for a relist at once on a cue, and again after the follow-ups", async () => {
  const clock = new FakeClock(0);
  const cues = cueSource();
  const relists: number[] = [];
  let told = 0;
  const ac = new AbortController();
  const done = followRelistCues(
    cues.source,
    { requestRelist: () => relists.push(clock.now()) },
    ac.signal,
    {
      clock,
      followUpMs: [10, 50],
      onCue: () => told++,
    },
  );
  await flush();
  cues.send("cue");
  await flush();
  assert.deepEqual(relists, [0]);
  assert.equal(told, 1, "onCue told of the cue");
  await clock.advance(60);
  assert.deepEqual(relists, [0, 10, 50]);
  ac.abort();
  await done;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("followRelistCues() follows a failed stream again after retryMs, and ends when unsupported", async () => {
  const clock = new FakeClock(0);
  const cues = cueSource();
  const logger = createMemoryLogger();
  const ac = new AbortController();
  const unsupported = new Error("UNIMPLEMENTED");
  const done = followRelistCues(cues.source, { requestRelist: () => {} }, ac.signal, {
    clock,
    logger,
    retryMs: 1000,
    followUpMs: [],
    isUnsupported: (err) => err === unsupported,
  });
  await flush();
  assert.equal(cues.streams(), 1);
  cues.send(new Error("UNAVAILABLE"));
  await flush();
  await clock.advance(999);
  assert.equal(cues.streams(), 1);
  await clock.advance(1);
  assert.equal(cues.streams(), 2, "followed again after the retry wait");
  cues.send(unsupported);
  await done; // ends by itself
  assert.ok(logger.records.some((r) => /no task event stream/.test(r.message)));
  assert.equal(ac.signal.aborted, false);
});

Deno.test("followRelistCues() trusts a stream open for settleMs, stops trusting it when it fails, and relists when it follows it again", async () => {
  const clock = new FakeClock(0);
  const cues = cueSource();
  const health: [number, boolean][] = [];
  const relists: number[] = [];
  const ac = new AbortController();
  const done = followRelistCues(
    cues.source,
    { requestRelist: () => relists.push(clock.now()) },
    ac.signal,
    {
      clock,
      retryMs: 1000,
      settleMs: 2000,
      followUpMs: [],
      onStreamHealth: (healthy) => health.push([clock.now(), healthy]),
    },
  );
  await clock.advance(1999);
  assert.deepEqual(health, []);
  assert.deepEqual(relists, [], "no relist for the first subscription (the PLEG relists at start)");
  await clock.advance(1);
  assert.deepEqual(health, [[2000, true]]);
  cues.send(new Error("UNAVAILABLE"));
  await flush();
  assert.deepEqual(health, [[2000, true], [2000, false]]);
  await clock.advance(1000);
  assert.equal(cues.streams(), 2);
  assert.deepEqual(relists, [3000], "followed again: a relist at once");
  cues.send(new Error("UNAVAILABLE")); // fails before it settles: never trusted
  await flush();
  assert.deepEqual(health, [[2000, true], [2000, false]]);
  ac.abort();
  await done;
  assert.equal(clock.pendingTimers, 0);
});
