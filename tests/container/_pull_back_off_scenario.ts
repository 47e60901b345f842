/**
 * The log-volume scenario of issue 8: one pod of N containers whose image
 * pulls all fail, run by the real Kubelet, KubeRuntimeManager, EventRecorder
 * and logger (`--v=0`, text format) on the fake CRI runtime and a FakeClock.
 * It counts the lines and bytes the logger writes per simulated minute; no
 * real time is waited for.
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";
import { PodStatusCache } from "../../src/container/cache.ts";
import { EventRecorder, toRecordEvent } from "../../src/container/events.ts";
import { startFakeRuntime } from "../../src/cri/fake/mod.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { Kubelet } from "../../src/kubelet/kubelet.ts";
import { KubeRuntimeManager } from "../../src/kuberuntime/kuberuntime_manager.ts";
import { GenericPLEG } from "../../src/pleg/generic.ts";
import { StatusManager } from "../../src/status/status_manager.ts";
import { FakeClock, flush, RealClock } from "../../src/util/clock.ts";
import { createLogger } from "../../src/util/logger.ts";

/** Lines and bytes the logger wrote in one simulated minute. */
export interface MinuteVolume {
  lines: number;
  bytes: number;
  /** The longest line, in bytes. */
  longest: number;
}

/** Options of {@linkcode pullBackOffLogVolume}. */
export interface PullBackOffScenarioOptions {
  /** Containers in the pod, each with its own failing image. @default 500 */
  containers?: number;
  /** Simulated minutes to run. @default 2 */
  minutes?: number;
  /** `--v`. @default 0 */
  verbosity?: number;
}

/** Runs the scenario and reports the log volume of each simulated minute. */
export async function pullBackOffLogVolume(
  options: PullBackOffScenarioOptions = {},
): Promise<MinuteVolume[]> {
  const n = options.containers ?? 500;
  const minutes = options.minutes ?? 2;
  const dir = await Deno.makeTempDir({ prefix: "denolet-logvolume-" });
  const clock = new FakeClock();
  const fake = await startFakeRuntime({ socketPath: `${dir}/cri.sock`, clock, images: [] });
  const runtime = new RemoteRuntimeService(fake.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 10_000,
  });
  const images = new RemoteImageService(fake.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 10_000,
  });
  const encoder = new TextEncoder();
  let current: MinuteVolume = { lines: 0, bytes: 0, longest: 0 };
  const logger = createLogger({
    verbosity: options.verbosity ?? 0,
    now: () => clock.now(),
    sink: (line) => {
      const size = encoder.encode(line + "\n").length;
      current.lines++;
      current.bytes += size;
      current.longest = Math.max(current.longest, size);
    },
  });
  const recorder = new EventRecorder({ clock, logger, host: "node" });
  const recordEvent = toRecordEvent(recorder);
  const manager = new KubeRuntimeManager({
    runtimeService: runtime,
    imageService: images,
    clock,
    logger,
    rootDir: `${dir}/root`,
    podLogsDir: `${dir}/logs`,
    recordEvent,
  });
  const cache = new PodStatusCache();
  const pleg = new GenericPLEG(manager, { clock, cache, logger });
  const kubelet = new Kubelet({
    runtime: manager,
    cache,
    pleg,
    clock,
    statusManager: new StatusManager(),
    sourcesReady: { allReady: () => true },
    recordEvent,
    logger,
    random: () => 0,
    nodeIps: ["10.0.0.1"],
  });
  const containers: Container[] = [];
  for (let i = 0; i < n; i++) {
    const image = `registry.example/app-${i}:1`;
    fake.failPull(image, `failed to resolve reference "${image}": not found`);
    containers.push({ name: `c${i}`, image, command: ["sleep", "3600"] });
  }
  const pod: Pod = setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "big",
      namespace: "default",
      uid: "uid-big",
      annotations: { "kubernetes.io/config.source": "file" },
    },
    spec: { containers },
  });
  const volumes: MinuteVolume[] = [];
  try {
    kubelet.handlePodUpdate({ op: "ADD", source: "file", pods: [pod] });
    for (let m = 0; m < minutes; m++) {
      current = { lines: 0, bytes: 0, longest: 0 };
      // The generic PLEG's 1 s relist drives the pod workers, as in the agent.
      for (let s = 0; s < 60; s++) {
        await pleg.relist();
        for (const e of pleg.channel.drain()) kubelet.handlePlegEvent(e);
        await flush();
        await kubelet.podWorkers.whenIdle();
        clock.step(1000);
        await flush();
        await kubelet.podWorkers.whenIdle();
      }
      volumes.push(current);
    }
  } finally {
    await kubelet.podWorkers.stop();
    runtime.close();
    images.close();
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
  return volumes;
}

if (import.meta.main) {
  const volumes = await pullBackOffLogVolume({ minutes: Number(Deno.args[0] ?? 3) });
  for (const [i, v] of volumes.entries()) {
    console.log(
      `minute ${i + 1}: ${v.lines} lines, ${v.bytes} bytes, longest line ${v.longest} bytes`,
    );
  }
}
