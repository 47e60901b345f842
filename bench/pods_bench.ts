/**
 * How fast the agent starts pods, and what it costs at scale.
 *
 * (a) On a private containerd (when one can run here): time from writing a
 *     manifest into the watched directory to the container running (status
 *     Running) and to its httpd answering, next to the bare CRI sequence for
 *     the same pod (RunPodSandbox + CreateContainer + StartContainer, with the
 *     configs the agent would send) measured in the same run, as a ratio.
 *     Goal: the agent adds no more than 10 %.
 * (b) On the fake runtime (a separate process, so the figures are the
 *     agent's own): 110 and 1,000 pods of 3 containers each: time to converge
 *     (every pod Running), relist duration, agent RSS, and idle CPU per minute.
 *
 * ```sh
 * deno task bench:pods [--iterations 7] [--idle-seconds 30] [--pods 110,1000] \
 *   [--skip-containerd] [--skip-fake]
 * ```
 *
 * Prints tables; asserts nothing.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../src/api/defaults.ts";
import { RemoteRuntimeService } from "../src/cri/remote_runtime_service.ts";
import { generateContainerConfig } from "../src/kuberuntime/container_config.ts";
import { hashContainer } from "../src/kuberuntime/container_hash.ts";
import { generatePodSandboxConfig } from "../src/kuberuntime/sandbox_config.ts";
import { startContainerd } from "../tests/e2e/harness/containerd_harness.ts";
import { type RunningAgent, startAgent } from "../tests/kubelet/_agent_fixture.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    iterations: { type: "string", default: "7" },
    "idle-seconds": { type: "string", default: "30" },
    "skip-containerd": { type: "boolean", default: false },
    "skip-fake": { type: "boolean", default: false },
    pods: { type: "string", default: "110,1000" },
  },
});
const ITERATIONS = Number(values.iterations);
const IDLE_SECONDS = Number(values["idle-seconds"]);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

async function poll(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await fn())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the agent publishes `podName` as Running with every container running. */
function whenRunning(agent: RunningAgent, podName: string): Promise<number> {
  return new Promise((resolve) => {
    const stop = agent.statusManager.watch((change) => {
      const s = change.status;
      if (change.pod.metadata?.name !== podName || s?.phase !== "Running") return;
      if (!(s.containerStatuses ?? []).every((c) => c.state?.running)) return;
      stop();
      resolve(performance.now());
    });
  });
}

function httpdPod(name: string, image: string, port: number): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: "httpd",
        image,
        command: ["httpd", "-f", "-p", `127.0.0.1:${port}`, "-h", "/"],
      }],
    },
  };
}

async function benchContainerd(): Promise<void> {
  const harness = await startContainerd();
  if (typeof harness === "string") {
    console.log(`(a) containerd: SKIPPED (${harness})`);
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "denolet-pods-bench-" });
  const manifestDir = `${dir}/manifests`;
  await Deno.mkdir(manifestDir);
  const cri = new RemoteRuntimeService(harness.endpoint);
  const agent = startAgent({ endpoint: harness.endpoint, manifestDir, rootDir: `${dir}/root` });
  const rows: { agentRun: number; agentPort: number; bareRun: number; barePort: number }[] = [];
  try {
    await poll(
      "the agent to be ready",
      () =>
        agent.runtimeState.runtimeErrors(Date.now()).length === 0 &&
        agent.podConfig.sourcesReady.allReady(),
    );
    const basePort = 20_000 + Math.floor(Math.random() * 20_000);
    for (let i = 0; i < ITERATIONS + 1; i++) {
      const agentPort = basePort + 2 * i;
      const barePort = agentPort + 1;

      const measureAgent = async () => {
        const name = `bench-${i}`;
        const path = `${manifestDir}/${name}.json`;
        const running = whenRunning(agent, `${name}-e2e-node`);
        const t0 = performance.now();
        await Deno.writeTextFile(path, JSON.stringify(httpdPod(name, harness.image, agentPort)));
        const tRun = await running;
        await poll("agent pod port", () => answers(agentPort));
        const tPort = performance.now();
        await Deno.remove(path);
        await poll("agent pod removed", async () =>
          (await cri.listPodSandbox({
            labelSelector: { "io.kubernetes.pod.name": `${name}-e2e-node` },
          })).length === 0);
        return { run: tRun - t0, port: tPort - t0 };
      };

      const measureBare = async () => {
        const pod = setPodDefaults(httpdPod(`bare-${i}`, harness.image, barePort));
        (pod.metadata as { uid: string }).uid = crypto.randomUUID();
        const container = pod.spec!.containers[0];
        const sandboxConfig = generatePodSandboxConfig(pod, 0, { podLogsDir: `${dir}/bare-logs` });
        await Deno.mkdir(sandboxConfig.logDirectory!, { recursive: true });
        const config = generateContainerConfig(pod, container, {
          imageRef: harness.image,
          restartCount: 0,
          hash: hashContainer(container),
        });
        const t0 = performance.now();
        const sandboxId = await cri.runPodSandbox(sandboxConfig);
        const id = await cri.createContainer({ podSandboxId: sandboxId, config, sandboxConfig });
        await cri.startContainer(id);
        const tRun = performance.now();
        await poll("bare pod port", () => answers(barePort));
        const tPort = performance.now();
        await cri.stopPodSandbox(sandboxId);
        await cri.removePodSandbox(sandboxId);
        return { run: tRun - t0, port: tPort - t0 };
      };

      // Alternate the order so neither side always runs on a warmer daemon.
      const first = i % 2 === 0 ? await measureAgent() : await measureBare();
      const second = i % 2 === 0 ? await measureBare() : await measureAgent();
      const a = i % 2 === 0 ? first : second;
      const b = i % 2 === 0 ? second : first;
      // The first round warms caches (image, snapshotter); it is not counted.
      if (i > 0) {
        rows.push({ agentRun: a.run, agentPort: a.port, bareRun: b.run, barePort: b.port });
      }
    }
  } finally {
    await agent.stop();
    cri.close();
    await harness.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const agentRun = median(rows.map((r) => r.agentRun));
  const bareRun = median(rows.map((r) => r.bareRun));
  const agentPort = median(rows.map((r) => r.agentPort));
  const barePort = median(rows.map((r) => r.barePort));
  console.log(`\n(a) containerd, one host-network httpd pod, median of ${rows.length} runs`);
  console.table([
    {
      measure: "to container running",
      agent: ms(agentRun),
      bareCri: ms(bareRun),
      ratio: (agentRun / bareRun).toFixed(2),
      overhead: ms(agentRun - bareRun),
    },
    {
      measure: "to port answering",
      agent: ms(agentPort),
      bareCri: ms(barePort),
      ratio: (agentPort / barePort).toFixed(2),
      overhead: ms(agentPort - barePort),
    },
  ]);
  console.log(
    "per run (ms):",
    rows.map((r) => Object.values(r).map((x) => x.toFixed(0)).join("/")),
  );
}

/** Starts scripts/fake_runtime.ts in its own process; returns its endpoint and a stopper. */
async function spawnFakeRuntime(socketPath: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net",
      new URL("../scripts/fake_runtime.ts", import.meta.url).pathname,
      "--listen",
      `unix://${socketPath}`,
      "--image",
      "busybox:1.36",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const probe = new RemoteRuntimeService(`unix://${socketPath}`, { runtimeRequestTimeoutMs: 2000 });
  await poll("the fake runtime", async () => {
    try {
      await probe.version();
      return true;
    } catch {
      return false;
    }
  }, 30_000);
  probe.close();
  return {
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function benchFake(podCount: number): Promise<Record<string, string | number>> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-pods-bench-fake-" });
  const fake = await spawnFakeRuntime(`${dir}/fake.sock`);
  const relists: number[] = [];
  const agent = startAgent({
    endpoint: `unix://${dir}/fake.sock`,
    rootDir: `${dir}/root`,
    maxPods: podCount,
    onRelist: (d) => relists.push(d),
  });
  try {
    await poll(
      "the agent to be ready",
      () => agent.runtimeState.runtimeErrors(Date.now()).length === 0,
    );
    const pods = Array.from({ length: podCount }, (_, i) =>
      setPodDefaults({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: `p${i}`,
          namespace: "default",
          uid: `bench-uid-${i}`,
          annotations: { "kubernetes.io/config.source": "file" },
        },
        spec: {
          containers: ["a", "b", "c"].map((n) => ({
            name: n,
            image: "busybox:1.36",
            command: ["sleep", "3600"],
          })),
        },
      }));
    const runningPods = new Set<string>();
    const converged = new Promise<number>((resolve) => {
      const stop = agent.statusManager.watch((change) => {
        const s = change.status;
        if (s?.phase === "Running" && (s.containerStatuses ?? []).every((c) => c.state?.running)) {
          runningPods.add(change.uid);
        }
        if (runningPods.size === podCount) {
          stop();
          resolve(performance.now());
        }
      });
    });
    const t0 = performance.now();
    agent.podConfig.merge("file", pods);
    const convergeMs = (await converged) - t0;
    await agent.kubelet.podWorkers.whenIdle();
    // Idle: let the post-start syncs settle, then measure.
    await new Promise((r) => setTimeout(r, 3000));
    relists.length = 0;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - w0;
    const cpuMsPerMinute = ((cpu.user + cpu.system) / 1000) * (60_000 / wall);
    const rss = Deno.memoryUsage().rss;
    return {
      pods: podCount,
      containers: podCount * 3,
      convergeMs: Math.round(convergeMs),
      relistMedianMs: Number(median(relists).toFixed(2)),
      relistMaxMs: Number(Math.max(...relists).toFixed(2)),
      agentRssMiB: Number((rss / 2 ** 20).toFixed(1)),
      idleCpuMsPerMin: Math.round(cpuMsPerMinute),
      idleCpuPercent: Number((cpuMsPerMinute / 600).toFixed(2)),
    };
  } finally {
    await agent.stop();
    await fake.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (!values["skip-containerd"]) await benchContainerd();
if (!values["skip-fake"]) {
  const rows = [];
  for (const n of values.pods.split(",").map(Number)) rows.push(await benchFake(n));
  console.log(
    `\n(b) fake runtime in its own process, 3 containers per pod, idle window ${IDLE_SECONDS} s`,
  );
  console.table(rows);
}
