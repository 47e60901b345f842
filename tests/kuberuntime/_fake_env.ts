/**
 * A KubeRuntimeManager wired to the fake CRI runtime over a real Unix socket,
 * with one FakeClock for both, temp root and log dirs, and recorded events.
 */

import type { SimpleEvent } from "../../src/container/events.ts";
import { type FakeRuntimeServer, startFakeRuntime } from "../../src/cri/fake/mod.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import {
  KubeRuntimeManager,
  type KubeRuntimeManagerOptions,
} from "../../src/kuberuntime/kuberuntime_manager.ts";
import { Backoff } from "../../src/util/backoff.ts";
import { FakeClock } from "../../src/util/clock.ts";

export interface FakeEnv extends AsyncDisposable {
  clock: FakeClock;
  fake: FakeRuntimeServer;
  runtime: RemoteRuntimeService;
  images: RemoteImageService;
  manager: KubeRuntimeManager;
  events: SimpleEvent[];
  backOff: Backoff;
  dir: string;
  rootDir: string;
  podLogsDir: string;
  /** Methods the fake received since the last call, then forgets them. */
  takeMethods(): string[];
}

export async function fakeEnv(
  options: Partial<KubeRuntimeManagerOptions> & { images?: string[] } = {},
): Promise<FakeEnv> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-kuberuntime-" });
  const clock = new FakeClock();
  const fake = await startFakeRuntime({
    socketPath: `${dir}/cri.sock`,
    clock,
    images: options.images ?? ["busybox:1.36"],
  });
  const runtime = new RemoteRuntimeService(fake.endpoint, {
    clock,
    runtimeRequestTimeoutMs: 10_000,
  });
  const images = new RemoteImageService(fake.endpoint, { clock, runtimeRequestTimeoutMs: 10_000 });
  const events: SimpleEvent[] = [];
  const rootDir = `${dir}/root`;
  const podLogsDir = `${dir}/logs`;
  const manager = new KubeRuntimeManager({
    runtimeService: runtime,
    imageService: images,
    clock,
    rootDir,
    podLogsDir,
    recordEvent: (e) => events.push(e),
    ...options,
  });
  return {
    clock,
    fake,
    runtime,
    images,
    manager,
    events,
    backOff: new Backoff({ initialMs: 10_000, maxMs: 300_000 }),
    dir,
    rootDir,
    podLogsDir,
    takeMethods() {
      const m = fake.calls.map((c) => c.method);
      fake.recorder.clearCalls();
      return m;
    },
    async [Symbol.asyncDispose]() {
      runtime.close();
      images.close();
      await fake.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
