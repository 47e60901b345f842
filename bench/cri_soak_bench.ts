/**
 * Soak of the agent's CRI connection against Deno's `node:http2` fault
 * (denoland/deno#36788: a GOAWAY on an idle session aborts the process,
 * exit 134, or crashes it, exit 139; worked around in
 * src/util/guard_http2_session_destroy.ts). Two parts:
 *
 * (a) Reproducer: child processes (bench/_goaway_repro_child.ts) that take
 *     a GOAWAY on an idle channel again and again, client side (a fake
 *     runtime child stopped with SIGTERM and started, `--repro-rounds`
 *     times per run) and server side (clients closing idle channels),
 *     `raw` (bare grpc-js, no guard: the agent before the fix) and `guard`
 *     (the agent's CRI client and the fake runtime); with and without
 *     `MALLOC_PERTURB_`, which makes every use-after-free crash. Counts the
 *     runs that exit 0, 134 and 139.
 * (b) Soak: `--restarts` graceful restarts (SIGTERM, start again) of a
 *     private containerd under the REAL agent process
 *     (tests/e2e/harness/agent_process.ts) running `--pods` static pods:
 *     counts agent aborts (any exit of the agent; it is started again to go
 *     on) and healthy containers restarted (a container id or restart count
 *     that changed), and times each restart and how long the agent takes
 *     to be back (CRI calls to the new daemon in `/metrics`, `/healthz` 200)
 *     before the next one.
 *
 * ```sh
 * deno task bench:soak [--restarts 200] [--pods 30] [--repro-runs 20] \
 *   [--repro-rounds 20] [--max-minutes 40] [--skip-repro] [--skip-soak]
 * ```
 *
 * Bounded: every wait has a limit and the soak ends at `--max-minutes`
 * (printing how many restarts it did). Prints tables; asserts nothing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { startContainerd } from "../tests/e2e/harness/containerd_harness.ts";
import {
  type AgentProcess,
  freePort,
  startAgent,
  waitFor,
  writeAgentConfig,
} from "../tests/e2e/harness/agent_process.ts";
import { guardHttp2SessionDestroy } from "../src/util/guard_http2_session_destroy.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    restarts: { type: "string", default: "200" },
    pods: { type: "string", default: "30" },
    "repro-runs": { type: "string", default: "20" },
    "repro-rounds": { type: "string", default: "20" },
    "max-minutes": { type: "string", default: "40" },
    "skip-repro": { type: "boolean", default: false },
    "skip-soak": { type: "boolean", default: false },
  },
});
const NODE = "soak-node";

// ---------------------------------------------------------------- (a)

type Outcome = "exit 0" | "exit 134" | "exit 139" | "other";

async function reproRun(
  side: string,
  mode: string,
  rounds: number,
  perturb: boolean,
): Promise<Outcome> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-goaway-" });
  try {
    const child = new URL("./_goaway_repro_child.ts", import.meta.url).pathname;
    const config = new URL("../deno.json", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `--config=${config}`, child, dir, side, mode, String(rounds)],
      env: perturb ? { MALLOC_PERTURB_: "165" } : {},
      stdout: "null",
      stderr: "null",
      signal: AbortSignal.timeout(rounds * 5000 + 30_000),
    }).output();
    if (out.code === 0) return "exit 0";
    if (out.code === 134 || out.signal === "SIGABRT") return "exit 134";
    if (out.code === 139 || out.signal === "SIGSEGV") return "exit 139";
    return "other";
  } catch {
    return "other"; // timed out
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function reproducer(): Promise<void> {
  const runs = Number(values["repro-runs"]);
  const rounds = Number(values["repro-rounds"]);
  console.log(
    `(a) reproducer: ${runs} runs per row; client side ${rounds} fake-runtime restarts ` +
      `per run, server side ${rounds} closed clients per run`,
  );
  console.log("| side | client | MALLOC_PERTURB_ | runs | exit 0 | exit 134 | exit 139 | other |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const perturb of [false, true]) {
    for (const side of ["client", "server"]) {
      for (const mode of ["raw", "guard"]) {
        const counts: Record<Outcome, number> = {
          "exit 0": 0,
          "exit 134": 0,
          "exit 139": 0,
          "other": 0,
        };
        for (let i = 0; i < runs; i++) counts[await reproRun(side, mode, rounds, perturb)]++;
        console.log(
          `| ${side} | ${mode} | ${perturb ? "165" : "unset"} | ${runs} | ${counts["exit 0"]} | ` +
            `${counts["exit 134"]} | ${counts["exit 139"]} | ${counts.other} |`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------- (b)

interface PodList {
  items: Pod[];
}

function sleeperPod(name: string, image: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "sleep", image, command: ["sleep", "100000"] }],
    },
  };
}

/** Container id and restart count of every container, by `pod/container`. */
async function containerSnapshot(agent: AgentProcess): Promise<Map<string, string>> {
  const list = await agent.getJson<PodList>("/pods");
  const out = new Map<string, string>();
  for (const pod of list.items) {
    for (const c of pod.status?.containerStatuses ?? []) {
      out.set(`${pod.metadata?.name}/${c.name}`, `${c.containerID}#${c.restartCount}`);
    }
  }
  return out;
}

function allRunning(list: PodList, pods: number): boolean {
  const running = list.items.filter((p) =>
    p.status?.phase === "Running" &&
    (p.status.containerStatuses ?? []).every((c) => c.state?.running)
  );
  return running.length >= pods;
}

/** Sum of `kubelet_runtime_operations_total` over its operation types. */
async function runtimeOperations(agent: AgentProcess): Promise<number> {
  const text = (await agent.getReadOnly("/metrics")).body;
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("kubelet_runtime_operations_total{")) sum += Number(line.split(" ").pop());
  }
  return sum;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function soak(): Promise<void> {
  const restarts = Number(values.restarts);
  const pods = Number(values.pods);
  const deadline = Date.now() + Number(values["max-minutes"]) * 60_000;
  const harness = await startContainerd();
  if (typeof harness === "string") {
    console.log(`(b) soak: SKIPPED (${harness})`);
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "denolet-soak-" });
  const manifestDir = `${dir}/manifests`;
  await Deno.mkdir(manifestDir);
  await Deno.mkdir(`${dir}/logs`);
  await writeAgentConfig(`${dir}/kubelet.yaml`, {
    podLogsDir: `${dir}/logs`,
    readOnlyPort: freePort(),
    healthzPort: freePort(),
  });
  const args = [
    `--container-runtime-endpoint=${harness.endpoint}`,
    `--pod-manifest-path=${manifestDir}`,
    `--root-dir=${dir}/root`,
    `--config=${dir}/kubelet.yaml`,
    `--hostname-override=${NODE}`,
  ];
  let agent: AgentProcess | undefined;
  const exits: string[] = [];
  const restartMs: number[] = [];
  const healthyMs: number[] = [];
  let done = 0;
  let changed = 0;
  let notRunning = 0;
  let healthzTimeouts = 0;
  const healthy = async (a: AgentProcess) => (await a.get("/healthz")).status === 200;
  const ready = async (a: AgentProcess) => {
    await waitFor(async () => {
      if (a.exited) throw new Error(`the agent exited:\n${a.logTail()}`);
      return await healthy(a) && allRunning(await a.getJson<PodList>("/pods"), pods);
    }, { what: `${pods} pods Running`, timeoutMs: 300_000, intervalMs: 500 });
  };
  try {
    for (let i = 0; i < pods; i++) {
      const pod = sleeperPod(`sleep-${i}`, harness.image);
      await Deno.writeTextFile(`${manifestDir}/sleep-${i}.json`, JSON.stringify(pod));
    }
    agent = await startAgent(args);
    const started = Date.now();
    await ready(agent);
    console.log(`(b) soak: ${pods} pods Running after ${sec(Date.now() - started)}`);
    const before = await containerSnapshot(agent);

    for (; done < restarts && Date.now() < deadline; done++) {
      const t0 = Date.now();
      await harness.restart(); // SIGTERM, start, wait until the CRI answers
      const t1 = Date.now();
      restartMs.push(t1 - t0);
      if (agent.exited) {
        const s = await agent.status;
        exits.push(`restart ${done + 1}: code ${s.code} signal ${s.signal}`);
        console.log(`agent exited at restart ${done + 1}:\n${agent.logTail(20)}`);
        agent = await startAgent(args);
        await ready(agent);
        continue;
      }
      try {
        // Back on the new daemon: CRI calls made (a relist is two) and /healthz 200.
        const base = await runtimeOperations(agent);
        await waitFor(async () => await runtimeOperations(agent!) >= base + 2, {
          what: "CRI calls to the new containerd",
          timeoutMs: 60_000,
          intervalMs: 50,
        });
        await waitFor(() => healthy(agent!), {
          what: "/healthz 200",
          timeoutMs: 60_000,
          intervalMs: 50,
        });
        healthyMs.push(Date.now() - t1);
      } catch {
        healthzTimeouts++;
      }
      // Some restarts hit busy channels, some idle ones.
      await new Promise((r) => setTimeout(r, (done * 137) % 700));
    }
    // Let a few relists and syncs run on the last runtime.
    await new Promise((r) => setTimeout(r, 5000));
    if (!agent.exited) {
      const after = await containerSnapshot(agent);
      for (const [key, value] of before) if (after.get(key) !== value) changed++;
      const list = await agent.getJson<PodList>("/pods");
      notRunning = pods - list.items.filter((p) => p.status?.phase === "Running").length;
    } else {
      exits.push(`after the soak: ${JSON.stringify(await agent.status)}`);
    }
  } finally {
    await agent?.stop();
    await harness.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  console.log("| figure | value |");
  console.log("|---|---|");
  console.log(`| graceful containerd restarts (SIGTERM, start) | ${done} of ${restarts} |`);
  console.log(`| pods (one container each) | ${pods} |`);
  console.log(`| agent exits (aborts) | ${exits.length} |`);
  console.log(`| healthy containers restarted | ${changed} |`);
  console.log(`| pods not Running at the end | ${notRunning} |`);
  console.log(
    `| restart, median / p95 | ${sec(percentile(restartMs, 0.5))} / ${
      sec(percentile(restartMs, 0.95))
    } |`,
  );
  console.log(
    `| agent back (CRI calls made, /healthz 200) after restart, median / p95 | ${
      sec(percentile(healthyMs, 0.5))
    } / ${sec(percentile(healthyMs, 0.95))} |`,
  );
  console.log(`| agent not back within 60 s | ${healthzTimeouts} |`);
  for (const e of exits) console.log(`agent exit: ${e}`);
}

guardHttp2SessionDestroy(); // the harness's own gRPC clients
if (!values["skip-repro"]) await reproducer();
if (!values["skip-soak"]) await soak();
