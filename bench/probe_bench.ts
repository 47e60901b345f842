/**
 * HTTP probe load: N readiness probes (default 1,000) with a 1 s period
 * against a local HTTP server running in a child process, for D seconds
 * (default 15), through the real ProberManager, workers and HTTP probe.
 *
 * Prints probes per second achieved, lateness against each worker's
 * schedule (p50/p99/max), probe round-trip time, failures, and the agent's
 * CPU time (user+system, this process only) and RSS.
 *
 * Run (`--allow-run` may be narrowed to the deno executable, which serves the
 * target in a child process):
 *   deno task bench:probe [--probes=1000] [--seconds=15]
 *
 * Also prints `BENCH_FIGURE` lines (bench/_figures.ts): CPU goal ≤ 15 % of a
 * core, p99 lateness ≤ 20 ms.
 *
 * Then, as the bare floor in the same run (`--bare-seconds`, default 10, 0
 * skips it): the same number of exchanges a second, on the workers' 10 ms
 * grid, each nothing but `Deno.connect`, one write of the same request, one
 * read of the answer and a close — what one connection per probe costs this
 * process through Deno's socket API (the loopback TCP work the kernel does
 * in the connecting process is most of it), with no prober around it. The
 * CPU figure carries the ratio to it.
 *
 * @module
 */

import process from "node:process";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { ProberManager } from "../src/prober/prober_manager.ts";
import { runProbe } from "../src/prober/prober.ts";
import { RealClock } from "../src/util/clock.ts";
import { SharedTimers } from "../src/util/shared_timers.ts";
import { reportFigure } from "./_figures.ts";

function flag(name: string, fallback: number): number {
  const arg = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
}

if (Deno.args.includes("--serve")) {
  // Child process: the probe target.
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => console.log(port),
    },
    (req) =>
      new URL(req.url).pathname === "/cpu" ? Response.json(process.cpuUsage()) : new Response("ok"),
  );
  await server.finished;
  Deno.exit(0);
}

const PROBES = flag("probes", 1000);
const SECONDS = flag("seconds", 15);
const BARE_SECONDS = flag("bare-seconds", 10);
const PERIOD_MS = 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-env",
    "--allow-read",
    new URL(import.meta.url).pathname,
    "--serve",
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let firstLine = "";
while (!firstLine.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("Cannot start the bench server: it exited");
  firstLine += value;
}
const port = Number(firstLine.trim());

const clock = new RealClock();
// The ProberManager's own timers (it wraps a plain clock the same way): the
// probes' timeouts below share them too, as they do in the agent.
const timers = new SharedTimers(clock);
const calls = new Map<string, number[]>();
const rtts: number[] = [];
let failures = 0;
let measuring = false;
let counted = 0;
const manager = new ProberManager({
  clock: timers,
  statusSource: {
    getContainerStatus: (uid) => ({ containerId: `c-${uid}`, state: "running", startedAt: 0 }),
  },
  probe: async (probe, target) => {
    const start = performance.now();
    const list = calls.get(target.containerId) ?? [];
    list.push(Date.now());
    calls.set(target.containerId, list);
    // What the ProberManager runs by default (the socket transport for http:).
    const outcome = await runProbe(probe, target, { clock: timers });
    if (measuring) {
      rtts.push(performance.now() - start);
      counted++;
      if (outcome.result !== "success") {
        failures++;
        if (failures <= 3) console.error(outcome.result, outcome.output, outcome.error?.message);
      }
    }
    return outcome;
  },
});

const pods: Pod[] = [];
for (let i = 0; i < PROBES; i++) {
  pods.push({
    metadata: { name: `p${i}`, namespace: "bench", uid: `u${i}` },
    spec: {
      hostNetwork: true,
      containers: [{
        name: "web",
        readinessProbe: { httpGet: { port, path: "/ready" }, periodSeconds: 1, timeoutSeconds: 1 },
      }],
    },
  });
}

/** CPU seconds (user+system) the server child has used so far. */
async function serverCpuSeconds(): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/cpu`);
  const { user, system } = await r.json();
  return (user + system) / 1e6;
}

const cpu0 = process.cpuUsage();
for (const pod of pods) manager.addPod(pod);
// Let the jittered first round pass (one period), then measure.
await clock.sleep(PERIOD_MS + 200);
const warm = process.cpuUsage();
const serverCpu0 = await serverCpuSeconds();
const t0 = Date.now();
measuring = true;
await clock.sleep(SECONDS * 1000);
measuring = false;
const elapsed = (Date.now() - t0) / 1000;
const cpu = process.cpuUsage(warm);
const serverCpu = (await serverCpuSeconds()) - serverCpu0;
const cpuStart = process.cpuUsage(cpu0);
const rss = process.memoryUsage().rss;
await manager.stop();

/**
 * The bare floor (see the module doc): PROBES exchanges a second for
 * `seconds`, the CPU this process used for them, % of a core.
 */
async function bareExchangesCpu(seconds: number): Promise<{ percent: number; rate: number }> {
  const request = new TextEncoder().encode(
    `GET /ready HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: kube-probe/1.35\r\n` +
      `Accept: */*\r\nAccept-Encoding: \r\nConnection: close\r\n\r\n`,
  );
  let done = 0;
  let bareFailures = 0;
  const exchange = async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(request);
      if (await conn.read(new Uint8Array(2048)) === null) throw new Error("EOF");
      done++;
    } finally {
      conn.close();
    }
  };
  let started = 0;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  // As many as are due by now (a late tick catches up, as the workers' grid does).
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - w0) / 1000) * PROBES);
    for (; started < due; started++) exchange().catch(() => bareFailures++);
  }, 10);
  await clock.sleep(seconds * 1000);
  clearInterval(timer);
  const wallS = (performance.now() - w0) / 1000;
  const used = process.cpuUsage(c0);
  await clock.sleep(200); // the last exchanges finish
  if (bareFailures > 0) console.error(`bare exchanges: ${bareFailures} failed`);
  return { percent: (used.user + used.system) / 1e4 / wallS, rate: done / wallS };
}
const bare = BARE_SECONDS > 0 ? await bareExchangesCpu(BARE_SECONDS) : undefined;
child.kill("SIGTERM");
await child.status;
await reader.cancel().catch(() => {});

// Lateness against each worker's own grid (first measured call + k * period).
const lateness: number[] = [];
for (const list of calls.values()) {
  const inWindow = list.filter((t) => t >= t0 && t <= t0 + elapsed * 1000);
  if (inWindow.length < 2) continue;
  // The grid is anchored on the earliest call of the worker: its jittered start.
  const base = list[0];
  for (const t of inWindow) {
    const k = Math.round((t - base) / PERIOD_MS);
    lateness.push(t - (base + k * PERIOD_MS));
  }
}
lateness.sort((a, b) => a - b);
rtts.sort((a, b) => a - b);

const fmt = (n: number) => n.toFixed(1);
console.log(`probe_bench: ${PROBES} HTTP readiness probes, period 1 s, ${fmt(elapsed)} s measured`);
console.log(`  probes/s achieved      ${fmt(counted / elapsed)} (ideal ${PROBES})`);
console.log(`  failures               ${failures}`);
console.log(
  `  lateness ms            p50 ${fmt(percentile(lateness, 50))}  p99 ${
    fmt(percentile(lateness, 99))
  }  max ${fmt(lateness.at(-1) ?? NaN)}`,
);
console.log(
  `  probe round trip ms    p50 ${fmt(percentile(rtts, 50))}  p99 ${fmt(percentile(rtts, 99))}`,
);
console.log(
  `  agent CPU              ${fmt((cpu.user + cpu.system) / 1e3 / elapsed)} ms per s (${
    fmt((cpu.user + cpu.system) / 1e4 / elapsed)
  } % of one core); start-up round ${
    fmt((cpuStart.user + cpuStart.system - cpu.user - cpu.system) / 1e3)
  } ms`,
);
console.log(`  server CPU (child)     ${fmt((serverCpu * 1000) / elapsed)} ms per s`);
console.log(`  agent RSS              ${fmt(rss / 2 ** 20)} MiB`);
if (bare) {
  console.log(
    `  bare floor             ${fmt(bare.percent)} % of one core for ${
      fmt(bare.rate)
    } bare exchanges/s (connect, write, read, close)`,
  );
}

const cpuPercent = (cpu.user + cpu.system) / 1e4 / elapsed;
reportFigure({
  figure: `agent CPU, ${PROBES} HTTP probes/s`,
  now: Number(cpuPercent.toFixed(1)),
  unit: "%",
  goal: { op: "<=", value: 15 },
  ...(bare ? { bareRatio: Number((cpuPercent / bare.percent).toFixed(2)) } : {}),
  note: `${fmt(counted / elapsed)} probes/s achieved, ${failures} failures, ${fmt(elapsed)} s` +
    (bare ? `; bare floor ${fmt(bare.percent)} % (see the next figure)` : ""),
});
if (bare) {
  reportFigure({
    figure: `bare socket exchanges CPU, ${PROBES}/s (floor of the probe CPU)`,
    now: Number(bare.percent.toFixed(1)),
    unit: "%",
    note: `${fmt(bare.rate)}/s achieved; Deno.connect + write + read + close, no prober`,
  });
}
reportFigure({
  figure: `probe lateness p99, ${PROBES} HTTP probes/s`,
  now: Number(percentile(lateness, 99).toFixed(1)),
  unit: "ms",
  goal: { op: "<=", value: 20 },
  note: `against each worker's 1 s grid; p50 ${fmt(percentile(lateness, 50))} ms`,
});
