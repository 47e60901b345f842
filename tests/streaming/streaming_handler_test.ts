import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { emptyPodStatus, type PodStatus, type StreamOptions } from "../../src/container/runtime.ts";
import { FakeClock } from "../../src/util/clock.ts";
import {
  createStreamingHandler,
  type Dial,
  type StreamingPod,
  type StreamingRuntime,
  type UpgradeRequest,
} from "../../src/streaming/mod.ts";
import { containerStatus } from "../_fixtures/container_status.ts";
import { enc, memoryPipe, readAll, readUntil } from "./_memory_conn.ts";

const UID = "uid-web";

function webPod(tty = false): Pod {
  return {
    metadata: { name: "web", namespace: "default", uid: UID },
    spec: { containers: [{ name: "app", image: "busybox", tty }] },
  };
}

function status(
  appState: "running" | "exited",
  sandbox: "ready" | "notready" = "ready",
): PodStatus {
  const s = emptyPodStatus(UID, "web", "default");
  s.containerStatuses = [
    containerStatus({ id: "c-new", name: "app", state: appState, createdAt: 2 }),
    containerStatus({ id: "c-old", name: "app", state: "exited", createdAt: 1 }),
  ];
  s.sandboxStatuses = [{
    id: "sb-1",
    name: "web",
    namespace: "default",
    uid: UID,
    attempt: 0,
    state: sandbox,
    createdAt: 1,
    ip: "",
    additionalIps: [],
    hostNetwork: true,
    labels: {},
    annotations: {},
  }];
  return s;
}

type Call = [string, ...unknown[]];

function setup(found: StreamingPod | undefined, fail?: Error) {
  const calls: Call[] = [];
  let called!: () => void;
  const firstCall = new Promise<void>((r) => called = r);
  const url = new URL("http://127.0.0.1:4111/stream/tok");
  const answer = (call: Call) => {
    calls.push(call);
    called();
    return fail ? Promise.reject(fail) : Promise.resolve(url);
  };
  const runtime: StreamingRuntime = {
    getExec: (id: string, cmd: string[], streams: StreamOptions) =>
      answer(["getExec", id, cmd, streams]),
    getAttach: (id: string, streams: StreamOptions) => answer(["getAttach", id, streams]),
    getPortForward: (name: string, ns: string, uid: string, ports: number[]) =>
      answer(["getPortForward", name, ns, uid, ports]),
  };
  const dialed: string[] = [];
  let gotBackend!: (end: ReturnType<typeof memoryPipe>[1]) => void;
  const backend = new Promise<ReturnType<typeof memoryPipe>[1]>((r) => gotBackend = r);
  const dial: Dial = (host, port) => {
    dialed.push(`${host}:${port}`);
    const [proxySide, backendSide] = memoryPipe();
    gotBackend(backendSide);
    return Promise.resolve(proxySide);
  };
  const handler = createStreamingHandler({
    runtime,
    findPod: (ns, name) => (ns === "default" && name === "web" ? found : undefined),
    clock: new FakeClock(),
    dial,
  });
  return { handler, calls, firstCall, dialed, backend };
}

function upgrade(url: string, headers: [string, string][] = []): UpgradeRequest {
  return {
    method: "POST",
    url,
    headers: [["Connection", "Upgrade"], ["Upgrade", "SPDY/3.1"], ...headers],
    head: new Uint8Array(0),
  };
}

async function answerOf(
  handler: ReturnType<typeof setup>["handler"],
  request: UpgradeRequest,
): Promise<{ status: number; text: string }> {
  const [client, proxySide] = memoryPipe();
  const outcome = await handler.upgrade(request, proxySide, new AbortController().signal);
  const text = await readAll(client.readable.getReader());
  await outcome.finished;
  return { status: outcome.status, text };
}

Deno.test("upgrade() asks the runtime for the running container's exec URL and proxies there", async () => {
  const { handler, calls, dialed, backend } = setup({
    pod: webPod(),
    podStatus: status("running"),
  });
  const [client, proxySide] = memoryPipe();
  const pending = handler.upgrade(
    upgrade("/exec/default/web/app?command=echo&command=hi&output=1&error=1"),
    proxySide,
    new AbortController().signal,
  );
  const be = await backend;
  const head = await readUntil(be.readable.getReader(), "\r\n\r\n");
  assert.match(head, /^POST \/stream\/tok HTTP\/1\.1\r\n/);
  await be.writable.getWriter().write(enc("HTTP/1.1 101 Switching Protocols\r\n\r\nhi\n"));
  const outcome = await pending;
  assert.equal(outcome.status, 101);
  assert.deepEqual(calls, [[
    "getExec",
    "c-new",
    ["echo", "hi"],
    { stdin: false, stdout: true, stderr: true, tty: false },
  ]]);
  assert.deepEqual(dialed, ["127.0.0.1:4111"]);
  assert.match(await readUntil(client.readable.getReader(), "hi\n"), /101[\s\S]*hi\n$/);
  client.close();
  await outcome.finished;
});

Deno.test("upgrade() refuses with the kubelet's statuses and messages before any stream", async (t) => {
  const cases: [string, StreamingPod | undefined, string, number, string][] = [
    [
      "bad options",
      { pod: webPod(), podStatus: status("running") },
      "/exec/default/web/app?command=ls",
      400,
      "you must specify at least 1 of stdin, stdout, stderr",
    ],
    ["no such pod", undefined, "/exec/default/web/app?output=1", 404, "pod does not exist"],
    [
      "exec: container not running",
      { pod: webPod(), podStatus: status("exited") },
      "/exec/default/web/app?output=1",
      500,
      'container not found ("app")',
    ],
    [
      "exec: wrong UID",
      { pod: webPod(), podStatus: status("running") },
      "/exec/default/web/other-uid/app?output=1",
      500,
      'container not found ("app")',
    ],
    [
      "attach: no such container",
      { pod: webPod(), podStatus: status("running") },
      "/attach/default/web/sidecar?output=1",
      500,
      "container sidecar not found in pod web_default",
    ],
    [
      "portForward: wrong UID",
      { pod: webPod(), podStatus: status("running") },
      "/portForward/default/web/other-uid",
      404,
      "pod not found",
    ],
    [
      "portForward: nothing running",
      { pod: webPod(), podStatus: status("exited", "notready") },
      "/portForward/default/web",
      500,
      'pod not found ("web_default")',
    ],
    ["odd path", undefined, "/exec/default/web", 404, "404 page not found"],
  ];
  for (const [name, found, url, status, message] of cases) {
    await t.step(name, async () => {
      const { handler, calls, dialed } = setup(found);
      const answer = await answerOf(handler, upgrade(url));
      assert.equal(answer.status, status);
      assert.match(answer.text, new RegExp(`^HTTP/1\\.1 ${status} `));
      assert.ok(answer.text.endsWith(`\r\n\r\n${message}\n`), answer.text);
      assert.deepEqual(calls, []);
      assert.deepEqual(dialed, []);
    });
  }
});

Deno.test("upgrade() maps a runtime error as streaming.WriteError: NotFound 404, others 500", async () => {
  const notFound = Object.assign(new Error("Exec: NotFound: container c-new not found"), {
    code: 5,
  });
  const a = setup({ pod: webPod(), podStatus: status("running") }, notFound);
  const answer = await answerOf(a.handler, upgrade("/exec/default/web/app?output=1"));
  assert.equal(answer.status, 404);
  assert.ok(answer.text.endsWith("\r\n\r\nExec: NotFound: container c-new not found\n"));
  const b = setup({ pod: webPod(), podStatus: status("running") }, new Error("Unavailable"));
  assert.equal((await answerOf(b.handler, upgrade("/exec/default/web/app?output=1"))).status, 500);
});

Deno.test("upgrade() attaches with the container spec's tty and port-forwards the pod's ports", async () => {
  const attach = setup({ pod: webPod(true), podStatus: status("running") });
  const [, side] = memoryPipe();
  void attach.handler.upgrade(
    upgrade("/attach/default/web/app?input=1&output=1"),
    side,
    new AbortController().signal,
  );
  await attach.firstCall;
  assert.deepEqual(attach.calls, [["getAttach", "c-new", {
    stdin: true,
    stdout: true,
    stderr: false,
    tty: true,
  }]]);
  side.close();

  const pf = setup({ pod: webPod(), podStatus: status("running") });
  const [, side2] = memoryPipe();
  void pf.handler.upgrade(
    upgrade("/portForward/default/web?port=8080", [["Upgrade", "websocket"]]),
    side2,
    new AbortController().signal,
  );
  await pf.firstCall;
  assert.deepEqual(pf.calls, [["getPortForward", "web", "default", UID, [8080]]]);
  side2.close();
});

Deno.test("serve() without upgrade headers answers 500 'Upgrade request required' once the request is valid", async () => {
  const { handler } = setup({ pod: webPod(), podStatus: status("running") });
  const ok = await handler.serve(
    new Request("https://n/exec/default/web/app?output=1", { method: "POST" }),
  );
  assert.equal(ok.status, 500);
  assert.equal(await ok.text(), "Upgrade request required\n");
  const bad = await handler.serve(
    new Request("https://n/exec/default/web/app", { method: "POST" }),
  );
  assert.equal(bad.status, 400);
  assert.equal(await bad.text(), "you must specify at least 1 of stdin, stdout, stderr\n");
  const gone = await handler.serve(new Request("https://n/exec/default/nope/app?output=1"));
  assert.equal(gone.status, 404);
  assert.equal(await gone.text(), "pod does not exist\n");
});
