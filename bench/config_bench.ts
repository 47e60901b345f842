/**
 * Pod source benchmark. Prints:
 * 1. the time to load 1,000 manifests (FileSource.listOnce, then PodConfig.merge);
 * 2. the latency from a manifest write to the merged UPDATE, through the real
 *    Deno.watchFs, FileSource and PodConfig (p50/p99/max over 200 writes), with one
 *    pod and with 1,000 pods in the directory.
 *
 * Run: deno run --allow-read --allow-write bench/config_bench.ts
 * (read/write for the temp directory it creates and removes).
 *
 * @module
 */

import { join } from "node:path";
import { FileSource } from "../src/config/file.ts";
import { PodConfig } from "../src/config/pod_config.ts";
import type { PodUpdate } from "../src/config/pod_update.ts";
import { RealClock } from "../src/util/clock.ts";
import { reportFigure } from "./_figures.ts";

const PODS = 1_000;
// Real time: a relist trusts the signature of a file unchanged for 2 s.
const clock = new RealClock();
const WRITES = 200;

function manifest(name: string, image: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  containers:
  - name: main
    image: ${image}
    command: ["sleep", "3600"]
    ports:
    - containerPort: 8080
    readinessProbe:
      httpGet:
        path: /healthz
        port: 8080
`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function writeManifests(dir: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await Deno.writeTextFile(
      join(dir, `pod-${String(i).padStart(4, "0")}.yaml`),
      manifest(`p${i}`, "busybox:1"),
    );
  }
}

async function timeLoads(dir: string, label: string): Promise<FileSource> {
  const list: number[] = [];
  const merged: number[] = [];
  let source: FileSource | undefined;
  for (let run = 0; run < 5; run++) {
    source = new FileSource(dir, { nodeName: "bench-node", clock });
    const config = new PodConfig({ clock });
    const t0 = performance.now();
    const pods = await source.listOnce();
    const t1 = performance.now();
    const updates = config.merge("file", pods);
    const t2 = performance.now();
    if (pods.length !== PODS || updates[0].pods.length !== PODS) {
      throw new Error(`expected ${PODS} pods, got ${pods.length}`);
    }
    list.push(t1 - t0);
    merged.push(t2 - t0);
  }
  list.sort((a, b) => a - b);
  merged.sort((a, b) => a - b);
  console.log(`load ${PODS} ${label} manifests (5 runs, a new source each run):`);
  console.log(
    `  FileSource.listOnce():          median ${fmt(list[2])}, min ${fmt(list[0])}, max ${
      fmt(list[4])
    }`,
  );
  reportFigure({
    figure: `load ${PODS} ${label} manifests (FileSource.listOnce + PodConfig.merge)`,
    now: merged[2],
    unit: "ms",
    note: "median of 5",
  });
  console.log(
    `  listOnce() + PodConfig.merge(): median ${fmt(merged[2])}, min ${fmt(merged[0])}, max ${
      fmt(merged[4])
    }`,
  );
  return source!;
}

async function loadBench(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-bench-" });
  const jsonDir = await Deno.makeTempDir({ prefix: "denolet-bench-" });
  try {
    await writeManifests(dir, PODS);
    for (let i = 0; i < PODS; i++) {
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `p${i}`, labels: { app: `p${i}` } },
        spec: { containers: [{ name: "main", image: "busybox:1", command: ["sleep", "3600"] }] },
      };
      await Deno.writeTextFile(join(jsonDir, `pod-${i}.json`), JSON.stringify(pod));
    }
    const source = await timeLoads(dir, "YAML");
    await timeLoads(jsonDir, "JSON");
    // Files older than 2 s are trusted by their signature: a relist only stats them.
    await new Promise((r) => setTimeout(r, 2_100));
    await source.listOnce(); // reads once more, now marking the files stable
    const relists: number[] = [];
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      await source.listOnce();
      relists.push(performance.now() - t0);
    }
    relists.sort((a, b) => a - b);
    console.log(
      `relist of ${PODS} unchanged YAML manifests (stat only): median ${fmt(relists[2])}, ` +
        `min ${fmt(relists[0])}, max ${fmt(relists[4])}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(jsonDir, { recursive: true });
  }
}

async function latencyBench(background: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-bench-" });
  const ac = new AbortController();
  try {
    await writeManifests(dir, background);
    const target = join(dir, "zz-target.yaml");
    await Deno.writeTextFile(target, manifest("target", "nginx:0"));
    const source = new FileSource(dir, { nodeName: "bench-node", clock });
    const config = new PodConfig({ clock });
    const stream = config.updates(ac.signal)[Symbol.asyncIterator]();
    const running = config.run([source], ac.signal);
    const next = async (): Promise<PodUpdate> => {
      const r = await stream.next();
      if (r.done) throw new Error("update stream ended");
      return r.value;
    };
    // Wait for the initial ADD of all pods.
    while (!config.sourcesReady.allReady() || config.snapshot().length < background + 1) {
      await next();
    }
    const latencies: number[] = [];
    for (let i = 1; i <= WRITES; i++) {
      const image = `nginx:${i}`;
      const t0 = performance.now();
      await Deno.writeTextFile(target, manifest("target", image));
      while (true) {
        const u = await next();
        if (u.op === "UPDATE" && u.pods.some((p) => p.spec?.containers[0].image === image)) break;
      }
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    reportFigure({
      figure: `manifest write → merged UPDATE, ${background + 1} pod(s) in the directory, p99`,
      now: percentile(latencies, 99),
      unit: "ms",
      note: `p50 ${fmt(percentile(latencies, 50))}, ${WRITES} writes, real Deno.watchFs`,
    });
    console.log(
      `write -> merged UPDATE, ${background + 1} pod(s) in the directory, ${WRITES} writes: ` +
        `p50 ${fmt(percentile(latencies, 50))}, p99 ${fmt(percentile(latencies, 99))}, ` +
        `max ${fmt(latencies.at(-1)!)}`,
    );
    ac.abort();
    await running;
  } finally {
    ac.abort();
    await Deno.remove(dir, { recursive: true });
  }
}

console.log(`Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs`);
await loadBench();
await latencyBench(0);
await latencyBench(PODS);
