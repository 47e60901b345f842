/**
 * How fast the agent reacts on containerd 1.6, which has no CRI event stream
 * (the generic PLEG relists every `--pleg-relist-period`, 1 s by default, and at once on each
 * task exit containerd reports on its own event API),
 * and what that costs. The agent is the REAL process
 * (tests/e2e/harness/agent_process.ts) on a private containerd.
 *
 * 1. Ready after port: host-network busybox httpd pods with an HTTP
 *    readiness probe (periodSeconds 10) written one at a time; the time from
 *    the port first answering (polled every 2 ms) to `/pods` showing the pod
 *    Ready (polled every 5 ms, so up to 5 ms of it is the poll). Goal ≤ 50 ms
 *    every time.
 * 2. Idle at 30 pods (the same pods plus more, all Ready): the agent's CPU
 *    (utime + stime from `/proc/<pid>/stat`, read by `cat`) over a window,
 *    and the relists in it (kubelet_pleg_relist_duration_seconds from
 *    `/metrics`). Goal ≤ 1 % of a core.
 * 3. Kill → answering: the httpd of a pod SIGKILLed (its PID from `ctr
 *    tasks ls`), the time until its port answers again, over `--kills` pods
 *    (each killed once: a second crash would wait out CrashLoopBackOff's
 *    10 s). Beside each, the bare CRI floor in the same run: a sandbox made
 *    through the CRI, its httpd SIGKILLed the same way, ContainerStatus
 *    polled every 2 ms until the runtime reports it EXITED (containerd's CRI
 *    plugin reports the exit only once it has handled the task's exit event,
 *    tens to hundreds of ms later), then CreateContainer + StartContainer.
 *    Goal ≤ 0.25 s at p100.
 *
 * ```sh
 * deno task bench:reaction [--pods 30] [--kills 10] [--ready-pods 10] \
 *   [--idle-seconds 20] [--relist-period 100ms]
 * ```
 *
 * Prints tables and `BENCH_FIGURE` lines (bench/_figures.ts); asserts nothing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../src/api/defaults.ts";
import { RemoteRuntimeService } from "../src/cri/remote_runtime_service.ts";
import { generateContainerConfig } from "../src/kuberuntime/container_config.ts";
import { hashContainer } from "../src/kuberuntime/container_hash.ts";
import { generatePodSandboxConfig } from "../src/kuberuntime/sandbox_config.ts";
import { RealClock } from "../src/util/clock.ts";
import {
  type ContainerdHarness,
  startContainerd,
} from "../tests/e2e/harness/containerd_harness.ts";
import {
  type AgentProcess,
  freePort,
  portAnswers,
  startAgent,
} from "../tests/e2e/harness/agent_process.ts";
import { median } from "./_cluster_figures.ts";
import { agentSetup, NODE, removeAllPods } from "./_pod_bench_kit.ts";
import { reportFigure } from "./_figures.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pods: { type: "string", default: "30" },
    kills: { type: "string", default: "10" },
    "ready-pods": { type: "string", default: "10" },
    "idle-seconds": { type: "string", default: "20" },
    "relist-period": { type: "string" },
  },
});
const PODS = Number(values.pods);
const KILLS = Math.min(Number(values.kills), PODS);
const READY_PODS = Math.min(Number(values["ready-pods"]), PODS);
const IDLE_SECONDS = Number(values["idle-seconds"]);

interface PodList {
  items: Pod[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `intervalMs` until true and resolves with `performance.now()` then. */
async function until(
  what: string,
  fn: () => Promise<boolean> | boolean,
  intervalMs: number,
  timeoutMs = 60_000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    try {
      if (await fn()) return performance.now();
    } catch {
      // not yet
    }
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

async function output(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

/** User + system CPU time of `pid`, ms (`cat /proc/<pid>/stat`; Deno opens /proc only with -A). */
async function cpuMs(pid: number, ticksPerSecond: number): Promise<number> {
  const stat = await output("cat", [`/proc/${pid}/stat`]);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
}

/** The relist histogram's `_sum` (s) and `_count` from the agent's `/metrics`. */
async function relistTotals(
  agent: AgentProcess,
): Promise<{ sum: number; count: number; listings: number }> {
  const res = await agent.getReadOnly("/metrics");
  const sample = (name: string): number => {
    const line = res.body.split("\n").find((l) => l.startsWith(`${name} `));
    return line ? Number(line.trim().split(/\s+/).at(-1)) : NaN;
  };
  return {
    sum: sample("kubelet_pleg_relist_duration_seconds_sum"),
    count: sample("kubelet_pleg_relist_duration_seconds_count"),
    // Every listing of the runtime (relists, housekeeping): one ListPodSandbox each.
    listings: sample('kubelet_runtime_operations_total{operation_type="list_podsandbox"}'),
  };
}

function httpdContainer(image: string, port: number) {
  return {
    name: "httpd",
    image,
    command: ["httpd", "-f", "-p", `127.0.0.1:${port}`, "-h", "/var/www"],
  };
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
        ...httpdContainer(image, port),
        readinessProbe: { httpGet: { port, path: "/" }, periodSeconds: 10 },
      }],
    },
  };
}

function isReady(pod: Pod | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** The PID of a container's task (`ctr -n k8s.io tasks ls`). */
async function taskPid(harness: ContainerdHarness, containerId: string): Promise<number> {
  const lines = (await harness.ctr(["tasks", "ls"], "k8s.io")).split("\n").slice(1);
  for (const line of lines) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (id === containerId && status === "RUNNING") return Number(pid);
  }
  throw new Error(`No running task for container ${containerId}`);
}

/** SIGKILLs the task, then waits until the port stops answering; returns the kill time. */
async function killAndWaitDown(pid: number, port: number): Promise<number> {
  const t0 = performance.now();
  Deno.kill(pid, "SIGKILL");
  await until(`port ${port} down`, async () => !(await portAnswers(port, 200)), 1, 5_000);
  return t0;
}

const UID_LABEL = "io.kubernetes.pod.uid";

/** A pod made through the CRI alone, its httpd restarted at once when killed. */
class BarePod {
  #cri: RemoteRuntimeService;
  #pod: Pod;
  #sandboxConfig;
  #attempt = 0;
  sandboxId = "";
  containerId = "";
  readonly port: number;
  readonly #dir: string;

  constructor(cri: RemoteRuntimeService, image: string, dir: string) {
    this.#cri = cri;
    this.#dir = dir;
    this.port = freePort();
    const pod = setPodDefaults(httpdPod("bare", image, this.port));
    (pod.metadata as { uid: string }).uid = crypto.randomUUID();
    delete pod.spec!.containers[0].readinessProbe;
    this.#pod = pod;
    this.#sandboxConfig = generatePodSandboxConfig(pod, 0, { podLogsDir: `${dir}/bare-logs` });
    // Without its pod UID label the agent leaves it alone (it would clean it up as an orphan).
    delete this.#sandboxConfig.labels?.[UID_LABEL];
  }

  async start(): Promise<void> {
    await Deno.mkdir(this.#sandboxConfig.logDirectory!, { recursive: true });
    this.sandboxId = await this.#cri.runPodSandbox(this.#sandboxConfig);
    await this.startContainer();
  }

  /** CreateContainer + StartContainer of the next attempt in the sandbox. */
  async startContainer(): Promise<void> {
    const container = this.#pod.spec!.containers[0];
    const terminationLog = `${this.#dir}/bare-termination-log-${this.#attempt}`;
    await Deno.writeTextFile(terminationLog, "");
    const config = generateContainerConfig(this.#pod, container, {
      imageRef: container.image!,
      restartCount: this.#attempt++,
      hash: hashContainer(container),
      mounts: [{
        containerPath: container.terminationMessagePath!,
        hostPath: terminationLog,
        readonly: false,
        selinuxRelabel: false,
      }],
    });
    delete config.labels?.[UID_LABEL];
    this.containerId = await this.#cri.createContainer({
      podSandboxId: this.sandboxId,
      config,
      sandboxConfig: this.#sandboxConfig,
    });
    await this.#cri.startContainer(this.containerId);
  }
}

async function main(): Promise<void> {
  const harness = await startContainerd();
  if (typeof harness === "string") {
    console.log(`reaction bench: SKIPPED (${harness})`);
    return;
  }
  // The kubelet's default fileCheckFrequency: new manifests are seen at once through the watch.
  const { dir, manifestDir, args } = await agentSetup(
    "denolet-reaction-bench-",
    harness.endpoint,
    [
      `--port=${freePort()}`,
      ...(values["relist-period"] ? [`--pleg-relist-period=${values["relist-period"]}`] : []),
    ],
    "20s",
  );
  const cri = new RemoteRuntimeService(harness.endpoint, { clock: new RealClock() });
  const ticksPerSecond = Number(await output("getconf", ["CLK_TCK"])) || 100;
  let agent: AgentProcess | undefined;
  try {
    agent = await startAgent(args);
    const a = agent;
    await until("the agent's /healthz", async () => (await a.get("/healthz")).status === 200, 50);
    const ports: number[] = [];
    const podOf = async (i: number) =>
      (await a.getJson<PodList>("/pods")).items.find((p) => p.metadata?.name === `r${i}-${NODE}`);
    const write = (i: number) => {
      ports[i] = freePort();
      return Deno.writeTextFile(
        `${manifestDir}/r${i}.json`,
        JSON.stringify(httpdPod(`r${i}`, harness.image, ports[i])),
      );
    };

    // 1. Ready after port, one pod at a time.
    const readyAfterPort: number[] = [];
    for (let i = 0; i < READY_PODS; i++) {
      await write(i);
      const [port, ready] = await Promise.all([
        until(`r${i} port`, () => portAnswers(ports[i], 500), 2),
        until(`r${i} Ready`, async () => isReady(await podOf(i)), 5),
      ]);
      readyAfterPort.push(Math.max(0, ready - port));
    }

    // 2. Idle at PODS pods.
    for (let i = READY_PODS; i < PODS; i++) await write(i);
    await until(
      "every pod Ready",
      async () => {
        const items = (await a.getJson<PodList>("/pods")).items;
        return items.filter(isReady).length === PODS;
      },
      200,
      120_000,
    );
    await sleep(3000);
    const r0 = await relistTotals(a);
    const c0 = await cpuMs(a.pid, ticksPerSecond);
    const w0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const c1 = await cpuMs(a.pid, ticksPerSecond);
    const wallMs = performance.now() - w0;
    const r1 = await relistTotals(a);
    const idleCpuPercent = (c1 - c0) / wallMs * 100;
    const idleRelists = r1.count - r0.count;
    const relistMeanMs = (r1.sum - r0.sum) / idleRelists * 1000;
    const idleListings = r1.listings - r0.listings;

    // 3. Kill → answering, agent and bare side by side.
    const bare = new BarePod(cri, harness.image, dir);
    await bare.start();
    await until("bare port", () => portAnswers(bare.port, 500), 5);
    const agentKills: number[] = [];
    const bareKills: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const [c] = await cri.listContainers({
        labelSelector: { "io.kubernetes.pod.name": `r${i}-${NODE}` },
        state: { state: "CONTAINER_RUNNING" },
      });
      const t0 = await killAndWaitDown(await taskPid(harness, c.id), ports[i]);
      agentKills.push(
        (await until(`r${i} answering again`, () => portAnswers(ports[i], 500), 2)) - t0,
      );
      const b0 = await killAndWaitDown(await taskPid(harness, bare.containerId), bare.port);
      await until(
        "bare container exited (CRI)",
        async () =>
          (await cri.containerStatus(bare.containerId)).status.state === "CONTAINER_EXITED",
        2,
      );
      await bare.startContainer();
      bareKills.push(
        (await until("bare answering again", () => portAnswers(bare.port, 500), 2)) - b0,
      );
    }

    const s = (ms: number) => Number((ms / 1000).toFixed(3));
    console.log(
      `\nreaction bench on containerd, ${PODS} host-network httpd pods, relist period ${
        values["relist-period"] ?? "default (1s)"
      }`,
    );
    console.table([
      {
        measure: `Ready after port (${READY_PODS} pods), ms`,
        p50: median(readyAfterPort).toFixed(1),
        max: Math.max(...readyAfterPort).toFixed(1),
      },
      {
        measure: `kill → answering (${KILLS} kills), ms`,
        p50: median(agentKills).toFixed(1),
        max: Math.max(...agentKills).toFixed(1),
        bareP50: median(bareKills).toFixed(1),
        bareMax: Math.max(...bareKills).toFixed(1),
      },
    ]);
    console.log(
      `idle ${PODS} pods: CPU ${idleCpuPercent.toFixed(2)} % of a core over ${
        (wallMs / 1000).toFixed(1)
      } s; ${idleRelists} relists, mean ${relistMeanMs.toFixed(2)} ms; ${idleListings} runtime ` +
        `listings (ListPodSandbox + ListContainers each)`,
    );
    console.log(
      "per kill (ms, agent/bare):",
      agentKills.map((x, i) => `${x.toFixed(0)}/${bareKills[i].toFixed(0)}`),
    );
    const bareMedian = median(bareKills);
    reportFigure({
      figure: "kill → port answering again, p100 (containerd)",
      now: s(percentile(agentKills, 100)),
      unit: "s",
      goal: { op: "<=", value: 0.25 },
      note: `${KILLS} kills; bare CRI restart p100 ${s(percentile(bareKills, 100))} s`,
    });
    reportFigure({
      figure: "kill → port answering again, p50 (containerd)",
      now: s(median(agentKills)),
      unit: "s",
      bareRatio: Number((median(agentKills) / bareMedian).toFixed(2)),
      note: `${KILLS} kills; bare CRI restart (ContainerStatus EXITED, CreateContainer, ` +
        `StartContainer) ` +
        `p50 ${s(bareMedian)} s`,
    });
    reportFigure({
      figure: "Ready after the port answers, max (containerd)",
      now: s(Math.max(...readyAfterPort)),
      unit: "s",
      goal: { op: "<=", value: 0.05 },
      note: `${READY_PODS} pods, p50 ${s(median(readyAfterPort))} s; /pods polled every 5 ms`,
    });
    reportFigure({
      figure: `agent idle CPU, ${PODS} pods (containerd)`,
      now: Number(idleCpuPercent.toFixed(2)),
      unit: "%",
      goal: { op: "<=", value: 1 },
      note: `${(wallMs / 1000).toFixed(0)} s window, ${idleRelists} relists, ` +
        `${idleListings} runtime listings`,
    });
    reportFigure({
      figure: `relist duration, ${PODS} pods idle (containerd)`,
      now: Number(relistMeanMs.toFixed(2)),
      unit: "ms",
      note: `mean of ${idleRelists} relists`,
    });
  } catch (e) {
    if (agent) console.error(`agent log tail:\n${agent.logTail(60)}`);
    throw e;
  } finally {
    await agent?.stop();
    await removeAllPods(cri);
    cri.close();
    await harness.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

await main();
