import assert from "node:assert/strict";
import { Backoff } from "../../src/util/backoff.ts";

Deno.test("Backoff.next() starts at the initial delay, doubles, and caps at the maximum", () => {
  const b = new Backoff({ initialMs: 10_000, maxMs: 300_000 });
  const seen = [];
  for (let i = 0; i < 7; i++) seen.push(b.next("k", i * 1000));
  assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

Deno.test("Backoff resets a key idle for longer than twice the maximum", () => {
  const b = new Backoff({ initialMs: 10_000, maxMs: 300_000 });
  b.next("k", 0);
  b.next("k", 1);
  assert.equal(b.get("k"), 20_000);
  assert.equal(b.next("k", 1 + 600_001), 10_000);
});

Deno.test("Backoff.isInBackOffSince() compares the event time plus delay with now", async (t) => {
  const b = new Backoff({ initialMs: 10_000, maxMs: 300_000 });
  b.next("k", 1_000);
  const cases: [number, boolean][] = [[1_000, true], [10_999, true], [11_000, false]];
  for (const [now, expected] of cases) {
    await t.step(`now=${now}`, () => assert.equal(b.isInBackOffSince("k", 1_000, now), expected));
  }
  assert.equal(b.expiry("k", 1_000), 11_000);
  assert.equal(b.isInBackOffSince("other", 0, 0), false);
  // An event long after the last update (the container ran stably) is not backed off.
  assert.equal(b.isInBackOffSince("k", 1_000 + 600_001, 1_000 + 600_002), false);
});

Deno.test("Backoff.gc() drops idle keys and the constructor rejects bad bounds", () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1_000 });
  b.next("a", 0);
  b.next("b", 1_900);
  b.gc(2_500);
  assert.equal(b.get("a"), 0);
  assert.equal(b.get("b"), 100);
  assert.throws(() => new Backoff({ initialMs: 0 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), /initial 10 ms and max 5 ms/);
});
