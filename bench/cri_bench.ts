/**
 * Unary CRI calls per second through the agent's CRI client, against the fake
 * runtime server and against a private containerd (when one can run here):
 * Version and ListContainers, one at a time and 64 in flight.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-net --allow-env --allow-run --allow-sys \
 *   bench/cri_bench.ts [--calls 2000]
 * ```
 *
 * Prints a table; asserts nothing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startFakeRuntime } from "../src/cri/fake/mod.ts";
import { RemoteRuntimeService } from "../src/cri/remote_runtime_service.ts";
import { startContainerd } from "../tests/e2e/harness/containerd_harness.ts";
import { RealClock } from "../src/util/clock.ts";
import { reportFigure } from "./_figures.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { calls: { type: "string", default: "2000" } },
});
const CALLS = Number(values.calls);
const CONCURRENCY = 64;

interface Row {
  target: string;
  method: string;
  mode: string;
  calls: number;
  perSecond: number;
  meanMs: number;
}

type Call = () => Promise<unknown>;

async function sequential(call: Call, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await call();
  return performance.now() - start;
}

async function concurrent(call: Call, n: number, width: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await call();
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: width }, worker));
  return performance.now() - start;
}

async function measure(target: string, endpoint: string): Promise<Row[]> {
  const runtime = new RemoteRuntimeService(endpoint, { clock: new RealClock() });
  const rows: Row[] = [];
  try {
    const methods: [string, Call][] = [
      ["Version", () => runtime.version()],
      ["ListContainers", () => runtime.listContainers()],
    ];
    // Warm up the connection and the JIT first: the first ~2000 calls run slower.
    for (const [, call] of methods) {
      await sequential(call, 1500);
      await concurrent(call, 1500, CONCURRENCY);
    }
    for (const [method, call] of methods) {
      const seqMs = await sequential(call, CALLS);
      rows.push({
        target,
        method,
        mode: "sequential",
        calls: CALLS,
        perSecond: CALLS / (seqMs / 1000),
        meanMs: seqMs / CALLS,
      });
      const conMs = await concurrent(call, CALLS, CONCURRENCY);
      rows.push({
        target,
        method,
        mode: `${CONCURRENCY} in flight`,
        calls: CALLS,
        perSecond: CALLS / (conMs / 1000),
        meanMs: conMs / CALLS,
      });
    }
  } finally {
    runtime.close();
  }
  return rows;
}

const rows: Row[] = [];
const dir = await Deno.makeTempDir({ prefix: "denolet-bench-" });
const fake = await startFakeRuntime({
  clock: new RealClock(),
  socketPath: `${dir}/fake.sock`,
  images: ["busybox"],
});
try {
  rows.push(...await measure("fake", fake.endpoint));
} finally {
  await fake.stop();
  await Deno.remove(dir, { recursive: true });
}

const containerd = await startContainerd();
if (typeof containerd === "string") {
  console.error(`containerd skipped: ${containerd}`);
} else {
  try {
    rows.push(...await measure("containerd", containerd.endpoint));
  } finally {
    await containerd.stop();
  }
}

const header = ["target", "method", "mode", "calls", "calls/s", "ms/call (wall / calls)"];
const lines = rows.map((r) => [
  r.target,
  r.method,
  r.mode,
  String(r.calls),
  r.perSecond.toFixed(0),
  r.meanMs.toFixed(3),
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
console.log(fmt(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const l of lines) console.log(fmt(l));
for (const r of rows) {
  reportFigure({
    figure: `CRI ${r.method}, ${r.mode} (${r.target})`,
    now: r.perSecond,
    unit: "calls/s",
    note: `${r.meanMs.toFixed(3)} ms/call, ${r.calls} calls`,
  });
}
