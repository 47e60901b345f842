import assert from "node:assert/strict";
import { apiRateLimiter, TokenBucket, UNLIMITED } from "../../src/client/token_bucket.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";

Deno.test("TokenBucket lets `burst` requests through at once, then one per 1/qps", () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ qps: 50, burst: 100, clock });
  for (let i = 0; i < 100; i++) assert.equal(bucket.reserve(), 0, `request ${i} of the burst`);
  // The bucket is empty: the next ones queue 20 ms apart.
  assert.equal(bucket.reserve(), 20);
  assert.equal(bucket.reserve(), 40);
  clock.step(40);
  assert.equal(bucket.reserve(), 20, "the two queued have used what refilled");
  clock.step(10_000);
  assert.equal(bucket.tokensAt(clock.now()), 100, "refills up to burst, no more");
});

Deno.test("TokenBucket.wait() resolves when the clock reaches the reserved token, in order", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ qps: 5, burst: 2, clock });
  const done: number[] = [];
  const waits = [1, 2, 3, 4].map((n) => bucket.wait().then(() => done.push(n)));
  await flush();
  assert.deepEqual(done, [1, 2], "the burst passes without waiting");
  await clock.advance(199);
  assert.deepEqual(done, [1, 2]);
  await clock.advance(1);
  assert.deepEqual(done, [1, 2, 3], "the third after 1/qps = 200 ms");
  await clock.advance(200);
  assert.deepEqual(done, [1, 2, 3, 4]);
  await Promise.all(waits);
});

Deno.test("TokenBucket.wait() rejects on abort and gives the token back", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ qps: 1, burst: 1, clock });
  await bucket.wait();
  const stop = new AbortController();
  const waiting = bucket.wait(stop.signal);
  stop.abort(new Error("stopping"));
  await assert.rejects(waiting, /stopping/);
  assert.equal(clock.pendingTimers, 0, "no timer left behind");
  clock.step(1000);
  assert.equal(bucket.reserve(), 0, "the aborted reservation did not use the refilled token");
  await assert.rejects(bucket.wait(stop.signal), /stopping/, "an aborted signal rejects at once");
});

Deno.test("TokenBucket refuses a qps or burst it cannot honour", () => {
  const clock = new FakeClock();
  assert.throws(() => new TokenBucket({ qps: 0, burst: 1, clock }), RangeError);
  assert.throws(() => new TokenBucket({ qps: Infinity, burst: 1, clock }), RangeError);
  assert.throws(() => new TokenBucket({ qps: 1, burst: 0, clock }), RangeError);
  assert.throws(() => new TokenBucket({ qps: 1, burst: 1.5, clock }), RangeError);
});

Deno.test("apiRateLimiter() applies client-go's defaults for 0 and no limit for a negative qps", () => {
  const clock = new FakeClock();
  const kubelet = apiRateLimiter(50, 100, clock) as TokenBucket;
  assert.deepEqual([kubelet.qps, kubelet.burst], [50, 100]);
  const zero = apiRateLimiter(0, 0, clock) as TokenBucket;
  assert.deepEqual([zero.qps, zero.burst], [5, 10], "client-go's DefaultQPS / DefaultBurst");
  assert.equal(
    apiRateLimiter(-1, 0, clock),
    UNLIMITED,
    "the kubelet's heartbeat client runs unthrottled",
  );
});
