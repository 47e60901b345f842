import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { registerKubeletMetrics } from "../../src/metrics/kubelet_metrics.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { createHandler, type HealthCheck, podListOf } from "../../src/server/mod.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { parsePrometheusText } from "../metrics/_prom_parser.ts";

const BASE = "http://127.0.0.1:10255";

function pod(name: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: { containers: [{ name: "c", image: "busybox" }] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [{
        name: "c",
        ready: true,
        restartCount: 0,
        image: "busybox",
        imageID: "sha256:1",
        state: { running: { startedAt: "2026-11-23T12:00:00Z" } },
      }],
    },
  };
}

function get(path: string, init: RequestInit = {}): Request {
  return new Request(`${BASE}${path}`, init);
}

Deno.test("createHandler() /healthz answers 200 ok when every check passes", async () => {
  const h = createHandler({ healthChecks: [{ name: "syncloop", check: () => undefined }] });
  const res = await h(get("/healthz"));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
});

Deno.test("createHandler() /healthz answers 500 naming the failing check, reason logged", async () => {
  const logger = createMemoryLogger();
  const checks: HealthCheck[] = [
    { name: "log", check: () => undefined },
    { name: "syncloop", check: () => "sync Loop took longer than expected" },
  ];
  const h = createHandler({ healthChecks: checks, logger });
  const res = await h(get("/healthz"));
  assert.equal(res.status, 500);
  assert.equal(
    await res.text(),
    "[+]ping ok\n[+]log ok\n[-]syncloop failed: reason withheld\nhealthz check failed\n",
  );
  assert.ok(
    logger.records.some((r) => r.fields.reason === "sync Loop took longer than expected"),
  );
});

Deno.test("createHandler() /healthz variants: verbose, exclude, one check, throwing check", async (t) => {
  let failing = true;
  const checks: HealthCheck[] = [{
    name: "syncloop",
    check: () => failing ? "stale" : undefined,
  }, {
    name: "boom",
    check: () => {
      throw new Error("exploded");
    },
  }];
  const h = createHandler({ healthChecks: checks });
  await t.step("exclude skips failing checks", async () => {
    const res = await h(get("/healthz?exclude=syncloop&exclude=boom"));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
  });
  await t.step("a throwing check fails", async () => {
    const res = await h(get("/healthz?exclude=syncloop"));
    assert.equal(res.status, 500);
    assert.match(await res.text(), /\[-\]boom failed: reason withheld/);
  });
  await t.step("/healthz/<name> runs one check", async () => {
    const res = await h(get("/healthz/syncloop"));
    assert.equal(res.status, 500);
    assert.match(await res.text(), /stale/);
    failing = false;
    const ok = await h(get("/healthz/syncloop"));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "ok");
    assert.equal((await h(get("/healthz/ping"))).status, 200);
    assert.equal((await h(get("/healthz/nope"))).status, 404);
  });
  await t.step("verbose lists checks on success", async () => {
    const res = await h(get("/healthz?verbose&exclude=boom"));
    assert.equal(res.status, 200);
    assert.equal(
      await res.text(),
      "[+]ping ok\n[+]syncloop ok\n[+]boom excluded: ok\nhealthz check passed\n",
    );
  });
});

Deno.test("createHandler() /pods answers a v1 PodList with the statuses", async () => {
  const h = createHandler({ podList: () => [pod("a"), pod("b")] });
  const res = await h(get("/pods"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  const body = await res.json();
  assert.equal(body.kind, "PodList");
  assert.equal(body.apiVersion, "v1");
  assert.deepEqual(body.metadata, {});
  assert.equal(body.items.length, 2);
  assert.equal(body.items[0].kind, "Pod");
  assert.equal(body.items[0].apiVersion, "v1");
  assert.equal(body.items[1].metadata.name, "b");
  assert.equal(body.items[0].status.phase, "Running");
  // The empty list is still a list.
  const empty = await (await createHandler({ podList: () => [] })(get("/pods"))).json();
  assert.deepEqual(empty, { kind: "PodList", apiVersion: "v1", metadata: {}, items: [] });
});

Deno.test("podListOf() output decodes with kubectl (when installed)", async (t) => {
  let kubectl = true;
  try {
    await new Deno.Command("kubectl", {
      args: ["version", "--client"],
      stdout: "null",
      stderr: "null",
    })
      .output();
  } catch {
    kubectl = false;
  }
  await t.step({
    name: "kubectl label --local decodes every item",
    ignore: !kubectl, // kubectl is an optional peer (Debian package); decoding is extra confidence
    fn: async () => {
      const dir = await Deno.makeTempDir();
      try {
        const file = `${dir}/pods.json`;
        await Deno.writeTextFile(file, JSON.stringify(podListOf([pod("a"), pod("b")])));
        const out = await new Deno.Command("kubectl", {
          args: ["label", "--local", "-f", file, "checked=yes", "-o", "name"],
          env: { HOME: dir, KUBECONFIG: `${dir}/none` },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, stderr);
        assert.equal(new TextDecoder().decode(out.stdout), "pod/a\npod/b\n");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
});

Deno.test("createHandler() /metrics answers text format 0.0.4 a strict parser accepts", async () => {
  const registry = new MetricsRegistry();
  const m = registerKubeletMetrics(registry);
  m.runningPods.set({}, 1);
  m.runtimeOperationsDuration.observe({ operation_type: "version" }, 0.01);
  const h = createHandler({ metrics: registry });
  const res = await h(get("/metrics"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const fams = parsePrometheusText(await res.text());
  assert.equal(fams.get("kubelet_running_pods")!.samples[0].value, 1);
});

Deno.test("createHandler() answers errors with the right HTTP status", async (t) => {
  const h = createHandler({ podList: () => [], metrics: new MetricsRegistry() });
  const cases: [string, Request, number, Record<string, string>?][] = [
    ["unknown path", get("/nope"), 404],
    ["root", get("/"), 404],
    ["POST", get("/healthz", { method: "POST" }), 405, { allow: "GET, HEAD" }],
    ["DELETE", get("/pods", { method: "DELETE" }), 405, { allow: "GET, HEAD" }],
    [
      "PUT with body",
      get("/pods", { method: "PUT", body: "x", headers: { "content-length": "1" } }),
      413,
    ],
    ["GET with content-length", get("/pods", { headers: { "content-length": "5" } }), 413],
    ["chunked body", get("/pods", { headers: { "transfer-encoding": "chunked" } }), 413],
    ["long URL", get(`/pods?${"a".repeat(9000)}`), 414],
  ];
  for (const [name, req, status, headers] of cases) {
    await t.step(name, async () => {
      const res = await h(req);
      assert.equal(res.status, status);
      for (const [k, v] of Object.entries(headers ?? {})) assert.equal(res.headers.get(k), v);
      await res.body?.cancel();
    });
  }
  await t.step("/pods and /metrics are absent without their providers", async () => {
    const bare = createHandler();
    assert.equal((await bare(get("/pods"))).status, 404);
    assert.equal((await bare(get("/metrics"))).status, 404);
    assert.equal((await bare(get("/healthz"))).status, 200);
  });
});

Deno.test("createHandler() answers HEAD without a body and 500 when a provider throws", async () => {
  const h = createHandler({
    podList: () => {
      throw new Error("status manager broke");
    },
  });
  const head = await h(get("/healthz", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const res = await h(get("/pods"));
  assert.equal(res.status, 500);
  await res.body?.cancel();
});
