/**
 * The REAL agent process (scripts/run.ts's command line: `deno run` with the
 * permissions computed from its flags, main.ts) against a private containerd:
 * a manifest dropped into the watched directory runs and its busybox httpd
 * answers on the host port; editing one container's command restarts only
 * that container; a crash-looping container backs off; an agent killed with
 * SIGKILL and started again adopts the running containers; with containerd
 * stopped the agent reports it down and keeps its pods, and reconciles
 * without restarts when it is back; deleting the file removes containers and
 * sandbox.
 *
 * Every wait is a bounded poll of real state (`/pods`, `/healthz`, the CRI,
 * the agent's log). Skipped LOUDLY when containerd cannot run here
 * (scripts/e2e_deps.sh installs it).
 */

import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { registerSkippedE2E, startContainerd } from "./harness/containerd_harness.ts";
import {
  type AgentProcess,
  freePort,
  portAnswers,
  startAgent,
  waitFor,
  waitForHealthz,
  writeAgentConfig,
} from "./harness/agent_process.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { RealClock } from "../../src/util/clock.ts";

const NAME =
  "agent process on containerd: run, edit, crash loop, agent SIGKILL and restart, runtime restart, delete";
const NODE = "e2e-node";
/** How long "nothing changes" is watched after a restart (agent or runtime), ms. */
const STABLE_WINDOW_MS = 5_000;

const harness = await startContainerd();

interface PodList {
  items: Pod[];
}

function summary(pod: Pod | undefined): string {
  if (!pod) return "(absent)";
  const cs = (pod.status?.containerStatuses ?? []).map((c) =>
    `${c.name}: ready=${c.ready} restarts=${c.restartCount} state=${JSON.stringify(c.state ?? {})}`
  );
  return `phase=${pod.status?.phase} [${cs.join("; ")}]`;
}

function timing(what: string, startedAt: number): void {
  console.log(`[lifecycle e2e timing] ${what}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

if (typeof harness === "string") {
  registerSkippedE2E([NAME], harness);
} else {
  Deno.test({
    name: NAME,
    // The daemon, its shims and the agent process outlive single steps; finally cleans them.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const testStart = Date.now();
      const dir = await Deno.makeTempDir({ prefix: "denolet-lifecycle-" });
      const manifestDir = `${dir}/manifests`;
      await Deno.mkdir(manifestDir, { recursive: true });
      await Deno.mkdir(`${dir}/logs`, { recursive: true });
      const config = `${dir}/kubelet.yaml`;
      await writeAgentConfig(config, {
        podLogsDir: `${dir}/logs`,
        readOnlyPort: freePort(),
        healthzPort: freePort(),
        fileCheckFrequency: "1s",
      });
      const args = [
        `--container-runtime-endpoint=${harness.endpoint}`,
        `--pod-manifest-path=${manifestDir}`,
        `--root-dir=${dir}/root`,
        `--config=${config}`,
        `--hostname-override=${NODE}`,
        "--v=2",
      ];
      const cri = new RemoteRuntimeService(harness.endpoint, { clock: new RealClock() });
      const port = freePort();
      const webPath = `${manifestDir}/web.json`;
      const crashPath = `${manifestDir}/crash.json`;
      const webPodName = `web-${NODE}`;
      const crashPodName = `crash-${NODE}`;
      let agent: AgentProcess | undefined;
      let failed = true;

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
      const sandboxes = async (podName: string) =>
        (await cri.listPodSandbox({ labelSelector: { "io.kubernetes.pod.name": podName } }))
          .length;
      /** The pod as the agent's `/pods` shows it now; undefined when absent. */
      const podOf = async (a: AgentProcess, podName: string): Promise<Pod | undefined> =>
        (await a.getJson<PodList>("/pods")).items.find((p) => p.metadata?.name === podName);
      const isRunning = (pod: Pod | undefined): boolean => {
        const s = pod?.status;
        const cs = s?.containerStatuses ?? [];
        return s?.phase === "Running" && cs.length > 0 &&
          cs.every((c) => c.ready && c.state?.running !== undefined);
      };
      const podRunning = async (a: AgentProcess, podName: string) =>
        isRunning(await podOf(a, podName));
      const details = () => `agent log tail:\n${agent?.logTail(60) ?? "(no agent)"}`;
      /** Over the window: the pod stays Running, its running containers and container count stay put. */
      const staysPut = async (
        a: AgentProcess,
        ids: Map<string, string>,
        count: number,
      ): Promise<void> => {
        const until = Date.now() + STABLE_WINDOW_MS;
        while (Date.now() < until) {
          assert.deepEqual(await running(webPodName), ids);
          assert.equal(await allContainers(webPodName), count);
          const pod = await podOf(a, webPodName);
          assert.ok(isRunning(pod), `web pod not Running: ${summary(pod)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      };

      /** Runs a step; a failed step ends the test (the later steps build on it). */
      const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
        if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
      };

      try {
        agent = await startAgent(args);
        let ids = new Map<string, string>();

        await step("a manifest dropped into the directory runs and httpd answers", async () => {
          const start = Date.now();
          await Deno.writeTextFile(webPath, JSON.stringify(web(["sleep", "3600"])));
          await waitFor(() => portAnswers(port), {
            what: `httpd on port ${port}`,
            timeoutMs: 60_000,
            details,
          });
          await waitFor(() => podRunning(agent!, webPodName), {
            what: "web pod Running in /pods",
            details,
          });
          ids = await running(webPodName);
          assert.deepEqual([...ids.keys()].sort(), ["httpd", "side"]);
          assert.equal(await allContainers(webPodName), 2);
          assert.equal(await sandboxes(webPodName), 1);
          timing("manifest to running", start);
        });

        await step("editing one container's command restarts only that container", async () => {
          const start = Date.now();
          await Deno.writeTextFile(webPath, JSON.stringify(web(["sleep", "3601"])));
          const now = await waitFor(async () => {
            const r = await running(webPodName);
            return r.get("side") && r.get("side") !== ids.get("side") ? r : undefined;
          }, { what: "a new side container", details });
          assert.equal(now.get("httpd"), ids.get("httpd"));
          assert.ok(await portAnswers(port));
          await waitFor(async () => {
            const pod = await podOf(agent!, webPodName);
            return isRunning(pod) &&
              pod?.status?.containerStatuses?.find((c) => c.name === "side")?.containerID
                ?.endsWith(now.get("side")!);
          }, { what: "web pod Running with the new side container", details });
          ids = now;
          timing("edit restarts one container", start);
        });

        await step("a crash-looping container backs off", async () => {
          const start = Date.now();
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
          const cs = await waitFor(async () => {
            const c = (await podOf(agent!, crashPodName))?.status?.containerStatuses?.[0];
            return c?.state?.waiting?.reason === "CrashLoopBackOff" ? c : undefined;
          }, { what: "CrashLoopBackOff in /pods", timeoutMs: 45_000, details });
          // First restart at once, then 10 s of back-off: two instances so far.
          assert.equal(cs.restartCount, 1);
          assert.equal(cs.lastState?.terminated?.exitCode, 3);
          assert.ok((await allContainers(crashPodName)) <= 2);
          await Deno.remove(crashPath);
          await waitFor(async () => (await sandboxes(crashPodName)) === 0, {
            what: "crash pod's sandbox removed",
            details,
          });
          await waitFor(async () => (await podOf(agent!, crashPodName)) === undefined, {
            what: "crash pod gone from /pods",
            details,
          });
          timing("crash loop backs off", start);
        });

        await step(
          "an agent killed with SIGKILL and started again keeps the running containers",
          async () => {
            const start = Date.now();
            const before = await allContainers(webPodName);
            const status = await agent!.kill();
            assert.equal(status.signal, "SIGKILL");
            // The containers do not depend on the agent process.
            assert.deepEqual(await running(webPodName), ids);
            assert.ok(await portAnswers(port));
            agent = await startAgent(args);
            await agent.waitForLog(/Connected to the container runtime/, 30_000);
            await waitFor(() => podRunning(agent!, webPodName), {
              what: "web pod Running under the new agent",
              details,
            });
            // A few relists, syncs and housekeeping passes: nothing is restarted or created.
            await staysPut(agent, ids, before);
            assert.equal(await sandboxes(webPodName), 1);
            assert.ok(await portAnswers(port));
            timing("agent SIGKILL and restart", start);
          },
        );

        await step(
          "with containerd stopped the agent reports it down and keeps its pods; on return it reconciles without restarts",
          async () => {
            const start = Date.now();
            const a = agent!;
            const before = await allContainers(webPodName);
            await waitForHealthz(a, 200, { timeoutMs: 30_000, details });
            await harness.kill();
            await waitForHealthz(a, 500, { timeoutMs: 60_000, details });
            timing("/healthz 500 after containerd was killed", start);
            await a.waitForLog(/Skipping pod synchronization/, 15_000);
            assert.equal(a.exited, false, "the agent must keep running while the runtime is down");
            // Nothing is dropped: the pod keeps its status, its containers keep running.
            const pod = await podOf(a, webPodName);
            assert.ok(isRunning(pod), `web pod not Running in /pods: ${summary(pod)}`);
            assert.ok(await portAnswers(port));

            const restartedAt = Date.now();
            await harness.restart();
            await waitForHealthz(a, 200, { timeoutMs: 30_000, details });
            await a.waitForLog(/resuming pod synchronization/, 15_000);
            timing("/healthz 200 after containerd was restarted", restartedAt);
            await waitFor(() => podRunning(a, webPodName), {
              what: "web pod Running after the runtime restart",
              details,
            });
            await staysPut(a, ids, before);
            assert.equal(await sandboxes(webPodName), 1);
            assert.ok(await portAnswers(port));
            timing("containerd down and back", start);
          },
        );

        await step("deleting the file removes containers and sandbox", async () => {
          const start = Date.now();
          await Deno.remove(webPath);
          await waitFor(
            async () =>
              (await sandboxes(webPodName)) === 0 && (await allContainers(webPodName)) === 0,
            { what: "sandbox and containers removed", details },
          );
          assert.equal(await portAnswers(port), false);
          await waitFor(async () => (await podOf(agent!, webPodName)) === undefined, {
            what: "web pod gone from /pods",
            details,
          });
          timing("delete removes the pod", start);
        });
        failed = false;
      } finally {
        if (failed && agent) {
          console.error(
            `\n----- agent log tail (pid ${agent.pid}) -----\n${agent.logTail(250)}\n-----\n`,
          );
        }
        await agent?.stop();
        // A daemon killed by a failed step must run again for stop() to find its tasks.
        if (harness.pid === -1) await harness.restart().catch(() => {});
        for (const s of await cri.listPodSandbox().catch(() => [])) {
          await cri.stopPodSandbox(s.id).catch(() => {});
          await cri.removePodSandbox(s.id).catch(() => {});
        }
        cri.close();
        await harness.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        timing("whole lifecycle test", testStart);
      }
    },
  });
}
