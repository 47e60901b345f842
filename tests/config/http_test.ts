import assert from "node:assert/strict";
import type { Pod } from "../../src/api/types.ts";
import { CONFIG_SOURCE_ANNOTATION } from "../../src/api/pod_helpers.ts";
import { HttpSource, type HttpSourceOptions } from "../../src/config/http.ts";
import { PodConfig } from "../../src/config/pod_config.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { podObject, podYaml, startRun, waitFor } from "./_helpers.ts";

interface Server {
  url: string;
  /** Method and headers of every request received, copied while it was open. */
  requests: { method: string; headers: Headers }[];
  /** What the server answers; replace it per test step. */
  handler: (req: Request) => Response | Promise<Response>;
}

async function withServer(fn: (server: Server) => Promise<void>): Promise<void> {
  const state: Server = { url: "", requests: [], handler: () => new Response("") };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      state.requests.push({ method: req.method, headers: new Headers(req.headers) });
      return state.handler(req);
    },
  );
  state.url = `http://127.0.0.1:${server.addr.port}/pods`;
  try {
    await fn(state);
  } finally {
    await server.shutdown();
  }
}

function source(url: string, options: Partial<HttpSourceOptions> = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const logger = createMemoryLogger();
  const src = new HttpSource(url, { nodeName: "node-1", clock, logger, ...options });
  return { src, clock, logger };
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

function podsOf(result: Awaited<ReturnType<HttpSource["pollOnce"]>>): Pod[] {
  assert.equal(result.kind, "pods", JSON.stringify(result));
  return (result as { pods: Pod[] }).pods;
}

Deno.test("HttpSource.pollOnce() reads a Pod in YAML with URL pod defaults", async () => {
  await withServer(async (server) => {
    server.handler = () => new Response(podYaml("web"));
    const { src } = source(server.url);
    const [pod] = podsOf(await src.pollOnce());
    assert.equal(pod.metadata?.name, "web-node-1");
    assert.equal(pod.metadata?.namespace, "default");
    assert.equal(pod.spec?.nodeName, "node-1");
    assert.equal(pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION], "http");
    assert.match(pod.metadata!.uid!, /^[0-9a-f]{32}$/);
    assert.equal(pod.spec?.tolerations, undefined, "no NoExecute toleration for URL pods");
    assert.equal(server.requests[0].method, "GET");
  });
});

Deno.test("HttpSource.pollOnce() serves the good items of a PodList and names each bad item once", async () => {
  await withServer(async (server) => {
    const list = { apiVersion: "v1", kind: "PodList", items: [podObject("a"), podObject("b")] };
    server.handler = () => Response.json(list);
    const { src, logger } = source(server.url);
    assert.deepEqual(names(podsOf(await src.pollOnce())), ["a-node-1", "b-node-1"]);
    // The cases: wrong types in one item threw and stopped the whole source.
    list.items.push(
      { ...podObject("c"), spec: { containers: [] } },
      {
        ...podObject("d"),
        spec: { containers: [{ name: "main", image: "busybox", volumeMounts: 3.7 }] },
      },
      { ...podObject("e"), spec: { containers: [{ name: "main", image: "i", ports: [null] }] } },
      podObject("f"),
    );
    const result = await src.pollOnce();
    assert.deepEqual(names(podsOf(result)), ["a-node-1", "b-node-1", "f-node-1"]);
    const rejected = (result as { rejected?: string[] }).rejected ?? [];
    assert.equal(rejected.length, 3);
    assert.match(rejected[0], /^items\[2\]: invalid pod: field 'spec.containers'/);
    assert.match(rejected[1], /^items\[3\]: .*'spec.containers\[0\].volumeMounts' must be a list/);
    assert.match(rejected[2], /^items\[4\]: .*'spec.containers\[0\].ports\[0\].containerPort'/);
    const errors = () => logger.records.filter((r) => r.severity === "error");
    assert.equal(errors().length, 3, "one line per bad item");
    assert.equal(src.consecutiveFailures, 0, "a list with bad items is still a good poll");
    assert.deepEqual(await src.pollOnce(), { kind: "unchanged" });
    assert.equal(errors().length, 3, "an unchanged body is not reported again");
  });
});

Deno.test("HttpSource masks the URL's userinfo and query values in logs and reasons", async () => {
  await withServer(async (server) => {
    server.handler = () => new Response("nope", { status: 403 });
    const port = new URL(server.url).port;
    const url = `http://admin:hunter2@127.0.0.1:${port}/pods?token=abc&x`;
    const { src, logger } = source(url);
    const result = await src.pollOnce();
    assert.equal(result.kind, "error");
    const reason = (result as { reason: string }).reason;
    assert.equal(reason, `http://<masked>@127.0.0.1:${port}/pods?token=<masked>&x: 403 Forbidden`);
    assert.equal(src.maskedUrl, `http://<masked>@127.0.0.1:${port}/pods?token=<masked>&x`);
    const text = JSON.stringify(logger.records);
    assert.ok(logger.records.length > 0);
    assert.ok(!text.includes("hunter2") && !text.includes("abc"), text);
    assert.throws(
      () => new HttpSource("ftp://u:hunter2@x/?t=abc", { nodeName: "n", clock: new FakeClock() }),
      (err: Error) => !err.message.includes("hunter2") && !err.message.includes("abc"),
    );
  });
});

Deno.test("HttpSource.run() keeps polling when a poll throws unexpectedly, reporting it once", async () => {
  await withServer(async (server) => {
    server.handler = () => new Response(podYaml("a"));
    const { src, clock, logger } = source(server.url);
    const real = src.pollOnce.bind(src);
    let calls = 0;
    src.pollOnce = (signal) => {
      calls++;
      return calls === 2 || calls === 3 ? Promise.reject(new Error("boom")) : real(signal);
    };
    const { sent, stop } = startRun(src);
    await waitFor(() => sent.length === 1 && clock.pendingTimers === 1, "poll 1");
    for (let i = 2; i <= 4; i++) {
      await clock.advance(20_000);
      await waitFor(() => calls === i && clock.pendingTimers === 1, `poll ${i}`);
    }
    assert.equal(server.requests.length, 2, "polling went on after the throws");
    const defects = logger.records.filter((r) => r.message.includes("unexpectedly"));
    assert.equal(defects.length, 1, "a repeated defect is logged once");
    await stop();
  });
});

Deno.test("HttpSource.pollOnce() sends the configured headers, repeated names in order", async () => {
  await withServer(async (server) => {
    server.handler = () => new Response("");
    const { src } = source(server.url, {
      headers: { "X-Token": "secret", "X-Multi": ["one", "two"] },
    });
    await src.pollOnce();
    const req = server.requests[0];
    assert.equal(req.headers.get("x-token"), "secret");
    assert.equal(req.headers.get("x-multi"), "one, two");
  });
});

Deno.test("HttpSource.pollOnce() outcomes", async (t) => {
  await withServer(async (server) => {
    const { src } = source(server.url);
    await t.step("an empty 200 body is an empty pod set", async () => {
      server.handler = () => new Response("");
      assert.deepEqual(podsOf(await src.pollOnce()), []);
    });
    await t.step("an identical body is skipped", async () => {
      assert.deepEqual(await src.pollOnce(), { kind: "unchanged" });
      server.handler = () => new Response(podYaml("a"));
      assert.equal(podsOf(await src.pollOnce()).length, 1);
      assert.deepEqual(await src.pollOnce(), { kind: "unchanged" });
    });
    await t.step("a status other than 200 is an error", async () => {
      server.handler = () => new Response("nope", { status: 404 });
      assert.deepEqual(await src.pollOnce(), {
        kind: "error",
        reason: `${server.url}: 404 Not Found`,
      });
    });
    await t.step("a body that is not a Pod or PodList is an error", async () => {
      server.handler = () => new Response("kind: Service\napiVersion: v1\n");
      const result = await src.pollOnce();
      assert.match(
        (result as { reason: string }).reason,
        /not a Pod or PodList: kind is 'Service'/,
      );
      assert.deepEqual(await src.pollOnce(), { kind: "unchanged" }, "a known bad body is skipped");
    });
  });
});

Deno.test("HttpSource logs the first 3 failures, then drops to verbosity 4 until a success", async () => {
  await withServer(async (server) => {
    server.handler = () => new Response("", { status: 500 });
    const { src, logger } = source(server.url);
    for (let i = 0; i < 6; i++) await src.pollOnce();
    const records = logger.records.map((r) => `${r.severity}:${r.verbosity}`);
    assert.deepEqual(records, ["error:0", "error:0", "error:0", "error:0", "debug:4", "debug:4"]);
    assert.match(logger.records[3].message, /dropping verbosity/);
    assert.equal(src.consecutiveFailures, 6);
    server.handler = () => new Response(podYaml("a"));
    await src.pollOnce();
    assert.equal(src.consecutiveFailures, 0);
    assert.equal(logger.records.at(-1)?.message, "Successfully read pods from manifest URL");
  });
});

Deno.test("HttpSource.pollOnce() refuses a body over 10 MiB", async (t) => {
  await withServer(async (server) => {
    const big = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x23);
    const { src } = source(server.url);
    await t.step("with a Content-Length", async () => {
      server.handler = () => new Response(big);
      const result = await src.pollOnce();
      assert.match((result as { reason: string }).reason, /larger than 10485760 bytes/);
    });
    await t.step("streamed without a length", async () => {
      server.handler = () =>
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(big.subarray(0, 6 * 1024 * 1024));
              c.enqueue(big.subarray(6 * 1024 * 1024));
              c.close();
            },
          }),
        );
      const result = await src.pollOnce();
      assert.match((result as { reason: string }).reason, /larger than 10485760 bytes/);
    });
  });
});

Deno.test("HttpSource.pollOnce() gives up after the timeout of the injected clock", async () => {
  await withServer(async (server) => {
    let release = () => {};
    const hanging = new Promise<void>((resolve) => release = resolve);
    server.handler = async () => {
      await hanging;
      return new Response("");
    };
    const { src, clock } = source(server.url);
    try {
      const poll = src.pollOnce();
      await waitFor(() => server.requests.length === 1, "the request to arrive");
      clock.step(9_999);
      clock.step(1);
      const result = await poll;
      assert.deepEqual(result, {
        kind: "error",
        reason: `${server.url}: timed out after 10000 ms`,
      });
      assert.equal(clock.pendingTimers, 0);
    } finally {
      release();
    }
  });
});

Deno.test("HttpSource keeps a pod's UID when the served content changes", async () => {
  await withServer(async (server) => {
    server.handler = () => new Response(podYaml("web", "nginx:1"));
    const { src, clock } = source(server.url);
    const config = new PodConfig({ clock });
    assert.deepEqual(config.merge("http", podsOf(await src.pollOnce())).map((u) => u.op), ["ADD"]);
    server.handler = () => new Response(podYaml("web", "nginx:2"));
    assert.deepEqual(config.merge("http", podsOf(await src.pollOnce())).map((u) => u.op), [
      "UPDATE",
    ]);
  });
});

Deno.test("HttpSource.run() polls every period, sends only new sets and never sends on errors", async () => {
  await withServer(async (server) => {
    server.handler = () => new Response("", { status: 503 });
    const { src, clock } = source(server.url, { checkFrequencyMs: 20_000 });
    const config = new PodConfig({ clock });
    config.addSource("http");
    const { sent, stop } = startRun(src, (pods) => config.merge("http", pods));
    await waitFor(() => server.requests.length === 1 && clock.pendingTimers === 1, "poll 1");
    assert.equal(sent.length, 0);
    assert.equal(config.sourcesReady.allReady(), false, "errors never make the source ready");
    server.handler = () => new Response(podYaml("a"));
    await clock.advance(20_000);
    await waitFor(() => sent.length === 1, "poll 2");
    assert.equal(config.sourcesReady.allReady(), true);
    await clock.advance(20_000);
    await waitFor(() => server.requests.length === 3 && clock.pendingTimers === 1, "poll 3");
    assert.equal(sent.length, 1, "identical body not sent");
    server.handler = () => new Response("", { status: 500 });
    await clock.advance(20_000);
    await waitFor(() => server.requests.length === 4 && clock.pendingTimers === 1, "poll 4");
    assert.equal(sent.length, 1);
    assert.deepEqual(names(config.snapshot()), ["a-node-1"], "the last good set stays");
    server.handler = () => new Response("");
    await clock.advance(20_000);
    await waitFor(() => sent.length === 2, "poll 5");
    assert.deepEqual(config.snapshot(), [], "an empty body clears the set");
    await stop();
  });
});

Deno.test("HttpSource constructor rejects bad URLs and options", () => {
  const clock = new FakeClock();
  assert.throws(() => new HttpSource("not a url", { nodeName: "n", clock }), TypeError);
  assert.throws(() => new HttpSource("ftp://x/pods", { nodeName: "n", clock }), TypeError);
  assert.throws(() => new HttpSource("http://x/pods", { nodeName: "", clock }), TypeError);
  assert.throws(
    () => new HttpSource("http://x/", { nodeName: "n", clock, timeoutMs: 0 }),
    RangeError,
  );
});
