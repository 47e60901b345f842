import assert from "node:assert/strict";
import type { AgentDeps } from "../../src/agent/_deps.ts";
import {
  createDebugRoutes,
  kubeletApiRouting,
  readOnlyRouting,
} from "../../src/agent/debug_handlers.ts";
import type { PodPipeline } from "../../src/agent/pod_pipeline.ts";
import type { RuntimeSide } from "../../src/agent/runtime_side.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { nullLogger } from "../../src/util/logger.ts";
import { HEAD, load } from "../options/_helpers.ts";

async function routesFor(args: string[], config = "") {
  const options = await load(["--config=/k.yaml", ...args], { "/k.yaml": HEAD + config });
  const deps = { options, clock: new FakeClock(0), logger: nullLogger } as unknown as AgentDeps;
  const rt = {
    runtime: { getPods: () => Promise.resolve([]), listContainerStats: () => Promise.resolve([]) },
    cache: { get: () => ({ status: undefined }) },
  } as unknown as RuntimeSide;
  const pods = { statusManager: { pods: () => [] } } as unknown as PodPipeline;
  const routes = createDebugRoutes(deps, rt, pods);
  const local = () => Promise.resolve(new Response("local", { status: 404 }));
  const ask =
    (routing: ReturnType<typeof readOnlyRouting>) => async (path: string, method = "GET") => {
      const r = await routes.handler(routing, local)(new Request(`http://h${path}`, { method }));
      return { status: r.status, body: await r.text() };
    };
  return { readOnly: ask(readOnlyRouting(deps)), secure: ask(kubeletApiRouting(deps)) };
}

const DISABLED = { status: 405, body: "Debug endpoints are disabled.\n" };

Deno.test("the read-only port answers the debugging paths as the kubelet's disabled handlers by default", async () => {
  const { readOnly } = await routesFor(["--read-only-port=10255"]);
  for (
    const path of [
      "/run/default/p/c",
      "/exec/default/p/c",
      "/attach/default/p/c",
      "/portForward/default/p",
      "/containerLogs/default/p/c",
      "/runningpods/",
      "/debug/pprof/",
      "/logs/",
    ]
  ) {
    assert.deepEqual(
      await readOnly(path, path.startsWith("/run") ? "POST" : "GET"),
      DISABLED,
      path,
    );
  }
  assert.equal((await readOnly("/configz")).body, "local", "no /configz without the handlers");
  assert.equal((await readOnly("/stats/summary")).body, "local");
});

Deno.test("localDebuggingHandlers serves run, containerLogs, configz and stats on the read-only port", async () => {
  const { readOnly } = await routesFor(["--read-only-port=10255", "--local-debugging-handlers"]);
  assert.deepEqual(await readOnly("/run/default/p/c?cmd=ls", "POST"), {
    status: 404,
    body: "pod does not exist",
  });
  assert.deepEqual(await readOnly("/containerLogs/default/p/c"), {
    status: 404,
    body: 'pod "p" does not exist',
  });
  const configz = await readOnly("/configz");
  assert.equal(configz.status, 200);
  assert.equal(JSON.parse(configz.body).kubeletconfig.localDebuggingHandlers, true);
  assert.equal((await readOnly("/stats/summary")).status, 200);
  assert.deepEqual(
    await readOnly("/exec/default/p/c"),
    DISABLED,
    "never exec on the read-only port",
  );
  assert.deepEqual(await readOnly("/logs/"), { status: 405, body: "logs endpoint is disabled.\n" });
});

Deno.test("enableDebuggingHandlers: false turns the handlers off on both servers", async () => {
  const { readOnly, secure } = await routesFor(
    ["--read-only-port=10255", "--local-debugging-handlers"],
    "enableDebuggingHandlers: false\nenableSystemLogHandler: true\n",
  );
  for (const ask of [readOnly, secure]) {
    assert.deepEqual(await ask("/containerLogs/default/p/c"), DISABLED);
    assert.deepEqual(await ask("/run/default/p/c", "POST"), DISABLED);
    assert.deepEqual(await ask("/logs/"), DISABLED);
    assert.equal((await ask("/configz")).body, "local");
  }
  assert.equal((await secure("/stats/summary")).status, 200, "stats stay on the kubelet API");
});

Deno.test("the kubelet API serves /logs/ only with enableSystemLogHandler", async () => {
  const off = await routesFor([]);
  assert.deepEqual(await off.secure("/logs/"), {
    status: 405,
    body: "logs endpoint is disabled.\n",
  });
  const on = await routesFor([], "enableSystemLogHandler: true\n");
  assert.notEqual((await on.secure("/logs/")).status, 405);
});
