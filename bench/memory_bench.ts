/**
 * What the agent costs in memory, what its launcher leaves resident, and how
 * fast it answers `/healthz` after a start. The agent is the REAL process
 * (tests/e2e/harness/agent_process.ts: the command line of scripts/run.ts's
 * `buildRunCommand`, so the V8 flags and scoped permissions users get).
 * RSS is `VmRSS` of `/proc/<pid>/status` (read by `cat`), with its anonymous
 * and file-backed parts (`RssAnon`, `RssFile`: the latter is mostly the deno
 * binary's own pages, shared with every other deno process).
 *
 * (a) Agent RSS idle with 0, 30 and 110 pods on a private containerd
 *     (host-network busybox `sleep` pods; a fresh containerd for each count),
 *     median of the samples every 5 s over the idle window once every pod is
 *     Running. Goals: ≤ 64 MiB at 30 pods, ≤ 96 MiB at 110 (issue 13).
 * (b) Agent RSS idle with 1,000 pods × 3 containers on the fake runtime,
 *     two ways: with the fake as its own process (scripts/fake_runtime.ts,
 *     the agent pointed at its socket, as a real runtime sits beside it: the
 *     agent's RSS alone, the goal row: ≤ 250 MiB), and embedded
 *     (`--container-runtime-endpoint=embedded`, inside the agent process: its
 *     RSS includes the fake's state and its gRPC server side; informational).
 * (c) What the documented start command leaves resident besides the agent:
 *     the RSS of its whole process tree minus the agent's, for
 *     `sh scripts/start.sh` (the README's way: goal ≤ 1 MiB, i.e. nothing but
 *     the agent) and for `deno task start` (deno task itself stays, as the
 *     agent's parent; no goal, printed so an operator knows).
 * (d) Start → `/healthz` ok: median of `--starts` starts, from
 *     `sh scripts/start.sh` (the launcher: computes the permissions, then
 *     execs the agent) and from `deno run` with the computed flags directly.
 *     On containerd when it can run here, else on the embedded runtime (the
 *     figure's note says which). Goal ≤ 0.3 s from the launcher.
 *
 * The agent runs from its bundle (scripts/bundle.ts), as users run it; the
 * bundle is built (and its code cache filled) before anything is measured.
 * `--from-source` runs main.ts instead (`DENOLET_FROM_SOURCE=1`), with
 * "[from source]" after every figure name, for a side-by-side comparison.
 *
 * ```sh
 * deno task bench:memory [--pods 0,30,110] [--fake-pods 1000] [--idle-seconds 20] \
 *   [--starts 7] [--skip-containerd] [--skip-fake] [--skip-launcher] [--skip-start] \
 *   [--from-source]
 * ```
 *
 * Prints `BENCH_FIGURE` lines (bench/_figures.ts) and tables; asserts nothing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildRunCommand, FROM_SOURCE_ENV } from "../scripts/run.ts";
import { ensureBundle } from "../scripts/bundle.ts";
import { EMBEDDED_IMAGES } from "../src/agent/connect.ts";
import {
  type ContainerdHarness,
  startContainerd,
} from "../tests/e2e/harness/containerd_harness.ts";
import {
  type AgentProcess,
  freePort,
  startAgent,
  writeAgentConfig,
} from "../tests/e2e/harness/agent_process.ts";
import { median, mib, residentKiB } from "./_cluster_figures.ts";
import { startStandaloneFake } from "./_pod_bench_kit.ts";
import { reportFigure } from "./_figures.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pods: { type: "string", default: "0,30,110" },
    "fake-pods": { type: "string", default: "1000" },
    "idle-seconds": { type: "string", default: "20" },
    starts: { type: "string", default: "7" },
    "skip-containerd": { type: "boolean", default: false },
    "skip-fake": { type: "boolean", default: false },
    "skip-launcher": { type: "boolean", default: false },
    "skip-start": { type: "boolean", default: false },
    "from-source": { type: "boolean", default: false },
  },
});
const FROM_SOURCE = values["from-source"];
// buildRunCommand (startAgent) and scripts/start.sh read it.
if (FROM_SOURCE) Deno.env.set(FROM_SOURCE_ENV, "1");
/** What the agent runs, for the figures' notes (built and warmed before anything is measured). */
const ENTRY_NOTE = FROM_SOURCE
  ? "agent from source (main.ts)"
  : `agent from its bundle ${await ensureBundle()}`;
/** `reportFigure` with the entry the agent ran in the note (and name, from source). */
function figure(f: Parameters<typeof reportFigure>[0]): void {
  reportFigure({
    ...f,
    figure: FROM_SOURCE ? `${f.figure} [from source]` : f.figure,
    note: `${f.note ?? ""}; ${ENTRY_NOTE}`,
  });
}
const IDLE_MS = Number(values["idle-seconds"]) * 1000;
const SETTLE_MS = 5_000;
const SAMPLE_EVERY_MS = 5_000;
const START_SH = new URL("../scripts/start.sh", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;
const RSS_GOALS: Record<number, number> = { 30: 64, 110: 96 };
const FAKE_GOAL_MIB = 250;
const HEALTHZ_GOAL_S = 0.3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function output(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

/** `RssAnon` and `RssFile` of `pid`, KiB (the two parts of VmRSS). */
async function rssParts(pid: number): Promise<{ anon: number; file: number }> {
  const status = await output("cat", [`/proc/${pid}/status`]);
  const field = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1]);
  return { anon: field("RssAnon"), file: field("RssFile") };
}

/** `pid` and all its descendants. Needs `--allow-run=ps`. */
async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const children = await output("ps", ["-o", "pid=", "--ppid", String(out[i])]);
    out.push(...children.split(/\s+/).filter((s) => s !== "").map(Number));
  }
  return out;
}

/** A temp dir with manifests/, logs/ and kubelet.yaml, and the agent's flags. */
async function setup(endpoint: string, maxPods: number) {
  const dir = await Deno.makeTempDir({ prefix: "denolet-memory-bench-" });
  await Deno.mkdir(`${dir}/manifests`);
  await Deno.mkdir(`${dir}/logs`);
  const healthzPort = freePort();
  await writeAgentConfig(`${dir}/kubelet.yaml`, {
    podLogsDir: `${dir}/logs`,
    readOnlyPort: freePort(),
    healthzPort,
    fileCheckFrequency: "1s",
  });
  const args = [
    `--container-runtime-endpoint=${endpoint}`,
    `--pod-manifest-path=${dir}/manifests`,
    `--root-dir=${dir}/root`,
    `--config=${dir}/kubelet.yaml`,
    "--hostname-override=bench-node",
    `--max-pods=${Math.max(110, maxPods)}`,
  ];
  return { dir, manifests: `${dir}/manifests`, args, healthzPort };
}

function podManifest(name: string, image: string, containers: string[], hostNetwork: boolean) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      hostNetwork,
      terminationGracePeriodSeconds: 1,
      containers: containers.map((c) => ({
        name: c,
        image,
        imagePullPolicy: "IfNotPresent",
        command: ["sleep", "3600"],
      })),
    },
  };
}

interface PodList {
  items: { status?: { phase?: string; containerStatuses?: { state?: { running?: unknown } }[] } }[];
}

async function healthy(agent: AgentProcess): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (agent.exited) throw new Error(`The agent exited:\n${agent.logTail()}`);
    if ((await agent.get("/healthz").catch(() => undefined))?.status === 200) return;
    await sleep(50);
  }
  throw new Error(`No /healthz ok within 60 s:\n${agent.logTail()}`);
}

async function allRunning(agent: AgentProcess, count: number): Promise<void> {
  const deadline = performance.now() + 600_000;
  let running = 0;
  while (performance.now() < deadline) {
    if (agent.exited) throw new Error(`The agent exited:\n${agent.logTail()}`);
    const list = await agent.getJson<PodList>("/pods").catch(() => ({ items: [] }) as PodList);
    running = list.items.filter((p) =>
      p.status?.phase === "Running" &&
      (p.status.containerStatuses ?? []).every((c) => c.state?.running)
    ).length;
    if (running === count) return;
    await sleep(1000);
  }
  throw new Error(`${running}/${count} pods Running after 600 s:\n${agent.logTail(30)}`);
}

interface IdleRss {
  medianMiB: number;
  anonMiB: number;
  fileMiB: number;
  peakMiB: number;
  samples: number;
}

/** Settles, then samples the agent's RSS every 5 s over the idle window. */
async function idleRss(pid: number): Promise<IdleRss> {
  await sleep(SETTLE_MS);
  const rss: number[] = [];
  const anon: number[] = [];
  const file: number[] = [];
  let peak = 0;
  for (let at = 0; at <= IDLE_MS; at += SAMPLE_EVERY_MS) {
    if (at > 0) await sleep(SAMPLE_EVERY_MS);
    const r = await residentKiB(pid);
    const parts = await rssParts(pid);
    rss.push(r.rss);
    anon.push(parts.anon);
    file.push(parts.file);
    peak = r.hwm;
  }
  return {
    medianMiB: mib(median(rss)),
    anonMiB: mib(median(anon)),
    fileMiB: mib(median(file)),
    peakMiB: mib(peak),
    samples: rss.length,
  };
}

/** Starts the agent on `endpoint`, writes `count` pods, waits for them, measures idle RSS. */
async function agentWithPods(
  endpoint: string,
  count: number,
  pod: (i: number) => unknown,
  fakeProcess = false,
): Promise<IdleRss> {
  // With `fakeProcess`, the fake runtime runs as its own process on this socket.
  const socketDir = fakeProcess ? await Deno.makeTempDir({ prefix: "denolet-fake-" }) : "";
  const s = await setup(fakeProcess ? `unix://${socketDir}/fake.sock` : endpoint, count);
  let agent: AgentProcess | undefined;
  const fake = fakeProcess
    ? await startStandaloneFake(`${socketDir}/fake.sock`, `${s.dir}/logs`, EMBEDDED_IMAGES)
    : undefined;
  try {
    agent = await startAgent(s.args);
    await healthy(agent);
    for (let i = 0; i < count; i++) {
      await Deno.writeTextFile(`${s.manifests}/p${i}.json`, JSON.stringify(pod(i)));
    }
    await allRunning(agent, count);
    return await idleRss(agent.pid);
  } finally {
    await agent?.stop();
    await fake?.stop();
    await Deno.remove(s.dir, { recursive: true }).catch(() => {});
    if (socketDir) await Deno.remove(socketDir, { recursive: true }).catch(() => {});
  }
}

function rssNote(r: IdleRss): string {
  return `median of ${r.samples} samples over ${
    IDLE_MS / 1000
  } s idle; anon ${r.anonMiB} + file ${r.fileMiB} MiB (deno binary pages); peak ${r.peakMiB} MiB`;
}

async function benchContainerd(counts: number[]): Promise<void> {
  const rows = [];
  for (const count of counts) {
    const cd = await startContainerd();
    if (typeof cd === "string") {
      console.log(`(a) skipped: containerd cannot run here: ${cd}`);
      return;
    }
    try {
      const r = await agentWithPods(
        cd.endpoint,
        count,
        (i) => podManifest(`m${i}`, cd.image, ["c"], true),
      );
      rows.push({ pods: count, ...r });
      const goal = RSS_GOALS[count];
      figure({
        figure: `agent RSS idle, ${count} pods (containerd)`,
        now: r.medianMiB,
        unit: "MiB",
        ...(goal !== undefined ? { goal: { op: "<=", value: goal } } : {}),
        note: rssNote(r),
      });
    } finally {
      await cd.stop();
    }
  }
  console.log("\n(a) agent RSS idle on containerd (host-network sleep pods), MiB");
  console.table(rows);
}

async function benchFake(count: number): Promise<void> {
  const pod = (i: number) => podManifest(`p${i}`, EMBEDDED_IMAGES[0], ["a", "b", "c"], false);
  const own = await agentWithPods("", count, pod, true);
  figure({
    figure: `agent RSS idle, ${count} pods × 3 containers (fake runtime process)`,
    now: own.medianMiB,
    unit: "MiB",
    goal: { op: "<=", value: FAKE_GOAL_MIB },
    note: `${rssNote(own)}; the agent process alone: the fake runtime is its own process ` +
      "(scripts/fake_runtime.ts)",
  });
  const embedded = await agentWithPods("embedded", count, pod);
  figure({
    figure: `agent RSS idle, ${count} pods × 3 containers (embedded fake)`,
    now: embedded.medianMiB,
    unit: "MiB",
    note: `${rssNote(embedded)}; informational: the fake runtime's state and gRPC server side ` +
      "are in the agent process",
  });
  console.log(`\n(b) agent RSS idle, ${count} pods × 3 containers on the fake runtime, MiB`);
  console.table([
    { pods: count, runtime: "own process", ...own },
    { pods: count, runtime: "embedded", ...embedded },
  ]);
}

/** Polls `/healthz` on `port` every 5 ms until 200; resolves with `performance.now()` then. */
async function healthzOk(port: number, child: Deno.ChildProcess, exited: () => boolean) {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (exited()) throw new Error(`The agent (PID ${child.pid}) exited before /healthz answered`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error("No /healthz ok within 30 s");
}

/** Spawns `cmd`, waits for `/healthz` ok, runs `during`, then SIGTERMs the agent and waits. */
async function withStarted<T>(
  cmd: string[],
  healthzPort: number,
  during: (child: Deno.ChildProcess, startedAt: number, okAt: number) => Promise<T>,
): Promise<T> {
  const t0 = performance.now();
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: ROOT,
    env: { DENO: Deno.execPath() },
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  try {
    const okAt = await healthzOk(healthzPort, child, () => exited);
    return await during(child, t0, okAt);
  } finally {
    // SIGTERM the whole tree, agent first (a deno task forwards nothing we rely on).
    const tree = exited ? [] : await processTree(child.pid);
    for (const pid of tree.reverse()) {
      try {
        Deno.kill(pid, "SIGTERM");
      } catch {
        // gone
      }
    }
    await status;
  }
}

async function benchLauncher(endpoint: string, note: string): Promise<void> {
  const rows = [];
  const ways: [string, (args: string[]) => string[], number | undefined][] = [
    ["sh scripts/start.sh", (args) => ["sh", START_SH, ...args], 1],
    [
      "deno task start",
      (args) => [Deno.execPath(), "task", "--quiet", "start", ...args],
      undefined,
    ],
  ];
  for (const [name, command, goal] of ways) {
    const s = await setup(endpoint, 0);
    try {
      const got = await withStarted(command(s.args), s.healthzPort, async (child) => {
        await sleep(SETTLE_MS);
        const tree = await processTree(child.pid);
        const rss = await Promise.all(
          tree.map(async (pid) => ({ pid, ...(await residentKiB(pid)) })),
        );
        const cmdlines = await Promise.all(
          tree.map((pid) => output("cat", [`/proc/${pid}/cmdline`])),
        );
        const agentIndex = cmdlines.findIndex((c) =>
          c.split("\0").some((a) => /\/main\.(ts|js)$/.test(a))
        );
        const agent = agentIndex >= 0 ? rss[agentIndex].rss : 0;
        const total = rss.reduce((sum, r) => sum + r.rss, 0);
        return {
          processes: tree.length,
          treeMiB: mib(total),
          agentMiB: mib(agent),
          restMiB: mib(total - agent),
        };
      });
      rows.push({ command: name, ...got });
      figure({
        figure: `launcher resident besides the agent (${name})`,
        now: got.restMiB,
        unit: "MiB",
        ...(goal !== undefined ? { goal: { op: "<=", value: goal } } : {}),
        note:
          `${got.processes} process(es), tree ${got.treeMiB} MiB, agent ${got.agentMiB} MiB; ${note}`,
      });
    } finally {
      await Deno.remove(s.dir, { recursive: true }).catch(() => {});
    }
  }
  console.log("\n(c) what the start command leaves resident, MiB");
  console.table(rows);
}

async function benchStart(endpoint: string, note: string, starts: number): Promise<void> {
  const rows = [];
  const ways: [string, (args: string[]) => Promise<string[]>, number | undefined][] = [
    [
      "sh scripts/start.sh (launcher)",
      (args) => Promise.resolve(["sh", START_SH, ...args]),
      HEALTHZ_GOAL_S,
    ],
    [
      "deno run <computed flags> <agent>",
      (args) => buildRunCommand(args, Deno.execPath()),
      undefined,
    ],
  ];
  // Not measured: the first start after an edit builds start.sh's launcher
  // bundle (scripts/launcher_bundle.ts), as the agent's bundle was built above.
  await new Deno.Command("sh", {
    args: [START_SH, "--version"],
    cwd: ROOT,
    env: { DENO: Deno.execPath() },
    stdout: "null",
    stderr: "null",
  }).output();
  for (const [name, command, goal] of ways) {
    const seconds: number[] = [];
    for (let i = 0; i < starts; i++) {
      const s = await setup(endpoint, 0);
      try {
        seconds.push(
          await withStarted(
            await command(s.args),
            s.healthzPort,
            (_c, t0, okAt) => Promise.resolve((okAt - t0) / 1000),
          ),
        );
      } finally {
        await Deno.remove(s.dir, { recursive: true }).catch(() => {});
      }
    }
    const m = Number(median(seconds).toFixed(3));
    rows.push({
      command: name,
      medianS: m,
      minS: Math.min(...seconds),
      maxS: Math.max(...seconds),
    });
    figure({
      figure: `start → /healthz ok (${name})`,
      now: m,
      unit: "s",
      ...(goal !== undefined ? { goal: { op: "<=", value: goal } } : {}),
      note: `median of ${starts} starts, ${note}`,
    });
  }
  console.log("\n(d) start → /healthz ok, s");
  console.table(rows);
}

/** The runtime (d) and (c) use: a private containerd when it can run here, else the fake. */
async function startRuntime(): Promise<{ endpoint: string; note: string; cd?: ContainerdHarness }> {
  if (!values["skip-containerd"]) {
    const cd = await startContainerd({ importBusybox: false });
    if (typeof cd !== "string") return { endpoint: cd.endpoint, note: "on containerd", cd };
    console.log(`containerd cannot run here (${cd}): (c) and (d) use the embedded runtime`);
  }
  return { endpoint: "embedded", note: "on the embedded fake runtime" };
}

if (!values["skip-containerd"]) {
  await benchContainerd(values.pods.split(",").filter((s) => s !== "").map(Number));
}
if (!values["skip-fake"]) {
  for (const n of values["fake-pods"].split(",").filter((s) => s !== "").map(Number)) {
    await benchFake(n);
  }
}
if (!values["skip-launcher"] || !values["skip-start"]) {
  const rt = await startRuntime();
  try {
    if (!values["skip-launcher"]) await benchLauncher(rt.endpoint, rt.note);
    if (!values["skip-start"]) await benchStart(rt.endpoint, rt.note, Number(values.starts));
  } finally {
    await rt.cd?.stop();
  }
}
