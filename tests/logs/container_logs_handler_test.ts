import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { ContainerState, PodStatus } from "../../src/container/runtime.ts";
import { emptyPodStatus } from "../../src/container/runtime.ts";
import { createContainerLogsHandler, type LogPod } from "../../src/logs/container_logs_handler.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { containerStatus } from "../_fixtures/container_status.ts";
import { criLine, msAt, tempLogDir, until } from "./_log_fixture.ts";

const BASE = "https://127.0.0.1:10250";

function pod(): Pod {
  return {
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "c", image: "busybox" }, { name: "idle", image: "busybox" }] },
    status: {
      containerStatuses: [{
        name: "c",
        image: "busybox",
        imageID: "",
        ready: true,
        restartCount: 1,
        containerID: "containerd://two",
        state: { running: { startedAt: "2026-12-01T00:00:00Z" } },
        lastState: { terminated: { exitCode: 1, containerID: "containerd://one" } },
      }],
    },
  };
}

function runtime(state: ContainerState = "running"): PodStatus {
  const s = emptyPodStatus("u1", "web", "default");
  s.containerStatuses = [
    containerStatus({ id: "two", name: "c", state, restartCount: 1, createdAt: 2 }),
    containerStatus({ id: "one", name: "c", state: "exited", restartCount: 0, createdAt: 1 }),
  ];
  return s;
}

async function setup(dir: string, clock = new FakeClock(msAt(30))) {
  const logDir = `${dir}/default_web_u1/c`;
  await Deno.mkdir(logDir, { recursive: true });
  await Deno.writeTextFile(`${logDir}/0.log`, criLine(1, "stderr", "F", "crashed"));
  await Deno.writeTextFile(
    `${logDir}/1.log`,
    criLine(10, "stdout", "F", "ten") + criLine(25, "stdout", "F", "twenty-five"),
  );
  const found: LogPod = { pod: pod(), podStatus: runtime() };
  const handler = createContainerLogsHandler({
    podLogsDir: `${dir}/`,
    clock,
    pollIntervalMs: 100,
    findPod: (ns, name) => (ns === "default" && name === "web" ? found : undefined),
  });
  const get = (path: string, init?: RequestInit) => handler(new Request(`${BASE}${path}`, init));
  return { found, get, clock, logDir };
}

async function answer(res: Response): Promise<[number, string, string | null]> {
  return [res.status, await res.text(), res.headers.get("content-type")];
}

Deno.test("containerLogs handler streams the running instance's log as text/plain", async () => {
  await using dir = await tempLogDir();
  const { get } = await setup(dir.path);
  assert.deepEqual(await answer(await get("/containerLogs/default/web/c")), [
    200,
    "ten\ntwenty-five\n",
    "text/plain; charset=utf-8",
  ]);
});

Deno.test("containerLogs handler applies the query: previous, tailLines, timestamps, sinceSeconds on the clock", async (t) => {
  await using dir = await tempLogDir();
  const { get } = await setup(dir.path);
  const body = async (q: string) => (await get(`/containerLogs/default/web/c?${q}`)).text();
  await t.step("previous", async () => assert.equal(await body("previous=true"), "crashed\n"));
  await t.step("tailLines", async () => assert.equal(await body("tailLines=1"), "twenty-five\n"));
  await t.step("timestamps", async () => {
    assert.equal(await body("tail=1&timestamps=1"), "2026-12-01T00:00:25.000000000Z twenty-five\n");
  });
  await t.step("sinceSeconds (now is :30)", async () => {
    assert.equal(await body("sinceSeconds=10"), "twenty-five\n");
  });
  await t.step("sinceTime", async () => {
    assert.equal(await body("sinceTime=2026-12-01T00:00:10Z"), "ten\ntwenty-five\n");
  });
  await t.step("limitBytes", async () => assert.equal(await body("limitBytes=6"), "ten\ntw"));
});

Deno.test("containerLogs handler answers the kubelet's status codes and messages", async (t) => {
  await using dir = await tempLogDir();
  const { get } = await setup(dir.path);
  const cases: [string, number, string][] = [
    ["/containerLogs/default/nope/c", 404, 'pod "nope" does not exist'],
    ["/containerLogs/other/web/c", 404, 'pod "web" does not exist'],
    ["/containerLogs/default/web/zz", 404, 'container "zz" not found in pod "web"'],
    ["/containerLogs/default/web/idle", 400, 'container "idle" in pod "web" is not available'],
    ["/containerLogs/default/web/c?tailLines=ten", 400, `{"message": "Unable to decode query."}`],
    [
      "/containerLogs/default/web/c?sinceSeconds=5&sinceTime=2026-12-01T00:00:00Z",
      422,
      `{"message": "Invalid request."}`,
    ],
    ["/containerLogs/default/web/c?limitBytes=0", 422, `{"message": "Invalid request."}`],
    ["/containerLogs/default//c", 400, `{"message": "Missing podID."}`],
    ["/containerLogs/default/web/", 400, `{"message": "Missing container name."}`],
    ["/containerLogs//web/c", 400, `{"message": "Missing podNamespace."}`],
    ["/containerLogs/default/web", 404, "404 page not found\n"],
    ["/containerLogs/default/web/c/x", 404, "404 page not found\n"],
  ];
  for (const [path, status, message] of cases) {
    await t.step(path, async () => {
      const [s, body, type] = await answer(await get(path));
      assert.deepEqual([s, body], [status, message]);
      assert.equal(type, "text/plain; charset=utf-8");
    });
  }
  await t.step("POST", async () => {
    const res = await get("/containerLogs/default/web/c", { method: "POST" });
    await res.body?.cancel();
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET");
  });
});

Deno.test("containerLogs handler with previous and no terminated instance answers the kubelet's 400", async () => {
  await using dir = await tempLogDir();
  const { get, found } = await setup(dir.path);
  delete found.pod.status!.containerStatuses![0].lastState;
  assert.deepEqual(
    (await answer(await get("/containerLogs/default/web/c?previous=true"))).slice(0, 2),
    [
      400,
      'previous terminated container "c" in pod "web" not found',
    ],
  );
});

Deno.test("containerLogs handler says the runtime lost the instance, as the kubelet's body does", async () => {
  await using dir = await tempLogDir();
  const { get, found } = await setup(dir.path);
  found.podStatus.containerStatuses.pop(); // "one" was garbage-collected
  assert.deepEqual(
    (await answer(await get("/containerLogs/default/web/c?previous=1"))).slice(0, 2),
    [
      200,
      "unable to retrieve container logs for containerd://one",
    ],
  );
});

Deno.test("containerLogs handler with follow ends the body once the runtime says the container stopped", async () => {
  await using dir = await tempLogDir();
  const { get, found, clock, logDir } = await setup(dir.path);
  const res = await get("/containerLogs/default/web/c?follow=true&tailLines=1");
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  assert.equal(dec.decode((await reader.read()).value), "twenty-five\n");
  await until(() => clock.pendingTimers === 1);
  await Deno.writeTextFile(`${logDir}/1.log`, criLine(31, "stdout", "F", "bye"), { append: true });
  found.podStatus = runtime("exited");
  const rest = (async () => {
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += dec.decode(r.value);
    return text;
  })();
  await clock.advance(100);
  assert.equal(await rest, "bye\n");
});

Deno.test("containerLogs handler with follow ends the body when the client goes away", async () => {
  await using dir = await tempLogDir();
  const { get, clock } = await setup(dir.path);
  const client = new AbortController();
  const res = await get("/containerLogs/default/web/c?follow=1", { signal: client.signal });
  const reader = res.body!.getReader();
  await reader.read();
  await until(() => clock.pendingTimers === 1);
  client.abort();
  assert.equal((await reader.read()).done, true);
  assert.equal(clock.pendingTimers, 0);
});
