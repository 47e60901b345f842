import assert from "node:assert/strict";
import { createStatsHandler, isStatsPath } from "../../src/stats/stats_handler.ts";
import type { SummaryGetOptions } from "../../src/stats/summary.ts";
import type { Summary } from "../../src/stats/types.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";

const T = 1_700_000_000_000;

function summaryOf(only: boolean): Summary {
  return {
    node: {
      nodeName: "node-1",
      startTime: T,
      memory: { time: T, workingSetBytes: 3000 },
      ...(only ? {} : { fs: { time: T, usedBytes: 1 } }),
    },
    pods: [],
  };
}

function fakeSummary(fail?: Error) {
  const calls: SummaryGetOptions[] = [];
  return {
    calls,
    get(options: SummaryGetOptions = {}): Promise<Summary> {
      calls.push(options);
      if (fail) return Promise.reject(fail);
      return Promise.resolve(summaryOf(options.onlyCpuAndMemory === true));
    },
  };
}

const url = (path: string) => `https://node-1:10250${path}`;

Deno.test("GET /stats/summary answers the full summary as JSON", async () => {
  const summary = fakeSummary();
  const handler = createStatsHandler({ summary });
  const res = await handler(new Request(url("/stats/summary")));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  const body = await res.json();
  assert.equal(body.node.nodeName, "node-1");
  assert.equal(body.node.startTime, "2023-11-14T22:13:20Z");
  assert.ok(body.node.fs);
  assert.deepEqual(summary.calls, [{ onlyCpuAndMemory: false }]);
});

Deno.test("/stats/summary reads only_cpu_and_memory as the kubelet does", async (t) => {
  const cases: [string, boolean][] = [
    ["?only_cpu_and_memory=true", true],
    ["?only_cpu_and_memory=True", false],
    ["?only_cpu_and_memory=1", false],
    ["?only_cpu_and_memory=true&only_cpu_and_memory=true", false],
    ["", false],
  ];
  for (const [query, only] of cases) {
    await t.step(query || "(none)", async () => {
      const summary = fakeSummary();
      const res = await createStatsHandler({ summary })(
        new Request(url(`/stats/summary${query}`)),
      );
      assert.equal(res.status, 200);
      assert.equal((await res.json()).node.fs === undefined, only);
      assert.deepEqual(summary.calls, [{ onlyCpuAndMemory: only }]);
    });
  }
});

Deno.test("POST /stats/summary is served like GET; PUT gets 405", async () => {
  const handler = createStatsHandler({ summary: fakeSummary() });
  const post = await handler(new Request(url("/stats/summary"), { method: "POST" }));
  assert.equal(post.status, 200);
  await post.body?.cancel();
  const put = await handler(new Request(url("/stats/summary"), { method: "PUT" }));
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET, HEAD, POST");
  await put.body?.cancel();
});

Deno.test("/stats/summary answers 500 Internal Error when the summary fails, and logs it", async () => {
  const logger = createMemoryLogger();
  const handler = createStatsHandler({
    summary: fakeSummary(new Error("failed to list pod stats: Unavailable")),
    logger,
  });
  const res = await handler(new Request(url("/stats/summary")));
  assert.equal(res.status, 500);
  assert.equal(await res.text(), "Internal Error: failed to list pod stats: Unavailable");
  assert.equal(logger.records.length, 1);
});

Deno.test("GET /metrics/resource answers the resource metrics from a CPU-and-memory summary", async () => {
  const summary = fakeSummary();
  const res = await createStatsHandler({ summary })(new Request(url("/metrics/resource")));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  assert.match(text, /^node_memory_working_set_bytes 3000 1700000000000$/m);
  assert.match(text, /^resource_scrape_error 0$/m);
  assert.deepEqual(summary.calls, [{ onlyCpuAndMemory: true }]);
});

Deno.test("/metrics/resource answers resource_scrape_error 1 when the summary fails", async () => {
  const res = await createStatsHandler({ summary: fakeSummary(new Error("down")) })(
    new Request(url("/metrics/resource")),
  );
  assert.equal(res.status, 200);
  assert.match(await res.text(), /^resource_scrape_error 1$/m);
});

Deno.test("the stats handler answers HEAD without a body, 405 and 404", async () => {
  const handler = createStatsHandler({ summary: fakeSummary() });
  const head = await handler(new Request(url("/metrics/resource"), { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const post = await handler(new Request(url("/metrics/resource"), { method: "POST" }));
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const other = await handler(new Request(url("/stats/summary/")));
  assert.equal(other.status, 404);
  await other.body?.cancel();
  assert.ok(isStatsPath("/stats/summary") && isStatsPath("/metrics/resource"));
  assert.ok(!isStatsPath("/stats/") && !isStatsPath("/metrics"));
});
