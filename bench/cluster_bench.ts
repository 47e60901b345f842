/**
 * What joining a cluster costs (issue 10 item 10). The REAL agent process
 * (tests/e2e/harness/agent_process.ts: `deno run` with the permissions
 * computed from its flags) on a private containerd with a CNI bridge and a
 * REAL kube-apiserver v1.20 + etcd, as tests/e2e/cluster_e2e_test.ts runs
 * them; the agent authenticates as `system:node:<name>`.
 *
 * (a) One agent with `--kubeconfig` and `--pod-manifest-path`: a host-network
 *     busybox httpd pod created with `kubectl create` (bound with
 *     `spec.nodeName`) → its port accepting a TCP connect, next to the same
 *     pod written as a manifest file into the watched dir, alternating, N of
 *     each after one warm-up pair. Clocks start when `kubectl create` returns
 *     (the object is stored) and when the file write returns; the API side is
 *     also shown from the moment `kubectl create` starts (adds kubectl's own
 *     start-up). The port is tried every 10 ms. Each pod is deleted, and gone
 *     from the port, the agent and the API, before the next one. Goal: api/file ≤ 1.1.
 * (b) A fresh agent with 25 API pods + 5 static pods (host network, `sleep`),
 *     all Running and Ready in the agent and in the API, nothing changing:
 *     the agent's `rest_client_requests_total` (its `/metrics`) read at t0 and
 *     t0 + the window, as requests per minute by method and code, and the
 *     kube-apiserver's `apiserver_request_total` for pods, nodes, leases and
 *     events over the same window (nothing else uses those resources here,
 *     so it says what the agent's requests were), next to the kubelet's anchor.
 * (c) The agent's own resident set (`VmRSS` of the `deno run ... main.ts`
 *     process, found by its command line) idle with those 30 pods, next to a
 *     standalone agent (no `--kubeconfig`) with the same 30 pods from files
 *     only, same containerd, same run, sampled at the same times after settling.
 *
 * ```sh
 * deno task bench:cluster [--iterations 5] [--window-seconds 120] [--settle-seconds 15] \
 *   [--idle-seconds 60] [--api-pods 25] [--static-pods 5]
 * ```
 *
 * Prints tables; asserts nothing. Skips (exit 0, saying why) when containerd
 * or kube-apiserver cannot run here (scripts/e2e_deps.sh installs them).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import { startContainerd } from "../tests/e2e/harness/containerd_harness.ts";
import { type ApiServerHarness, startApiServer } from "../tests/e2e/harness/apiserver_harness.ts";
import {
  type AgentProcess,
  freePort,
  startAgent,
  waitFor,
  waitForHealthz,
  writeAgentConfig,
} from "../tests/e2e/harness/agent_process.ts";
import {
  agentPid,
  firstConnect,
  median,
  mib,
  RSS_EVERY_MS,
  rssOver,
  type RssSample,
  rssSummary,
  tcpConnects,
  warningsAndErrors,
} from "./_cluster_figures.ts";
import { printRequests, readRequestCounters } from "./_cluster_requests.ts";
import { reportFigure } from "./_figures.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    iterations: { type: "string", default: "5" },
    "window-seconds": { type: "string", default: "120" },
    "settle-seconds": { type: "string", default: "15" },
    "idle-seconds": { type: "string", default: "60" },
    "api-pods": { type: "string", default: "25" },
    "static-pods": { type: "string", default: "5" },
  },
});
const ITERATIONS = Number(values.iterations);
const WINDOW_MS = Number(values["window-seconds"]) * 1000;
const SETTLE_MS = Number(values["settle-seconds"]) * 1000;
const IDLE_MS = Math.min(Number(values["idle-seconds"]) * 1000, WINDOW_MS);
const API_PODS = Number(values["api-pods"]);
const STATIC_PODS = Number(values["static-pods"]);
const NODE = "bench-cluster-node";
const started = performance.now();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (x: number) => `${x.toFixed(0)} ms`;
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

function hostNetworkPod(name: string, image: string, command: string[]): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { bench: "cluster" } },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "app", image, imagePullPolicy: "Never", command }],
    },
  };
}

const httpd = (port: number) => ["httpd", "-f", "-p", `127.0.0.1:${port}`, "-h", "/"];
const SLEEP = ["sleep", "86400"];

interface PodList {
  items: Pod[];
}

const isReady = (p: Pod) =>
  p.status?.phase === "Running" &&
  (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Everything one bench run uses; `cleanup` stops it all, once, even half-built. */
class Run {
  agent?: AgentProcess;
  readonly args: string[];
  readonly manifests: string;
  readonly rootDir: string;
  constructor(
    readonly dir: string,
    readonly api: ApiServerHarness,
    readonly image: string,
    endpoint: string,
  ) {
    this.manifests = `${dir}/manifests`;
    this.rootDir = `${dir}/root`;
    this.args = [
      `--config=${dir}/kubelet.yaml`,
      `--hostname-override=${NODE}`,
      `--root-dir=${this.rootDir}`,
      `--container-runtime-endpoint=${endpoint}`,
      `--pod-manifest-path=${this.manifests}`,
      "--node-ip=127.0.0.1",
      // The kubelet API on a free port, never a real kubelet's 10250.
      `--port=${freePort()}`,
    ];
  }

  async start(cluster: boolean): Promise<AgentProcess> {
    await this.agent?.stop();
    const args = cluster
      ? [...this.args, `--kubeconfig=${this.api.nodeKubeconfig(NODE)}`]
      : this.args;
    const a = this.agent = await startAgent(args);
    await waitForHealthz(a, 200, { timeoutMs: 60_000, details: () => a.logTail(40) });
    await waitFor(() => a.getJson("/pods"), { timeoutMs: 30_000, what: "the agent's /pods" });
    return a;
  }

  /** Stops the agent, printing its warnings and errors (grouped) first. */
  async stopAgent(label: string): Promise<void> {
    const a = this.agent;
    if (!a) return;
    this.agent = undefined;
    await a.stop();
    const lines = warningsAndErrors(a.log());
    console.log(`${label}: ${lines.length} kinds of warning/error lines in the agent log`);
    for (const l of lines) console.log(`  ${l.count}× ${l.line.slice(0, 300)}`);
  }

  kubectlJson<T>(args: string[]): Promise<T> {
    return this.api.kubectl([...args, "-o", "json"]).then((s) => JSON.parse(s) as T);
  }

  async apiHasPod(name: string): Promise<boolean> {
    const out = await this.api.kubectl(["get", "pod", name, "--ignore-not-found", "-o", "name"]);
    return out.trim() !== "";
  }

  /** Waits until `port` refuses, the agent's /pods lacks `agentName` and the API lacks `apiName`. */
  async gone(agentName: string, apiName: string, port: number): Promise<void> {
    const a = this.agent!;
    await waitFor(async () => {
      if (await tcpConnects(port)) return false;
      const list = await a.getJson<PodList>("/pods");
      if (list.items.some((p) => p.metadata?.name === agentName)) return false;
      return !(await this.apiHasPod(apiName));
    }, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `${apiName} gone`,
      details: () => a.logTail(30),
    });
  }
}

/** (a) kubectl create vs a manifest file → first TCP connect, alternating. */
async function createToPort(run: Run): Promise<void> {
  const a = await run.start(true);
  await waitFor(async () => {
    const n = await run.kubectlJson<Node>(["get", "node", NODE]).catch(() => undefined);
    return n?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
  }, { timeoutMs: 60_000, what: `node ${NODE} Ready`, details: () => a.logTail(40) });
  console.log(`[${elapsed()}] (a) agent joined, node Ready; ${ITERATIONS} + 1 warm-up pairs`);

  const viaApi = async (i: number) => {
    const port = freePort();
    const name = `bench-api-${i}`;
    const pod = hostNetworkPod(name, run.image, httpd(port));
    pod.spec!.nodeName = NODE;
    const path = `${run.dir}/${name}.json`;
    await Deno.writeTextFile(path, JSON.stringify(pod));
    const tStart = performance.now();
    await run.api.kubectl(["create", "-f", path]);
    const tReturn = performance.now();
    const tPort = await firstConnect(port, { what: `${name}'s port` });
    await run.api.kubectl(["delete", "pod", name, "--grace-period=1", "--wait=false"]);
    await run.gone(name, name, port);
    return { fromReturn: tPort - tReturn, fromStart: tPort - tStart, call: tReturn - tStart };
  };
  const viaFile = async (i: number) => {
    const port = freePort();
    const name = `bench-file-${i}`;
    const path = `${run.manifests}/${name}.json`;
    const text = JSON.stringify(hostNetworkPod(name, run.image, httpd(port)));
    const tStart = performance.now();
    await Deno.writeTextFile(path, text);
    const tReturn = performance.now();
    const tPort = await firstConnect(port, { what: `${name}'s port` });
    await Deno.remove(path);
    // The static pod is `<name>-<node>` in the agent and as its mirror pod in the API.
    await run.gone(`${name}-${NODE}`, `${name}-${NODE}`, port);
    return { fromReturn: tPort - tReturn, fromStart: tPort - tStart, call: tReturn - tStart };
  };

  const rows: { api: number; apiFromStart: number; kubectl: number; file: number }[] = [];
  for (let i = 0; i <= ITERATIONS; i++) {
    // Alternate which goes first, so neither always runs on a warmer daemon.
    const apiFirst = i % 2 === 0;
    const first = apiFirst ? await viaApi(i) : await viaFile(i);
    const second = apiFirst ? await viaFile(i) : await viaApi(i);
    const [api, file] = apiFirst ? [first, second] : [second, first];
    if (i === 0) continue; // warm-up: image, snapshotter, first watch event
    rows.push({
      api: api.fromReturn,
      apiFromStart: api.fromStart,
      kubectl: api.call,
      file: file.fromReturn,
    });
  }
  await run.stopAgent("(a) agent");
  const api = median(rows.map((r) => r.api));
  const file = median(rows.map((r) => r.file));
  const apiFromStart = median(rows.map((r) => r.apiFromStart));
  console.log(
    `\n(a) host-network busybox httpd pod → first TCP connect to its port (10 ms polls), ` +
      `same agent (--kubeconfig + --pod-manifest-path), alternating, median of ${rows.length} each`,
  );
  console.table([
    {
      source: "API: from `kubectl create` returned",
      median: ms(api),
      ratioToFile: (api / file).toFixed(2),
    },
    {
      source: "API: from `kubectl create` started",
      median: ms(apiFromStart),
      ratioToFile: (apiFromStart / file).toFixed(2),
    },
    { source: "file: from the write returned", median: ms(file), ratioToFile: "1.00" },
  ]);
  reportFigure({
    figure: "API pod → port answering (from kubectl create returned), vs the same pod from a file",
    now: api / 1000,
    unit: "s",
    bareRatio: api / file,
    ratioGoal: 1.1,
    note: `ratio = API / file (${ms(file)}), median of ${rows.length} alternating pairs`,
  });
  console.log(
    `api/file = ${(api / file).toFixed(2)} (goal ≤ 1.1); kubectl create itself took ` +
      `${ms(median(rows.map((r) => r.kubectl)))} (median)`,
  );
  console.log(
    "per pair (ms, api-from-return/api-from-start/file):",
    rows.map((r) => [r.api, r.apiFromStart, r.file].map((x) => x.toFixed(0)).join("/")),
  );
}

/** Waits until the agent's /pods shows `count` pods, all Running and Ready. */
async function allReady(a: AgentProcess, count: number): Promise<void> {
  let ready = 0;
  await waitFor(async () => {
    if (a.exited) throw new Error(`the agent exited:\n${a.logTail(40)}`);
    ready = (await a.getJson<PodList>("/pods")).items.filter(isReady).length;
    return ready === count;
  }, {
    timeoutMs: 240_000,
    intervalMs: 500,
    what: `${count} pods Running and Ready in /pods`,
    details: () => `${ready}/${count} ready\n${a.logTail(40)}`,
  });
}

function steadyPods(run: Run) {
  const statics = Array.from({ length: STATIC_PODS }, (_, i) => `steady-static-${i}`);
  const apis = Array.from({ length: API_PODS }, (_, i) => `steady-api-${i}`);
  const pod = (name: string) => hostNetworkPod(name, run.image, SLEEP);
  return { statics, apis, pod };
}

/** (b) requests per minute at steady state and (c, cluster side) RSS; returns the RSS samples. */
async function steadyState(run: Run) {
  const { statics, apis, pod } = steadyPods(run);
  for (const name of statics) {
    await Deno.writeTextFile(`${run.manifests}/${name}.json`, JSON.stringify(pod(name)));
  }
  const a = await run.start(true);
  const list = {
    apiVersion: "v1",
    kind: "List",
    items: apis.map((n) => {
      const p = pod(n);
      p.spec!.nodeName = NODE;
      return p;
    }),
  };
  await Deno.writeTextFile(`${run.dir}/steady-api.json`, JSON.stringify(list));
  await run.api.kubectl(["create", "-f", `${run.dir}/steady-api.json`]);
  const total = statics.length + apis.length;
  await allReady(a, total);
  await waitFor(async () => {
    const l = await run.kubectlJson<PodList>(["get", "pods", "-n", "default"]);
    return l.items.filter(isReady).length === total;
  }, { timeoutMs: 120_000, intervalMs: 1000, what: `${total} pods Ready in the API` });
  console.log(`[${elapsed()}] (b) ${total} pods Running and Ready in the agent and the API`);
  await sleep(SETTLE_MS);
  const pid = await agentPid(a.pid, run.rootDir);
  const before = await readRequestCounters(a, run.api);
  const t0 = performance.now();
  const rss = await rssOver(pid, WINDOW_MS);
  const after = await readRequestCounters(a, run.api);
  const windowMs = performance.now() - t0;

  const settled = `${SETTLE_MS / 1000} s settled`;
  printRequests(before, after, {
    windowMs,
    header: `${apis.length} API pods + ${statics.length} static pods, Running and Ready, ` +
      `nothing changing; window ${(windowMs / 1000).toFixed(1)} s after ${settled}`,
  });
  return { pid, rss };
}

/** (c) the same pods from files only, standalone agent; returns the RSS samples. */
async function standalone(run: Run) {
  const { apis, pod } = steadyPods(run);
  await run.api.kubectl(["delete", "pods", ...apis, "--grace-period=1", "--wait=false"]);
  await waitFor(async () => {
    const l = await run.kubectlJson<PodList>(["get", "pods", "-n", "default"]);
    return !l.items.some((p) => apis.includes(p.metadata?.name ?? ""));
  }, { timeoutMs: 120_000, intervalMs: 1000, what: "the API pods gone" });
  await run.stopAgent("(b) agent");
  for (const name of apis) {
    await Deno.writeTextFile(`${run.manifests}/${name}.json`, JSON.stringify(pod(name)));
  }
  const a = await run.start(false);
  await allReady(a, STATIC_PODS + API_PODS);
  console.log(
    `[${elapsed()}] (c) standalone: ${STATIC_PODS + API_PODS} file pods Running and Ready`,
  );
  await sleep(SETTLE_MS);
  const pid = await agentPid(a.pid, run.rootDir);
  const rss = await rssOver(pid, IDLE_MS);
  await run.stopAgent("(c) standalone agent");
  return { pid, rss };
}

/** (c) the two agents' VmRSS over the same idle time, and the difference. */
function printRss(
  cluster: { pid: number; rss: RssSample[] },
  alone: { pid: number; rss: RssSample[] },
): void {
  const c = rssSummary(cluster.rss, IDLE_MS);
  const sa = rssSummary(alone.rss, IDLE_MS);
  const row = (agent: string, r: ReturnType<typeof rssSummary>, windowMs: number) => ({
    agent,
    medianMiB: mib(r.median),
    minMiB: mib(r.min),
    maxMiB: mib(r.max),
    peakMiB: mib(r.peak),
    samples: `${r.count} over ${windowMs / 1000} s`,
  });
  const pods = API_PODS + STATIC_PODS;
  console.log(
    `\n(c) the agent's own VmRSS (the deno process running main.ts: PID ${cluster.pid} with ` +
      `--kubeconfig, PID ${alone.pid} standalone), idle with the same ${pods} pods, sampled ` +
      `every ${RSS_EVERY_MS / 1000} s from ${SETTLE_MS / 1000} s after all were Ready`,
  );
  console.table([
    row(`--kubeconfig (${API_PODS} API + ${STATIC_PODS} static pods)`, c, IDLE_MS),
    row(`standalone (${pods} file pods)`, sa, IDLE_MS),
    row("--kubeconfig, the whole (b) window", rssSummary(cluster.rss, WINDOW_MS), WINDOW_MS),
  ]);
  reportFigure({
    figure: `agent RSS with --kubeconfig minus standalone, same ${pods} pods (containerd)`,
    now: Number(mib(c.median - sa.median)),
    unit: "MiB",
    note: `${mib(c.median)} vs ${mib(sa.median)} MiB`,
  });
  console.log(
    `difference (median over the same ${IDLE_MS / 1000} s): ${mib(c.median - sa.median)} MiB ` +
      `(${mib(c.median)} vs ${mib(sa.median)} MiB); peaks differ by ${mib(c.peak - sa.peak)} MiB`,
  );
}

function skip(why: string): never {
  console.log(`\n!!! bench:cluster SKIPPED: ${why}\n`);
  Deno.exit(0);
}

const containerd = await startContainerd({ podNetwork: true });
if (typeof containerd === "string") skip(`containerd unavailable: ${containerd}`);
const apiserver = await startApiServer({ nodeNames: [NODE] });
if (typeof apiserver === "string") {
  await containerd.stop();
  skip(`kube-apiserver unavailable: ${apiserver}`);
}
console.log(
  `[${elapsed()}] containerd and ${apiserver.version} up (API ready in ${apiserver.readyMs} ms)`,
);
const dir = await Deno.makeTempDir({ prefix: "denolet-cluster-bench-" });
const run = new Run(dir, apiserver, containerd.image, containerd.endpoint);
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  cleaning ??= (async () => {
    await apiserver.kubectl([
      "delete",
      "pods",
      "--all",
      "-n",
      "default",
      "--grace-period=0",
      "--force",
      "--wait=false",
    ]).catch(() => "");
    await run.agent?.stop();
    await apiserver.stop();
    await containerd.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  })();
const onInterrupt = () => void cleanup().finally(() => Deno.exit(130));
Deno.addSignalListener("SIGINT", onInterrupt);
try {
  await Deno.mkdir(run.manifests);
  await Deno.mkdir(`${dir}/logs`);
  await writeAgentConfig(`${dir}/kubelet.yaml`, {
    podLogsDir: `${dir}/logs`,
    readOnlyPort: freePort(),
    healthzPort: freePort(),
  });
  await createToPort(run);
  const cluster = await steadyState(run);
  const alone = await standalone(run);
  printRss(cluster, alone);
  console.log(`[${elapsed()}] done`);
} catch (e) {
  if (run.agent) console.error(`agent log tail:\n${run.agent.logTail(60)}`);
  throw e;
} finally {
  Deno.removeSignalListener("SIGINT", onInterrupt);
  await cleanup();
}
