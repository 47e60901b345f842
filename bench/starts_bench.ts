/**
 * Starts and removals on a private containerd: the REAL agent process
 * (tests/e2e/harness/agent_process.ts) next to the bare CRI sequence for the
 * same pods, with the configs the agent would send (bench/_pod_bench_kit.ts),
 * measured in the same rounds, alternating which side goes first. Every
 * agent measurement runs on a freshly started agent (and every side on a
 * runtime emptied through the CRI), so no side inherits the other's pods —
 * a running agent would kill the bare pods as orphans.
 *
 * (i)   A 10-container pod (busybox httpd on 10 ports, host network) written
 *       as a manifest → all 10 ports answering; with parallel container
 *       starts (the default) and with `--parallel-container-starts=false`,
 *       next to the bare sequence one container after the other and all at
 *       once. Goal: ≤ 1.1 × the bare parallel sequence.
 * (ii)  30 one-container pods written at once → all answering, next to the
 *       bare sequences of the 30 pods run at once (goal ≤ 1.05 ×); and the
 *       first of the 30 to answer next to one pod written alone (goal: no
 *       later), with the default start ramp (`podStartRamp: firstAlone`: the
 *       first pod starts alone, then the others). Also with each ramp of
 *       `--ramps` (default `none`, every start at once, as before the ramp)
 *       and with `maxConcurrentPodStarts: 4` (sandboxes created 4 at a time,
 *       in arrival order; off by default), for what they change.
 * (iii) A pod file removed (grace 1 s, so the kubelet's 2 s floor: httpd as
 *       PID 1 ignores SIGTERM, so StopContainer waits it out) → its port stops
 *       answering and its container is stopped, next to a bare
 *       StopContainer(id, 2). Goal: ≤ floor + 0.1 s = 2.1 s.
 *
 * Figures are medians over the rounds (ratios: medians of the per-round
 * ratios); each is printed with reportFigure (bench/_figures.ts).
 *
 * ```sh
 * deno task bench:starts [--rounds 5] [--only i,ii,iii] [--ramps none,doubling]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { RemoteRuntimeService } from "../src/cri/remote_runtime_service.ts";
import { RealClock } from "../src/util/clock.ts";
import { startContainerd } from "../tests/e2e/harness/containerd_harness.ts";
import {
  type AgentProcess,
  freePort,
  portAnswers,
  startAgent,
} from "../tests/e2e/harness/agent_process.ts";
import { reportFigure } from "./_figures.ts";
import {
  agentSetup,
  barePodConfigs,
  httpdPod,
  isRunning,
  median,
  NODE,
  poll,
  removeAllPods,
  runBarePod,
  whenReady,
} from "./_pod_bench_kit.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "5" },
    only: { type: "string", default: "i,ii,iii" },
    ramps: { type: "string", default: "none" },
  },
});
const ROUNDS = Number(values.rounds);
const ONLY = new Set(values.only.split(","));
const RAMPS = values.ramps.split(",").filter((r) => r !== "");
const PODS_AT_ONCE = 30;
const CONTAINERS = 10;
const FLOOR_S = 2;

const started = await startContainerd();
if (typeof started === "string") {
  console.log(`starts bench: SKIPPED (${started})`);
  Deno.exit(0);
}
const harness = started;
const image = harness.image;
const cri = new RemoteRuntimeService(harness.endpoint, { clock: new RealClock() });
const scratch = await Deno.makeTempDir({ prefix: "denolet-starts-bench-" });

const ports = (n: number) => Array.from({ length: n }, () => freePort());
const s = (x: number) => Number((x / 1000).toFixed(3));

/** Each port's time (ms since `t0`) to its first answer; more ports are polled less often. */
function answerTimes(list: number[], t0: number): Promise<number[]> {
  const every = list.length > 1 ? 10 : 2;
  return Promise.all(
    list.map((port) =>
      poll(`port ${port} answering`, () => portAnswers(port, 500), 60_000, every)
        .then(() => performance.now() - t0)
    ),
  );
}

/**
 * Runs `fn` on a fresh agent (flags added; a `--config-dir` drop-in with
 * `config` lines), then stops it and empties the runtime.
 */
async function withAgent<T>(
  flags: string[],
  fn: (agent: AgentProcess, manifestDir: string) => Promise<T>,
  config = "",
): Promise<T> {
  // The kubelet's default relist period: a removal or a start is the watch's
  // doing, not a relist that happens to come soon.
  const setup = await agentSetup("denolet-starts-agent-", harness.endpoint, [
    "--file-check-frequency=20s",
    ...flags,
  ]);
  if (config) {
    await Deno.mkdir(`${setup.dir}/kubelet.d`);
    await Deno.writeTextFile(
      `${setup.dir}/kubelet.d/10-bench.conf`,
      `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n${config}\n`,
    );
    setup.args.push(`--config-dir=${setup.dir}/kubelet.d`);
  }
  const agent = await startAgent(setup.args);
  try {
    await whenReady(agent);
    return await fn(agent, setup.manifestDir);
  } catch (e) {
    console.error(`agent log tail:\n${agent.logTail(60)}`);
    throw e;
  } finally {
    await agent.stop();
    await removeAllPods(cri);
    await Deno.remove(setup.dir, { recursive: true }).catch(() => {});
  }
}

/** CPU time (user + system, ms) of process `pid`, from `/proc/<pid>/stat` read by `cat`. */
async function cpuMs(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stdout: "piped" })
    .output();
  const stat = new TextDecoder().decode(out.stdout);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ 100
}

/** The agent's CPU time (ms) spent in the last {@linkcode agentStart}. */
let lastAgentCpuMs = NaN;

/** Manifests written at once → each pod's ports answering (ms from the first write). */
async function agentStart(flags: string[], podPorts: number[][], config = ""): Promise<number[]> {
  return await withAgent(flags, async (agent, manifestDir) => {
    const cpu0 = await cpuMs(agent.pid);
    const t0 = performance.now();
    const written = podPorts.map((p, i) =>
      Deno.writeTextFile(`${manifestDir}/p${i}.json`, JSON.stringify(httpdPod(`p${i}`, image, p)))
    );
    const [times] = await Promise.all([answerTimes(podPorts.flat(), t0), ...written]);
    lastAgentCpuMs = await cpuMs(agent.pid) - cpu0;
    return times;
  }, config);
}

/** The bare sequences of the pods run at once → each port answering (ms). */
async function bareStart(podPorts: number[][], parallel: boolean): Promise<number[]> {
  const bare = await Promise.all(
    podPorts.map((p, i) => barePodConfigs(httpdPod(`bare${i}`, image, p), image, scratch)),
  );
  try {
    const t0 = performance.now();
    const [times] = await Promise.all([
      answerTimes(podPorts.flat(), t0),
      ...bare.map((b) => runBarePod(cri, b, parallel)),
    ]);
    return times;
  } finally {
    await removeAllPods(cri);
  }
}

/** A running pod's file removed → its port silent and its container stopped (ms). */
function agentRemoval(): Promise<{ silent: number; stopped: number }> {
  return withAgent([], async (agent, manifestDir) => {
    const port = freePort();
    const path = `${manifestDir}/gone.json`;
    await Deno.writeTextFile(path, JSON.stringify(httpdPod("gone", image, port)));
    await answerTimes([port], performance.now());
    const podName = `gone-${NODE}`;
    await poll(
      "the pod Running in /pods",
      async () =>
        isRunning(
          (await agent.getJson<{ items: never[] }>("/pods")).items.find((p) =>
            (p as { metadata?: { name?: string } }).metadata?.name === podName
          ),
        ),
      60_000,
      20,
    );
    // Long after the start, as removals are: past the start's syncs and relists.
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = performance.now();
    await Deno.remove(path);
    return await stopTimes(port, podName, t0);
  });
}

/** The bare floor: StopContainer(id, 2) on a running httpd → port silent, call returned (ms). */
async function bareRemoval(): Promise<{ silent: number; stopped: number }> {
  const port = freePort();
  const bare = await barePodConfigs(httpdPod("bare-gone", image, port), image, scratch);
  try {
    const { containerIds } = await runBarePod(cri, bare, false);
    await answerTimes([port], performance.now());
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = performance.now();
    const [silent, stopped] = await Promise.all([
      poll("bare port silent", async () => !(await portAnswers(port, 200)), 60_000, 5)
        .then(() => performance.now() - t0),
      cri.stopContainer(containerIds[0], FLOOR_S).then(() => performance.now() - t0),
    ]);
    return { silent, stopped };
  } finally {
    await removeAllPods(cri);
  }
}

async function stopTimes(
  port: number,
  podName: string,
  t0: number,
): Promise<{ silent: number; stopped: number }> {
  const [silent, stopped] = await Promise.all([
    poll("port silent", async () => !(await portAnswers(port, 200)), 60_000, 5)
      .then(() => performance.now() - t0),
    poll(
      "containers stopped",
      async () =>
        (await cri.listContainers({
          labelSelector: { "io.kubernetes.pod.name": podName },
          state: { state: "CONTAINER_RUNNING" },
        })).length === 0,
      60_000,
      5,
    ).then(() => performance.now() - t0),
  ]);
  return { silent, stopped };
}

const max = (xs: number[]) => Math.max(...xs);
const min = (xs: number[]) => Math.min(...xs);
const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]));

interface Rows {
  [measure: string]: number[];
}
const rows: Rows = {};
const push = (k: string, v: number) => (rows[k] ??= []).push(v);

try {
  for (let round = 0; round <= ROUNDS; round++) {
    // Round 0 warms the image, the snapshotter and the agent's module cache: not counted.
    const keep = round > 0;
    const agentFirst = round % 2 === 0;
    const sides = async (agent: () => Promise<void>, bare: () => Promise<void>) => {
      if (agentFirst) {
        await agent();
        await bare();
      } else {
        await bare();
        await agent();
      }
    };
    if (ONLY.has("i")) {
      await sides(async () => {
        const par = max(await agentStart([], [ports(CONTAINERS)]));
        const seq = max(
          await agentStart(["--parallel-container-starts=false"], [ports(CONTAINERS)]),
        );
        if (keep) push("i agent parallel", par), push("i agent sequential", seq);
      }, async () => {
        const seq = max(await bareStart([ports(CONTAINERS)], false));
        const par = max(await bareStart([ports(CONTAINERS)], true));
        if (keep) push("i bare one-by-one", seq), push("i bare parallel", par);
      });
    }
    if (ONLY.has("ii")) {
      await sides(async () => {
        const alone = (await agentStart([], [ports(1)]))[0];
        const many = await agentStart([], Array.from({ length: PODS_AT_ONCE }, () => ports(1)));
        const manyCpu = lastAgentCpuMs;
        const gated = await agentStart(
          [],
          Array.from({ length: PODS_AT_ONCE }, () => ports(1)),
          "maxConcurrentPodStarts: 4",
        );
        for (const ramp of RAMPS) {
          const ramped = await agentStart(
            [],
            Array.from({ length: PODS_AT_ONCE }, () => ports(1)),
            `podStartRamp: ${ramp}`,
          );
          if (keep) {
            push(`ii agent 30 all, ramp ${ramp}`, max(ramped));
            push(`ii agent 30 first, ramp ${ramp}`, min(ramped));
          }
        }
        if (keep) {
          push("ii agent 30 all, start gate 4", max(gated));
          push("ii agent 30 first, start gate 4", min(gated));
          push("ii agent one pod alone", alone);
          push("ii agent 30 all", max(many));
          push("ii agent 30 CPU", manyCpu);
          push("ii agent 30 first", min(many));
          push("ii agent 30 first written", many[0]);
        }
      }, async () => {
        const many = await bareStart(Array.from({ length: PODS_AT_ONCE }, () => ports(1)), true);
        if (keep) push("ii bare 30 all", max(many)), push("ii bare 30 first", min(many));
      });
    }
    if (ONLY.has("iii")) {
      await sides(async () => {
        const r = await agentRemoval();
        if (keep) push("iii agent silent", r.silent), push("iii agent stopped", r.stopped);
      }, async () => {
        const r = await bareRemoval();
        if (keep) push("iii bare silent", r.silent), push("iii bare stopped", r.stopped);
      });
    }
    console.error(`round ${round}/${ROUNDS} done`);
  }
} finally {
  cri.close();
  await harness.stop();
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
}

console.log(`\nstarts bench on containerd: medians of ${ROUNDS} rounds (ms)`);
console.table(
  Object.entries(rows).map(([measure, xs]) => ({
    measure,
    median: Number(median(xs).toFixed(1)),
    runs: xs.map((x) => x.toFixed(0)).join(" "),
  })),
);

const m = (k: string) => median(rows[k] ?? []);
/** "with podStartRamp none 4.7 s (1.02 × bare); " for each ramp of --ramps. */
const rampNotes = (which: "all" | "first") =>
  RAMPS.map((r) => {
    const k = `ii agent 30 ${which}, ramp ${r}`;
    const vs = which === "all"
      ? ` (${ratio(rows[k], rows["ii bare 30 all"]).toFixed(3)} × bare)`
      : "";
    return `with podStartRamp ${r} ${s(m(k))} s${vs}; `;
  }).join("");
const n = `median of ${ROUNDS} alternating rounds`;
if (ONLY.has("i")) {
  reportFigure({
    figure: "10-container pod → all answering (containerd)",
    now: s(m("i agent parallel")),
    unit: "s",
    bareRatio: Number(ratio(rows["i agent parallel"], rows["i bare parallel"]).toFixed(3)),
    ratioGoal: 1.1,
    note: `ratio to the bare parallel sequence (${s(m("i bare parallel"))} s; bare one-by-one ` +
      `${s(m("i bare one-by-one"))} s); ${n}`,
  });
  reportFigure({
    figure: "10-container pod → all answering, --parallel-container-starts=false (containerd)",
    now: s(m("i agent sequential")),
    unit: "s",
    bareRatio: Number(ratio(rows["i agent sequential"], rows["i bare one-by-one"]).toFixed(3)),
    note: `ratio to the bare one-by-one sequence (${s(m("i bare one-by-one"))} s); ${n}`,
  });
}
if (ONLY.has("ii")) {
  reportFigure({
    figure: "30 pods written at once → all answering (containerd)",
    now: s(m("ii agent 30 all")),
    unit: "s",
    bareRatio: Number(ratio(rows["ii agent 30 all"], rows["ii bare 30 all"]).toFixed(3)),
    ratioGoal: 1.05,
    note: `ratio to the 30 bare sequences run at once (${s(m("ii bare 30 all"))} s); the ` +
      `agent used ${s(m("ii agent 30 CPU"))} s of CPU meanwhile (2 cores shared with ` +
      `containerd); ${rampNotes("all")}with ` +
      `maxConcurrentPodStarts 4 (4 sandboxes at a time) ` +
      `${s(m("ii agent 30 all, start gate 4"))} s; ${n}`,
  });
  reportFigure({
    figure: "30 pods written at once → first pod answering (containerd)",
    now: s(m("ii agent 30 first")),
    unit: "s",
    goal: { op: "<=", value: s(m("ii agent one pod alone")) },
    note: `goal: one pod written alone (median ${s(m("ii agent one pod alone"))} s; ` +
      `${ratio(rows["ii agent 30 first"], rows["ii agent one pod alone"]).toFixed(2)} × it, ` +
      `median of the per-round ratios); the first ` +
      `file written answers at ${s(m("ii agent 30 first written"))} s; bare first of 30 ` +
      `${s(m("ii bare 30 first"))} s; ${rampNotes("first")}with maxConcurrentPodStarts 4 ` +
      `${s(m("ii agent 30 first, start gate 4"))} s; ${n}`,
  });
}
if (ONLY.has("iii")) {
  reportFigure({
    figure: "pod file removed (grace 1 s) → port silent (containerd)",
    now: s(m("iii agent silent")),
    unit: "s",
    goal: { op: "<=", value: FLOOR_S + 0.1 },
    bareRatio: Number(ratio(rows["iii agent silent"], rows["iii bare silent"]).toFixed(3)),
    note: `goal: the 2 s grace floor + 0.1 s; ratio to a bare StopContainer(id, 2) ` +
      `(${s(m("iii bare silent"))} s); ${n}`,
  });
  // containerd itself reports a container stopped some 50-90 ms after the
  // SIGKILL: the agent's part is what comes on top of a bare StopContainer.
  const extra = (rows["iii agent stopped"] ?? []).map((x, i) => x - rows["iii bare stopped"][i]);
  reportFigure({
    figure: "pod file removed (grace 1 s) → containers stopped, beyond a bare StopContainer(id, 2)",
    now: s(median(extra)),
    unit: "s",
    goal: { op: "<=", value: 0.1 },
    bareRatio: Number(ratio(rows["iii agent stopped"], rows["iii bare stopped"]).toFixed(3)),
    note: `agent ${s(m("iii agent stopped"))} s from the removal to no container running, ` +
      `bare StopContainer(id, 2) ${s(m("iii bare stopped"))} s; ${n}`,
  });
}
