import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { RuntimePod } from "../../src/container/runtime.ts";
import type { ExecResult } from "../../src/container/container_event.ts";
import {
  createRunHandler,
  parseRunPath,
  runCommand,
  type RunRuntime,
} from "../../src/kubeletserver/run_handler.ts";

const POD: Pod = {
  metadata: { name: "web", namespace: "default", uid: "u1" },
  spec: { containers: [{ name: "app", image: "busybox" }, { name: "side", image: "busybox" }] },
};

function runtimePod(state: "running" | "exited" = "running", uid = "u1"): RuntimePod {
  return {
    uid,
    name: "web",
    namespace: "default",
    createdAt: 1,
    sandboxes: [],
    containers: [{
      id: `c-app-${uid}`,
      name: "app",
      image: "busybox",
      imageRef: "sha",
      hash: "h",
      state,
      createdAt: 1,
      attempt: 0,
    }],
  };
}

/** A runtime recording ExecSync calls and answering `result`. */
class FakeRunRuntime implements RunRuntime {
  calls: { id: string; cmd: string[]; timeoutSeconds?: number; signal?: AbortSignal }[] = [];
  pods: RuntimePod[] = [runtimePod()];
  result: ExecResult | Error = { exitCode: 0, stdout: "hi\n", stderr: "" };
  getPods(all: boolean): Promise<RuntimePod[]> {
    assert.equal(all, false, "the kubelet looks among running pods only");
    return Promise.resolve(this.pods);
  }
  execSync(
    id: string,
    cmd: string[],
    options?: { timeoutSeconds?: number; signal?: AbortSignal },
  ): Promise<ExecResult> {
    this.calls.push({ id, cmd, ...options });
    return this.result instanceof Error
      ? Promise.reject(this.result)
      : Promise.resolve(this.result);
  }
}

function setup() {
  const runtime = new FakeRunRuntime();
  const handler = createRunHandler({
    runtime,
    findPod: (ns, name) => (ns === "default" && name === "web" ? POD : undefined),
  });
  const post = (path: string, method = "POST") =>
    handler(new Request(`http://127.0.0.1${path}`, { method }));
  return { runtime, post };
}

Deno.test("parseRunPath() takes the 3- and 4-segment forms, runCommand() splits cmd on single spaces", () => {
  assert.deepEqual(parseRunPath("/run/ns/p/c"), {
    namespace: "ns",
    pod: "p",
    uid: "",
    container: "c",
  });
  assert.deepEqual(parseRunPath("/run/ns/p/u/c"), {
    namespace: "ns",
    pod: "p",
    uid: "u",
    container: "c",
  });
  assert.equal(parseRunPath("/run/ns/p"), undefined);
  assert.equal(parseRunPath("/run/ns/p/u/c/x"), undefined);
  assert.equal(parseRunPath("/run/ns//c"), undefined);
  assert.deepEqual(runCommand(new URLSearchParams("cmd=ls%20-l%20%20/")), ["ls", "-l", "", "/"]);
  assert.deepEqual(runCommand(new URLSearchParams("command=sh&command=-c&command=exit%203")), [
    "sh",
    "-c",
    "exit 3",
  ]);
  assert.deepEqual(runCommand(new URLSearchParams("cmd=a&command=b")), ["a"], "cmd wins");
  assert.deepEqual(runCommand(new URLSearchParams("")), [""], "the kubelet's split of nothing");
});

Deno.test("/run answers the command's stdout then stderr as the kubelet does (200, application/json)", async () => {
  const { runtime, post } = setup();
  runtime.result = { exitCode: 0, stdout: "out\n", stderr: new TextEncoder().encode("err\n") };
  const r = await post("/run/default/web/app?cmd=echo%20hi");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/json");
  assert.equal(await r.text(), "out\nerr\n");
  assert.deepEqual(runtime.calls.map((c) => [c.id, c.cmd, c.timeoutSeconds]), [
    ["c-app-u1", ["echo", "hi"], 0],
  ]);
  assert.ok(runtime.calls[0].signal instanceof AbortSignal, "cancelled when the client leaves");
  runtime.result = { exitCode: 0, stdout: "", stderr: "" };
  const empty = await post("/run/default/web/u1/app?cmd=true");
  assert.equal(empty.status, 200);
  assert.equal(empty.headers.get("content-type"), null);
  assert.equal(await empty.text(), "");
});

Deno.test("/run answers a non-zero exit with 500 and the CRI client's message (stdout not sent)", async () => {
  const { runtime, post } = setup();
  runtime.result = { exitCode: 3, stdout: "lost\n", stderr: "bad\n" };
  const r = await post("/run/default/web/app?command=sh&command=-c&command=echo%20x%3B%20exit%203");
  assert.equal(r.status, 500);
  assert.equal(await r.text(), "command 'sh -c echo x; exit 3' exited with 3: bad\n");
  runtime.result = new Error("rpc error: code = NotFound desc = container gone");
  const failed = await post("/run/default/web/app?cmd=ls");
  assert.equal(failed.status, 500);
  assert.equal(await failed.text(), "rpc error: code = NotFound desc = container gone");
});

Deno.test("/run: missing pod 404, container not running 500, GET 405, bad path 404", async (t) => {
  const { runtime, post } = setup();
  await t.step("unknown pod", async () => {
    const r = await post("/run/default/nope/app?cmd=ls");
    assert.equal(r.status, 404);
    assert.equal(await r.text(), "pod does not exist");
  });
  await t.step("a container that is not in the pod or not running", async () => {
    const r = await post("/run/default/web/side?cmd=ls");
    assert.equal(r.status, 500);
    assert.equal(await r.text(), 'container not found ("side")');
    runtime.pods = [runtimePod("exited")];
    const exited = await post("/run/default/web/app?cmd=ls");
    assert.equal(exited.status, 500);
    assert.equal(await exited.text(), 'container not found ("app")');
    runtime.pods = [];
    assert.equal((await post("/run/default/web/app?cmd=ls")).status, 500);
  });
  await t.step("the runtime pod of the agent's pod UID is preferred over an old one", async () => {
    runtime.pods = [runtimePod("running", "old"), runtimePod("running", "u1")];
    runtime.calls = [];
    runtime.result = { exitCode: 0, stdout: "x", stderr: "" };
    await post("/run/default/web/app?cmd=ls");
    assert.equal(runtime.calls[0].id, "c-app-u1");
  });
  await t.step("GET is not routed", async () => {
    const r = await post("/run/default/web/app?cmd=ls", "GET");
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "POST");
  });
  await t.step("a path of the wrong shape", async () => {
    assert.equal((await post("/run/default/web")).status, 404);
  });
});
