/**
 * The Runtime door's streaming calls: CRI Exec, Attach and PortForward
 * requests as the kubelet builds them, and the URLs they answer.
 */
import assert from "node:assert/strict";
import { KubeRuntimeManager } from "../../src/kuberuntime/kuberuntime_manager.ts";
import type { ImageService, RuntimeService } from "../../src/cri/service.ts";
import type { PodSandbox } from "../../src/cri/types.ts";
import { FakeClock } from "../../src/util/clock.ts";

function manager(runtime: Partial<RuntimeService>): KubeRuntimeManager {
  return new KubeRuntimeManager({
    runtimeService: runtime as RuntimeService,
    imageService: {} as ImageService,
    clock: new FakeClock(),
  });
}

const STREAMS = { stdin: true, stdout: true, stderr: false, tty: true };

Deno.test("Runtime.getExec() and getAttach() send the container, command and streams and parse the URL", async () => {
  const calls: unknown[] = [];
  const rt = manager({
    exec: (req) => {
      calls.push(["exec", req]);
      return Promise.resolve("http://127.0.0.1:35000/exec/AbCd1234");
    },
    attach: (req) => {
      calls.push(["attach", req]);
      return Promise.resolve("http://127.0.0.1:35000/attach/EfGh5678");
    },
  });
  const exec = await rt.getExec("c1", ["sh", "-c", "echo hi"], STREAMS);
  assert.equal(exec.href, "http://127.0.0.1:35000/exec/AbCd1234");
  const attach = await rt.getAttach("c1", STREAMS);
  assert.equal(attach.pathname, "/attach/EfGh5678");
  assert.deepEqual(calls, [
    ["exec", { containerId: "c1", cmd: ["sh", "-c", "echo hi"], ...STREAMS }],
    ["attach", { containerId: "c1", ...STREAMS }],
  ]);
  const bad = manager({ exec: () => Promise.resolve("not a url") });
  await assert.rejects(
    bad.getExec("c1", ["true"], STREAMS),
    new TypeError("Cannot parse the streaming URL of CRI Exec: 'not a url'"),
  );
});

Deno.test("Runtime.getPortForward() forwards on the pod's newest sandbox, and names the pod without one", async () => {
  const sandbox = (id: string, createdAt: number) => ({ id, createdAt }) as PodSandbox;
  const filters: unknown[] = [];
  const forwards: unknown[] = [];
  const rt = manager({
    listPodSandbox: (filter) => {
      filters.push(filter);
      return Promise.resolve([sandbox("old", 1), sandbox("new", 3), sandbox("mid", 2)]);
    },
    portForward: (req) => {
      forwards.push(req);
      return Promise.resolve("http://127.0.0.1:35000/portforward/Xy");
    },
  });
  const url = await rt.getPortForward("web", "default", "uid-1", [8080]);
  assert.equal(url.pathname, "/portforward/Xy");
  assert.deepEqual(filters, [{ labelSelector: { "io.kubernetes.pod.uid": "uid-1" } }]);
  assert.deepEqual(forwards, [{ podSandboxId: "new", port: [8080] }]);

  const none = manager({ listPodSandbox: () => Promise.resolve([]) });
  await assert.rejects(
    none.getPortForward("web", "default", "uid-1", []),
    new Error("failed to find sandboxID for pod web_default(uid-1)"),
  );
});
