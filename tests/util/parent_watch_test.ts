import assert from "node:assert/strict";
import { watchParent } from "../../src/util/parent_watch.ts";
import { FakeClock } from "../../src/util/clock.ts";

Deno.test("watchParent() calls onParentGone once when the parent PID changes, then resolves", async () => {
  const clock = new FakeClock();
  let ppid = 4242;
  const gone: Array<[number, number]> = [];
  const ac = new AbortController();
  const watching = watchParent({
    clock,
    signal: ac.signal,
    ppid: () => ppid,
    onParentGone: (a, b) => gone.push([a, b]),
  });
  await clock.advance(10_000);
  assert.deepEqual(gone, [], "same parent: nothing happens");
  ppid = 1;
  await clock.advance(1_000);
  await watching;
  assert.deepEqual(gone, [[4242, 1]]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("watchParent() stops on its signal", async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  const watching = watchParent({ clock, signal: ac.signal, ppid: () => 7, onParentGone: () => {} });
  ac.abort();
  await watching;
  assert.equal(clock.pendingTimers, 0);
});
