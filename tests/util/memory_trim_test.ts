import assert from "node:assert/strict";
import { MemoryTrimmer, v8MemoryReducingGc } from "../../src/util/memory_trim.ts";
import { FakeClock } from "../../src/util/clock.ts";

const MiB = 1024 * 1024;

/** A process whose RSS the test sets; a collect drops it to `afterCollect`. */
function fakeProcess(rss: number, afterCollect: number) {
  const p = { rss, afterCollect, collects: 0 };
  return {
    p,
    rss: () => p.rss,
    collect: () => {
      p.collects++;
      p.rss = p.afterCollect;
    },
  };
}

Deno.test("MemoryTrimmer.step() trims at the first step and then only after the RSS grew by the threshold", async (t) => {
  const f = fakeProcess(140 * MiB, 99 * MiB);
  const trims: unknown[] = [];
  const trimmer = new MemoryTrimmer({
    clock: new FakeClock(),
    rss: f.rss,
    collect: f.collect,
    thresholdBytes: 8 * MiB,
    onTrim: (trim) => trims.push(trim),
  });
  await t.step("the first step always trims", () => {
    const trim = trimmer.step();
    assert.equal(f.p.collects, 1);
    assert.equal(trim?.rssBefore, 140 * MiB);
    assert.equal(trim?.rssAfter, 99 * MiB);
    assert.equal(trimmer.rssAfterLastTrim, 99 * MiB);
    assert.equal(trims.length, 1);
  });
  await t.step("growth below the threshold: no trim", () => {
    f.p.rss = 99 * MiB + 8 * MiB - 1;
    assert.equal(trimmer.step(), undefined);
    assert.equal(f.p.collects, 1);
  });
  await t.step("growth of the threshold: a trim, and the new RSS is the next baseline", () => {
    f.p.rss = 107 * MiB;
    f.p.afterCollect = 101 * MiB;
    assert.ok(trimmer.step());
    assert.equal(f.p.collects, 2);
    assert.equal(trimmer.rssAfterLastTrim, 101 * MiB);
    f.p.rss = 108 * MiB;
    assert.equal(trimmer.step(), undefined);
    assert.equal(f.p.collects, 2);
  });
});

Deno.test("MemoryTrimmer.run() steps once per period, the first after one period, until aborted", async () => {
  const clock = new FakeClock();
  const f = fakeProcess(50 * MiB, 40 * MiB);
  const trimmer = new MemoryTrimmer({ clock, rss: f.rss, collect: f.collect, periodMs: 15_000 });
  const ac = new AbortController();
  const running = trimmer.run(ac.signal);
  await clock.advance(14_999);
  assert.equal(f.p.collects, 0, "no step before one period");
  await clock.advance(1);
  assert.equal(f.p.collects, 1);
  f.p.rss = 60 * MiB; // grew by 20 MiB ≥ the default 8 MiB
  await clock.advance(15_000);
  assert.equal(f.p.collects, 2);
  await clock.advance(15_000);
  assert.equal(f.p.collects, 2, "same RSS since the trim: no trim");
  ac.abort();
  await running;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("MemoryTrimmer refuses a negative threshold", () => {
  assert.throws(
    () =>
      new MemoryTrimmer({
        clock: new FakeClock(),
        rss: () => 0,
        collect: () => {},
        thresholdBytes: -1,
      }),
    RangeError,
  );
});

Deno.test("v8MemoryReducingGc() calls gc with V8's last-resort major GC, or is undefined without gc", () => {
  assert.equal(v8MemoryReducingGc({}), undefined);
  const calls: unknown[] = [];
  const collect = v8MemoryReducingGc({ gc: (o: unknown) => calls.push(o) });
  assert.ok(collect);
  collect();
  assert.deepEqual(calls, [{ type: "major", execution: "sync", flavor: "last-resort" }]);
});

Deno.test("v8MemoryReducingGc() with --expose-gc returns V8's free pages (RSS drops after a burst)", async () => {
  // The real gc exists only under --v8-flags=--expose-gc: run a child that makes a burst.
  const code = `
    const rss = () => Deno.memoryUsage().rss;
    let live = [];
    for (let i = 0; i < 300; i++) {
      live.push(new Array(20000).fill(i).map((x) => ({ x })));
      if (live.length > 20) live = live.slice(10);
    }
    live = [];
    const { v8MemoryReducingGc } = await import(${
    JSON.stringify(new URL("../../src/util/memory_trim.ts", import.meta.url).href)
  });
    const collect = v8MemoryReducingGc();
    const before = rss();
    collect();
    console.log(JSON.stringify({ exposed: true, before, after: rss() }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--max-semi-space-size=1,--expose-gc", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.ok(
    r.after < r.before - 16 * MiB,
    `RSS ${(r.before / MiB).toFixed(1)} → ${(r.after / MiB).toFixed(1)} MiB`,
  );
});
