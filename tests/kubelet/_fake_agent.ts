/**
 * A Kubelet on the fake CRI runtime (a real gRPC server on a Unix socket),
 * with one FakeClock for everything and the loops driven by hand:
 * {@linkcode FakeAgent.converge} relists, feeds the PLEG events to the
 * workers and waits until no worker has work, without sleeping.
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";
import { PodStatusCache } from "../../src/container/cache.ts";
import type { SimpleEvent } from "../../src/container/events.ts";
import { type FakeRuntimeServer, startFakeRuntime } from "../../src/cri/fake/mod.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { Kubelet, type KubeletLoopOptions } from "../../src/kubelet/kubelet.ts";
import { KubeRuntimeManager } from "../../src/kuberuntime/kuberuntime_manager.ts";
import { GenericPLEG } from "../../src/pleg/generic.ts";
import { ProberManager } from "../../src/prober/prober_manager.ts";
import type { ProbeFunction } from "../../src/prober/worker.ts";
import { StatusManager } from "../../src/status/status_manager.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";

/** One agent instance: everything an agent restart throws away. */
export interface AgentInstance {
  kubelet: Kubelet;
  pleg: GenericPLEG;
  cache: PodStatusCache;
  statusManager: StatusManager;
  manager: KubeRuntimeManager;
  events: SimpleEvent[];
  runtimeErrors: string[];
  sourcesReady: { ready: boolean };
  /** Present when the agent was made with a `probe` function. */
  prober?: ProberManager;
}

export interface FakeAgent extends AsyncDisposable, AgentInstance {
  clock: FakeClock;
  fake: FakeRuntimeServer;
  runtime: RemoteRuntimeService;
  images: RemoteImageService;
  dir: string;
  /** Builds a fresh agent instance (new kubelet, PLEG, caches) on the same runtime and clock. */
  restartAgent(options?: Partial<KubeletLoopOptions>): AgentInstance;
  /** Relists and lets the workers run until nothing changes (bounded rounds). */
  converge(rounds?: number): Promise<void>;
  /** CRI methods received since the last call (then forgotten). */
  takeMethods(): string[];
  /** The fake's containers of a pod container name, newest last. */
  containers(name: string): { id: string; state: string }[];
}

export async function fakeAgent(
  options: Partial<KubeletLoopOptions> & { images?: string[]; probe?: ProbeFunction } = {},
): Promise<FakeAgent> {
  const { probe, images: seedImages, ...kubeletOptions } = options;
  const dir = await Deno.makeTempDir({ prefix: "denolet-kubelet-" });
  const clock = new FakeClock();
  const fake = await startFakeRuntime({
    socketPath: `${dir}/cri.sock`,
    clock,
    images: seedImages ?? ["busybox:1.36"],
  });
  const runtime = new RemoteRuntimeService(fake.endpoint, {
    clock,
    runtimeRequestTimeoutMs: 10_000,
  });
  const images = new RemoteImageService(fake.endpoint, { clock, runtimeRequestTimeoutMs: 10_000 });

  const build = (extra: Partial<KubeletLoopOptions> = {}): AgentInstance => {
    const events: SimpleEvent[] = [];
    const runtimeErrors: string[] = [];
    const sourcesReady = { ready: true };
    const prober = probe ? new ProberManager({ clock, probe, agentStartedAt: 0 }) : undefined;
    const manager = new KubeRuntimeManager({
      livenessResults: prober?.livenessResults,
      startupResults: prober?.startupResults,
      runtimeService: runtime,
      imageService: images,
      clock,
      rootDir: `${dir}/root`,
      podLogsDir: `${dir}/logs`,
      recordEvent: (e) => events.push(e),
    });
    const cache = new PodStatusCache();
    const pleg = new GenericPLEG(manager, { clock, cache });
    const statusManager = new StatusManager();
    const kubelet = new Kubelet({
      runtime: manager,
      cache,
      pleg,
      clock,
      statusManager,
      sourcesReady: { allReady: () => sourcesReady.ready },
      recordEvent: (e) => events.push(e),
      runtimeHealth: { runtimeErrors: () => runtimeErrors },
      logger: createMemoryLogger(),
      random: () => 0,
      nodeIps: ["10.0.0.1"],
      prober,
      ...kubeletOptions,
      ...extra,
    });
    return {
      kubelet,
      pleg,
      cache,
      statusManager,
      manager,
      events,
      runtimeErrors,
      sourcesReady,
      prober,
    };
  };

  const agent = {
    clock,
    fake,
    runtime,
    images,
    dir,
    ...build(),
    restartAgent(extra?: Partial<KubeletLoopOptions>) {
      Object.assign(agent, build(extra));
      return agent as AgentInstance;
    },
    async converge(rounds = 40) {
      let quiet = 0;
      for (let i = 0; i < rounds && quiet < 2; i++) {
        clock.step(1);
        await agent.pleg.relist();
        const events = agent.pleg.channel.drain();
        for (const e of events) agent.kubelet.handlePlegEvent(e);
        await flush();
        await agent.kubelet.podWorkers.whenIdle();
        quiet = events.length === 0 ? quiet + 1 : 0;
      }
    },
    takeMethods() {
      const m = fake.calls.map((c) => c.method);
      fake.recorder.clearCalls();
      return m;
    },
    containers(name: string) {
      return fake.runtime.containers()
        .filter((c) => c.metadata.name === name)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((c) => ({ id: c.id, state: c.state }));
    },
    async [Symbol.asyncDispose]() {
      await agent.kubelet.podWorkers.stop();
      await agent.prober?.stop();
      runtime.close();
      images.close();
      await fake.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
  return agent as FakeAgent;
}

/** A defaulted static-looking pod. */
export function makePod(
  name: string,
  containers: Container[],
  spec: Partial<NonNullable<Pod["spec"]>> = {},
): Pod {
  return setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      annotations: { "kubernetes.io/config.source": "file" },
    },
    spec: { containers, terminationGracePeriodSeconds: 5, ...spec },
  });
}

/** A busybox container running `sleep`. */
export function sleeper(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: "busybox:1.36", command: ["sleep", "3600"], ...extra };
}
