import assert from "node:assert/strict";
import { withFakeRuntime } from "./_with_fake.ts";
import { FakeClock, RealClock } from "../../src/util/clock.ts";
import { normalizeImageName, startFakeRuntime } from "../../src/cri/fake/mod.ts";
import type { FakeRuntimeServer } from "../../src/cri/fake/mod.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { CriError, NotFoundError } from "../../src/cri/errors.ts";

function withFake(
  fn: (fake: FakeRuntimeServer, images: RemoteImageService, clock: FakeClock) => Promise<void>,
): Promise<void> {
  const images = [{ name: "registry.k8s.io/pause:3.9", size: 700_000, pinned: true }];
  return withFakeRuntime({ images }, (f) => fn(f.fake, f.images, f.clock));
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

Deno.test("FakeImageService.publish(): the tags and the digest of one image pull one image", async () => {
  await withFake(async (fake, images) => {
    const p = fake.images.publish("example.com/app", ["v1", "latest"], { user: "1000:1000" });
    assert.deepEqual(p.tagRefs, ["example.com/app:v1", "example.com/app:latest"]);
    assert.match(p.digestRef, /^example\.com\/app@sha256:[0-9a-f]{64}$/);
    // By digest first: found by that digest, no tag yet.
    assert.equal(await images.pullImage({ image: p.digestRef }), p.id);
    let image = (await images.imageStatus({ image: p.digestRef })).image;
    assert.deepEqual([image?.repoTags, image?.repoDigests], [[], [p.digestRef]]);
    assert.equal(await images.pullImage({ image: "example.com/app:v1" }), p.id);
    assert.equal(await images.pullImage({ image: "example.com/app" }), p.id); // :latest
    image = (await images.imageStatus({ image: p.id })).image;
    assert.deepEqual(image?.repoTags, ["example.com/app:latest", "example.com/app:v1"]);
    assert.deepEqual([image?.uid, image?.username], [{ value: 1000 }, ""]);
    assert.equal((await images.listImages()).filter((i) => i.id === p.id).length, 1);
    // An id prefix, with or without sha256:, finds it too.
    assert.equal((await images.imageStatus({ image: p.id.slice(7, 19) })).image?.id, p.id);
    assert.equal((await images.imageStatus({ image: p.id.slice(0, 19) })).image?.id, p.id);
  });
});

Deno.test("FakeImageService: a published repository's unknown tag is not found; a moved tag moves", async () => {
  await withFake(async (fake, images) => {
    const one = fake.images.publish("example.com/app", ["stable"]);
    await assert.rejects(images.pullImage({ image: "example.com/app:nope" }), (e: unknown) => {
      assert.ok(e instanceof NotFoundError);
      assert.match(e.message, /failed to resolve reference "example\.com\/app:nope": .*not found/);
      return true;
    });
    await images.pullImage({ image: "example.com/app:stable" });
    const two = fake.images.publish("example.com/app", ["stable"], { cmd: ["sleep", "1"] });
    assert.notEqual(two.id, one.id);
    await images.pullImage({ image: "example.com/app:stable" });
    const old = (await images.imageStatus({ image: one.id })).image;
    assert.deepEqual([old?.repoTags, old?.repoDigests], [[], [one.digestRef]]);
    assert.equal((await images.imageStatus({ image: "example.com/app:stable" })).image?.id, two.id);
  });
});

Deno.test("FakeImageService seeds carry the image config: user, entrypoint and cmd", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-fake-" });
  const fake = await startFakeRuntime({
    clock: new RealClock(),
    socketPath: `${dir}/cri.sock`,
    images: [{ name: "example.com/named:1", user: "nobody", cmd: ["sleep", "1"] }],
  });
  try {
    const image = fake.images.resolve("example.com/named:1");
    assert.deepEqual([image?.uid, image?.username], [null, "nobody"]);
    assert.deepEqual(fake.images.configOf(image!.id), { user: "nobody", cmd: ["sleep", "1"] });
  } finally {
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
