import assert from "node:assert/strict";
import { FakeClock } from "../../src/util/clock.ts";
import { normalizeImageName, startFakeRuntime } from "../../src/cri/fake/mod.ts";
import type { FakeRuntimeServer } from "../../src/cri/fake/mod.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { CriError } from "../../src/cri/errors.ts";

async function withFake(
  fn: (fake: FakeRuntimeServer, images: RemoteImageService, clock: FakeClock) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-fake-" });
  const clock = new FakeClock();
  const fake = await startFakeRuntime({
    socketPath: `${dir}/cri.sock`,
    clock,
    images: [{ name: "registry.k8s.io/pause:3.9", size: 700_000, pinned: true }],
  });
  const images = new RemoteImageService(fake.endpoint);
  try {
    await fn(fake, images, clock);
  } finally {
    images.close();
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("normalizeImageName() normalises like containerd", async (t) => {
  const cases: [string, string][] = [
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["library/busybox", "docker.io/library/busybox:latest"],
    ["me/app:v1", "docker.io/me/app:v1"],
    ["docker.io/busybox", "docker.io/library/busybox:latest"],
    ["localhost/denolet/busybox:e2e", "localhost/denolet/busybox:e2e"],
    ["registry:5000/app", "registry:5000/app:latest"],
    ["quay.io/a/b@sha256:abcd", "quay.io/a/b@sha256:abcd"],
    ["sha256:abcd", "sha256:abcd"],
  ];
  for (const [input, want] of cases) {
    await t.step(`${input} -> ${want}`, () => assert.equal(normalizeImageName(input), want));
  }
});

Deno.test("FakeImageService.pullImage() creates an unknown image whose id is the imageRef", async () => {
  await withFake(async (_fake, images) => {
    const ref = await images.pullImage({ image: "nginx:1.25" });
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    const { image } = await images.imageStatus({ image: "docker.io/library/nginx:1.25" });
    assert.equal(image?.id, ref);
    assert.deepEqual(image?.repoTags, ["docker.io/library/nginx:1.25"]);
    assert.match(image?.repoDigests[0] ?? "", /^docker\.io\/library\/nginx@sha256:/);
    // Pulling again returns the same image; lookup by id and digest works.
    assert.equal(await images.pullImage({ image: "docker.io/library/nginx:1.25" }), ref);
    assert.equal((await images.imageStatus({ image: ref })).image?.id, ref);
    assert.equal((await images.imageStatus({ image: image!.repoDigests[0] })).image?.id, ref);
    assert.equal((await images.listImages()).length, 2);
    assert.equal((await images.listImages({ image: { image: "nginx:1.25" } })).length, 1);
  });
});

Deno.test("FakeImageService.failPull() fails pulls with the message, then recovers after times", async () => {
  await withFake(async (fake, images) => {
    fake.failPull("bad:1", "rpc error: failed to resolve reference", { times: 1 });
    await assert.rejects(images.pullImage({ image: "bad:1" }), (e: unknown) => {
      assert.ok(e instanceof CriError);
      assert.match(e.message, /failed to resolve reference/);
      return true;
    });
    assert.match(await images.pullImage({ image: "bad:1" }), /^sha256:/);
  });
});

Deno.test("FakeImageService.setPullDelay() makes pulls wait on the clock", async () => {
  await withFake(async (fake, images, clock) => {
    fake.images.setPullDelay(5000);
    let done = false;
    const pull = images.pullImage({ image: "slow" }).then((r) => {
      done = true;
      return r;
    });
    while (clock.pendingTimers < 1) await new Promise((r) => setTimeout(r, 1));
    await clock.advance(4999);
    assert.equal(done, false);
    await clock.advance(1);
    assert.match(await pull, /^sha256:/);
  });
});

Deno.test("FakeImageService.removeImage() removes images, in use or missing, without error", async () => {
  await withFake(async (_fake, images) => {
    await images.removeImage({ image: "registry.k8s.io/pause:3.9" });
    assert.deepEqual(await images.listImages(), []);
    await images.removeImage({ image: "never-there" });
    assert.equal((await images.imageStatus({ image: "registry.k8s.io/pause:3.9" })).image, null);
  });
});

Deno.test("FakeImageService.imageFsInfo() sums image sizes unless usage is set", async () => {
  await withFake(async (fake, images, clock) => {
    let info = await images.imageFsInfo();
    assert.equal(info.imageFilesystems[0].usedBytes?.value, 700_000);
    assert.equal(info.imageFilesystems[0].inodesUsed?.value, 1);
    assert.equal(info.imageFilesystems[0].timestamp, clock.now() * 1_000_000);
    assert.equal(info.imageFilesystems[0].fsId?.mountpoint, "/var/lib/fake-runtime/images");
    fake.images.setImageFsUsage({ usedBytes: 9_000_000_000, capacityBytes: 10_000_000_000 });
    info = await images.imageFsInfo();
    assert.equal(info.imageFilesystems[0].usedBytes?.value, 9_000_000_000);
    assert.equal(fake.images.imageFsCapacityBytes, 10_000_000_000);
    const pinned = (await images.listImages())[0];
    assert.equal(pinned.pinned, true);
    assert.equal(pinned.size, 700_000);
  });
});
