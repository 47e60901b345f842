/**
 * The agent (in-process, built like main.ts builds it) against a private
 * containerd: a manifest dropped into the watched directory runs and its
 * busybox httpd answers on the host port; editing one container's command
 * restarts only that container; a crash-looping container backs off; a new
 * agent instance adopts the running containers; a containerd restart loses
 * no pod; deleting the file removes containers and sandbox.
 *
 * Every wait is a bounded poll for a condition. Skipped LOUDLY when
 * containerd cannot run here (scripts/e2e_deps.sh installs it).
 */

import assert from "node:assert/strict";
import { startContainerd } from "./harness/containerd_harness.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { type RunningAgent, startAgent } from "../kubelet/_agent_fixture.ts";

const NAME = "agent on containerd: run, edit, crash loop, agent restart, runtime restart, delete";
const harness = await startContainerd();

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${
          lastError ? ` (last error: ${lastError})` : ""
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function httpAnswers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

if (typeof harness === "string") {
  console.error(`\n!!! E2E SKIPPED: containerd unavailable: ${harness}\n`);
  Deno.test({ name: NAME, ignore: true, fn() {} });
} else {
  Deno.test({
    name: NAME,
    // The daemon, its shims and the agent's sockets outlive single steps; finally cleans them.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const dir = await Deno.makeTempDir({ prefix: "denolet-lifecycle-" });
      const manifestDir = `${dir}/manifests`;
      const rootDir = `${dir}/root`;
      await Deno.mkdir(manifestDir, { recursive: true });
      const cri = new RemoteRuntimeService(harness.endpoint);
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const webPath = `${manifestDir}/web.json`;
      const crashPath = `${manifestDir}/crash.json`;
      const webPodName = "web-e2e-node";
      let agent: RunningAgent | undefined;
      const agentOptions = {
        endpoint: harness.endpoint,
        manifestDir,
        rootDir,
        runtimeSyncThresholdMs: 3000,
        runtimeStatePeriodMs: 500,
      };

      const web = (sideCommand: string[]) => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web", namespace: "default" },
        spec: {
          hostNetwork: true,
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: "httpd",
              image: harness.image,
              command: ["httpd", "-f", "-p", `127.0.0.1:${port}`, "-h", "/"],
            },
            { name: "side", image: harness.image, command: sideCommand },
          ],
        },
      });
      /** Running containers of a pod by container name → id, through the CRI. */
      const running = async (podName: string): Promise<Map<string, string>> => {
        const list = await cri.listContainers({
          labelSelector: { "io.kubernetes.pod.name": podName },
          state: { state: "CONTAINER_RUNNING" },
        });
        return new Map(list.map((c) => [c.metadata?.name ?? "", c.id]));
      };
      const allContainers = async (podName: string) =>
        (await cri.listContainers({ labelSelector: { "io.kubernetes.pod.name": podName } }))
          .length;
      const statusOf = (a: RunningAgent, podName: string) =>
        a.statusManager.podStatuses().find((p) => p.pod.metadata?.name === podName);
      const podRunning = (a: RunningAgent, podName: string) => {
        const s = statusOf(a, podName)?.status;
        return s?.phase === "Running" && (s.containerStatuses ?? []).every((c) => c.ready);
      };

      try {
        agent = startAgent(agentOptions);
        let ids = new Map<string, string>();

        await t.step("a manifest dropped into the directory runs and httpd answers", async () => {
          await Deno.writeTextFile(webPath, JSON.stringify(web(["sleep", "3600"])));
          await waitFor(`httpd on port ${port}`, () => httpAnswers(port));
          await waitFor("pod Running", () => podRunning(agent!, webPodName));
          ids = await running(webPodName);
          assert.deepEqual([...ids.keys()].sort(), ["httpd", "side"]);
        });

        await t.step("editing one container's command restarts only that container", async () => {
          await Deno.writeTextFile(webPath, JSON.stringify(web(["sleep", "3601"])));
          const now = await waitFor("a new side container", async () => {
            const r = await running(webPodName);
            return r.get("side") && r.get("side") !== ids.get("side") ? r : undefined;
          });
          assert.equal(now.get("httpd"), ids.get("httpd"));
          assert.ok(await httpAnswers(port));
          ids = now;
        });

        await t.step("a crash-looping container backs off", async () => {
          await Deno.writeTextFile(
            crashPath,
            JSON.stringify({
              apiVersion: "v1",
              kind: "Pod",
              metadata: { name: "crash", namespace: "default" },
              spec: {
                hostNetwork: true,
                terminationGracePeriodSeconds: 1,
                containers: [{
                  name: "fail",
                  image: harness.image,
                  command: ["sh", "-c", "exit 3"],
                }],
              },
            }),
          );
          const cs = await waitFor("CrashLoopBackOff", () => {
            const c = statusOf(agent!, "crash-e2e-node")?.status.containerStatuses?.[0];
            return c?.state?.waiting?.reason === "CrashLoopBackOff" ? c : undefined;
          });
          // First restart at once, then 10 s of back-off: two instances so far.
          assert.equal(cs.restartCount, 1);
          assert.equal(cs.lastState?.terminated?.exitCode, 3);
          assert.ok((await allContainers("crash-e2e-node")) <= 2);
          await Deno.remove(crashPath);
          await waitFor("crash pod removed", async () =>
            (await cri.listPodSandbox({
              labelSelector: { "io.kubernetes.pod.name": "crash-e2e-node" },
            })).length === 0);
        });

        await t.step("a new agent instance keeps the running containers", async () => {
          const before = await allContainers(webPodName);
          await agent!.stop();
          agent = startAgent(agentOptions);
          await waitFor("pod Running under the new agent", () => podRunning(agent!, webPodName));
          await agent.kubelet.housekeeping();
          assert.deepEqual(await running(webPodName), ids);
          assert.equal(await allContainers(webPodName), before);
          assert.ok(await httpAnswers(port));
        });

        await t.step(
          "with containerd stopped the agent reports it down and keeps its pods; on return it reconciles without restarts",
          async () => {
            const a = agent!;
            const before = await allContainers(webPodName);
            await harness.kill();
            await waitFor(
              "the runtime reported down",
              () => a.runtimeState.runtimeErrors(Date.now()).includes("container runtime is down"),
            );
            for (const uid of a.kubelet.podWorkers.uids()) a.kubelet.podWorkers.wake(uid);
            await waitFor("pod syncs paused", () => a.kubelet.runtimeDown);
            // Nothing is dropped: the pod keeps its status, its containers keep running.
            assert.ok(podRunning(a, webPodName));
            assert.ok(await httpAnswers(port));

            const restartedAt = Date.now();
            await harness.restart();
            await waitFor(
              "the agent to see the runtime again",
              () =>
                a.runtimeState.lastBaseRuntimeSync > restartedAt &&
                a.runtimeState.runtimeErrors(Date.now()).length === 0,
            );
            await waitFor("pod syncs resumed", () => !a.kubelet.runtimeDown);
            await waitFor("pod Running after the runtime restart", () => podRunning(a, webPodName));
            await a.kubelet.podWorkers.whenIdle();
            assert.deepEqual(await running(webPodName), ids);
            assert.equal(await allContainers(webPodName), before);
            assert.ok(await httpAnswers(port));
          },
        );

        await t.step("deleting the file removes containers and sandbox", async () => {
          await Deno.remove(webPath);
          await waitFor("sandbox and containers removed", async () =>
            (await cri.listPodSandbox({
                labelSelector: { "io.kubernetes.pod.name": webPodName },
              })).length === 0 && (await allContainers(webPodName)) === 0);
          assert.equal(await httpAnswers(port), false);
          await waitFor("status forgotten", () => statusOf(agent!, webPodName) === undefined);
        });
      } finally {
        await agent?.stop();
        cri.close();
        // A daemon killed by a failed step must run again for stop() to find its tasks.
        if (harness.pid === -1) await harness.restart().catch(() => {});
        await harness.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
