import assert from "node:assert/strict";
import { LogThrottle } from "../../src/util/log_throttle.ts";

Deno.test("LogThrottle.admit() shows burst lines per key and window, then demotes", () => {
  const t = new LogThrottle({ burst: 3, windowMs: 1000 });
  const shown = (key: string, now: number) => t.admit(key, now).show;
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => shown("a", i)), [true, true, true, false, false]);
  assert.equal(shown("b", 5), true, "another key has its own window");
  assert.equal(t.admit("a", 999).show, false);
  const next = t.admit("a", 1000);
  assert.deepEqual(next, { show: true, demotedBefore: 3, lastInWindow: false });
  t.admit("a", 1001);
  assert.deepEqual(t.admit("a", 1002), { show: true, demotedBefore: 0, lastInWindow: true });
});

Deno.test("LogThrottle keeps at most maxKeys windows", () => {
  const t = new LogThrottle({ burst: 1, windowMs: 1000, maxKeys: 10 });
  for (let i = 0; i < 100; i++) t.admit(`k${i}`, i);
  assert.ok(t.size <= 10, `${t.size} keys`);
  assert.equal(t.admit("k99", 100).show, false, "the newest key's window is kept");
});

Deno.test("new LogThrottle() rejects a burst below 1 or a window that is not positive", () => {
  assert.throws(() => new LogThrottle({ burst: 0 }), RangeError);
  assert.throws(() => new LogThrottle({ windowMs: NaN }), RangeError);
});
