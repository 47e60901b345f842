/**
 * The fake CRI runtime on a socket in a temp dir, on a FakeClock, with the
 * real runtime and image clients pointed at it; everything is stopped and
 * removed after the test body.
 *
 * @module
 */

import { FakeClock } from "../../src/util/clock.ts";
import {
  type FakeRuntimeServer,
  startFakeRuntime,
  type StartFakeRuntimeOptions,
} from "../../src/cri/fake/mod.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";

/** What {@linkcode withFakeRuntime} hands the test body. */
export interface FakeFixture {
  /** The temp dir the socket is in (removed afterwards). */
  dir: string;
  fake: FakeRuntimeServer;
  runtime: RemoteRuntimeService;
  images: RemoteImageService;
  /** The fake's clock (the clients measure with it too). */
  clock: FakeClock;
}

/** Runs `fn` against a fresh fake runtime started with `options` (default image: busybox). */
export async function withFakeRuntime(
  options: Partial<StartFakeRuntimeOptions>,
  fn: (f: FakeFixture) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-fake-" });
  const clock = new FakeClock();
  const fake = await startFakeRuntime({
    socketPath: `${dir}/cri.sock`,
    clock,
    images: ["busybox"],
    ...options,
  });
  const runtime = new RemoteRuntimeService(fake.endpoint, { clock });
  const images = new RemoteImageService(fake.endpoint, { clock });
  try {
    await fn({ dir, fake, runtime, images, clock });
  } finally {
    runtime.close();
    images.close();
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
