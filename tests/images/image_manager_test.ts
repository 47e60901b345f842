import assert from "node:assert/strict";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type { SimpleEvent } from "../../src/container/events.ts";
import {
  applyDefaultImageTag,
  ImageManager,
  type ImageManagerOptions,
  type ImagePullService,
  type PullImageRequest,
  pullPolicyOf,
} from "../../src/images/image_manager.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";

/** An in-memory image service whose pulls complete when the test says so. */
class ScriptedImages implements ImagePullService<string> {
  present = new Set<string>();
  pulls: string[] = [];
  requests: PullImageRequest<string>[] = [];
  pending: { image: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  autoComplete = true;
  failWith?: string;

  getImageRef(image: string): Promise<string> {
    return Promise.resolve(this.present.has(image) ? `sha256:${image}` : "");
  }
  getImageSize(imageRef: string): Promise<number> {
    return Promise.resolve(this.present.has(imageRef.replace(/^sha256:/, "")) ? 42 : 0);
  }
  pullImage(image: string, request: PullImageRequest<string>): Promise<string> {
    this.pulls.push(image);
    this.requests.push(request);
    if (this.failWith) return Promise.reject(new Error(this.failWith));
    const done = () => {
      this.present.add(image);
      return `sha256:${image}`;
    };
    if (this.autoComplete) return Promise.resolve(done());
    return new Promise((resolve, reject) => {
      this.pending.push({ image, resolve: () => resolve(done()), reject });
    });
  }
}

function podWith(containers: Container[], uid = "u1"): Pod {
  return { metadata: { name: "p", namespace: "ns", uid }, spec: { containers } };
}

function setup(options: Partial<ImageManagerOptions> = {}) {
  const clock = new FakeClock();
  const images = new ScriptedImages();
  const events: SimpleEvent[] = [];
  const manager = new ImageManager(images, {
    clock,
    recordEvent: (e) => events.push(e),
    ...options,
  });
  return { clock, images, events, manager };
}

Deno.test("applyDefaultImageTag() and pullPolicyOf() follow the API defaults", () => {
  assert.equal(applyDefaultImageTag("busybox"), "busybox:latest");
  assert.equal(applyDefaultImageTag("reg:5000/app"), "reg:5000/app:latest");
  assert.equal(applyDefaultImageTag("busybox:1.36"), "busybox:1.36");
  assert.equal(applyDefaultImageTag("busybox@sha256:abc"), "busybox@sha256:abc");
  assert.equal(applyDefaultImageTag("Bad Name"), undefined);
  assert.equal(pullPolicyOf({ name: "a", image: "busybox" }), "Always");
  assert.equal(pullPolicyOf({ name: "a", image: "busybox:latest" }), "Always");
  assert.equal(pullPolicyOf({ name: "a", image: "busybox:1" }), "IfNotPresent");
  assert.equal(pullPolicyOf({ name: "a", image: "busybox", imagePullPolicy: "Never" }), "Never");
});

Deno.test("ensureImageExists() applies the pull policy and reports kubelet events", async (t) => {
  await t.step("IfNotPresent and present: no pull, Pulled event", async () => {
    const { images, events, manager } = setup();
    images.present.add("app:1");
    const c: Container = { name: "a", image: "app:1" };
    const r = await manager.ensureImageExists(podWith([c]), c);
    assert.deepEqual(r, { ok: true, imageRef: "sha256:app:1" });
    assert.deepEqual(images.pulls, []);
    assert.deepEqual(events, [{
      type: "Normal",
      reason: "Pulled",
      message: 'Container image "app:1" already present on machine',
      pod: "p_ns",
      uid: "u1",
      fieldPath: "spec.containers{a}",
    }]);
  });
  await t.step("Always: pulls, Pulling then Pulled with size", async () => {
    const { images, events, manager } = setup();
    const c: Container = { name: "a", image: "app" };
    const r = await manager.ensureImageExists(podWith([c]), c);
    assert.deepEqual(r, { ok: true, imageRef: "sha256:app:latest" });
    assert.deepEqual(images.pulls, ["app:latest"]);
    assert.deepEqual(events.map((e) => e.reason), ["Pulling", "Pulled"]);
    assert.equal(events[0].message, 'Pulling image "app"');
    assert.equal(
      events[1].message,
      'Successfully pulled image "app" in 0s (0s including waiting). Image size: 42 bytes.',
    );
  });
  await t.step("Never and missing: ErrImageNeverPull", async () => {
    const { events, manager } = setup();
    const c: Container = { name: "a", image: "app:1", imagePullPolicy: "Never" };
    const r = await manager.ensureImageExists(podWith([c]), c);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error, "ErrImageNeverPull");
    assert.equal(events[0].reason, "ErrImageNeverPull");
  });
  await t.step("invalid name: InvalidImageName", async () => {
    const { manager } = setup();
    const c: Container = { name: "a", image: "UPPER/case" };
    const r = await manager.ensureImageExists(podWith([c]), c);
    assert.equal(!r.ok && r.error, "InvalidImageName");
  });
});

Deno.test("ensureImageExists() backs off failed pulls per pod and image, 10s then 20s", async () => {
  const { clock, images, events, manager } = setup();
  images.failWith = "connection refused";
  const c: Container = { name: "a", image: "app:1" };
  const pod = podWith([c]);
  const first = await manager.ensureImageExists(pod, c);
  assert.equal(!first.ok && first.error, "ErrImagePull");
  assert.equal(!first.ok && first.message, 'Failed to pull image "app:1": connection refused');
  const second = await manager.ensureImageExists(pod, c);
  assert.equal(!second.ok && second.error, "ImagePullBackOff");
  assert.equal(!second.ok && second.backOffUntil, clock.now() + 10_000);
  assert.equal(events.at(-1)?.reason, "BackOff");
  // Another pod pulling the same image has its own back-off.
  const other = await manager.ensureImageExists(podWith([c], "u2"), c);
  assert.equal(!other.ok && other.error, "ErrImagePull");
  clock.step(10_000);
  assert.equal((await manager.ensureImageExists(pod, c)).ok, false);
  clock.step(10_000);
  const third = await manager.ensureImageExists(pod, c);
  assert.equal(!third.ok && third.error, "ImagePullBackOff");
  clock.step(10_000);
  images.failWith = undefined;
  assert.equal((await manager.ensureImageExists(pod, c)).ok, true);
  assert.equal(images.pulls.length, 4);
});

Deno.test("ensureImageExists() serializes pulls by default and runs them in parallel when asked", async (t) => {
  for (
    const [name, options, want] of [
      ["serialized", {}, 1],
      ["parallel, max 2", { serializeImagePulls: false, maxParallelImagePulls: 2 }, 2],
      ["parallel, unlimited", { serializeImagePulls: false }, 3],
    ] as const
  ) {
    await t.step(name, async () => {
      const { images, manager } = setup({ ...options, registryPullQPS: 0 });
      images.autoComplete = false;
      const cs: Container[] = ["x:1", "y:1", "z:1"].map((image, i) => ({
        name: `c${i}`,
        image,
        imagePullPolicy: "Always",
      }));
      const pod = podWith(cs);
      const all = Promise.all(cs.map((c) => manager.ensureImageExists(pod, c)));
      await flush();
      assert.equal(images.pending.length, want);
      while (images.pending.length > 0) {
        images.pending.shift()!.resolve();
        await flush();
      }
      assert.ok((await all).every((r) => r.ok));
      assert.equal(images.pulls.length, 3);
    });
  }
});

Deno.test("ensureImageExists() enforces registryPullQPS and registryBurst", async () => {
  const { clock, images, manager } = setup({ registryPullQPS: 1, registryBurst: 2 });
  const c: Container = { name: "a", image: "app:1", imagePullPolicy: "Always" };
  const pod = (uid: string) => podWith([c], uid);
  assert.ok((await manager.ensureImageExists(pod("1"), c)).ok);
  assert.ok((await manager.ensureImageExists(pod("2"), c)).ok);
  const throttled = await manager.ensureImageExists(pod("3"), c);
  assert.equal(
    !throttled.ok && throttled.message,
    'Failed to pull image "app:1": pull QPS exceeded',
  );
  clock.step(1_000);
  assert.ok((await manager.ensureImageExists(pod("4"), c)).ok);
  assert.equal(images.pulls.length, 3);
});

Deno.test("ensureImageExists() hands the image as written and the pull context to the pull", async () => {
  const { images, manager } = setup();
  const c: Container = { name: "a", image: "app", imagePullPolicy: "Always" };
  const ac = new AbortController();
  const r = await manager.ensureImageExists(podWith([c]), c, {
    pullContext: "sandbox-config-of-p",
    signal: ac.signal,
  });
  assert.deepEqual(r, { ok: true, imageRef: "sha256:app:latest" });
  assert.deepEqual(images.pulls, ["app:latest"]);
  assert.deepEqual(images.requests, [{
    userSpecifiedImage: "app",
    context: "sandbox-config-of-p",
    signal: ac.signal,
  }]);
});

Deno.test("ensureImageExists() events name the container's spec list as the kubelet's field paths do", async (t) => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "ns", uid: "u1" },
    spec: {
      containers: [{ name: "app", image: "app:1" }],
      initContainers: [{ name: "setup", image: "app:1" }],
      ephemeralContainers: [{ name: "debug", image: "app:1" }],
    },
  };
  for (
    const [name, want] of [
      ["app", "spec.containers{app}"],
      ["setup", "spec.initContainers{setup}"],
      ["debug", "spec.ephemeralContainers{debug}"],
    ] as const
  ) {
    await t.step(name, async () => {
      const { images, events, manager } = setup();
      images.present.add("app:1");
      await manager.ensureImageExists(pod, { name, image: "app:1" });
      assert.deepEqual(events.map((e) => e.fieldPath), [want]);
    });
  }
});
