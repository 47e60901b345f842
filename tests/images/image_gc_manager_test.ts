import assert from "node:assert/strict";
import type { SimpleEvent } from "../../src/container/events.ts";
import type { ImageFsStats, ImageInfo, RuntimePod } from "../../src/container/runtime.ts";
import {
  type FsStats,
  ImageGCManager,
  type ImageGCRuntime,
  statfsStats,
} from "../../src/images/image_gc_manager.ts";
import { type ImageGCPolicy, validateImageGCPolicy } from "../../src/images/image_gc_policy.ts";
import { FakeClock } from "../../src/util/clock.ts";

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const MiB = 1024 * 1024;

class FakeImageRuntime implements ImageGCRuntime {
  images: ImageInfo[] = [];
  pods: RuntimePod[] = [];
  mountpoint = "/var/lib/containerd";
  removed: string[] = [];
  failRemove = new Set<string>();

  listImages(): Promise<ImageInfo[]> {
    return Promise.resolve(this.images.map((i) => ({ ...i })));
  }
  getPods(all: boolean): Promise<RuntimePod[]> {
    assert.equal(all, true, "image GC must see exited containers too");
    return Promise.resolve(this.pods);
  }
  imageStats(): Promise<ImageFsStats[]> {
    return Promise.resolve([{ usedBytes: 0, mountpoint: this.mountpoint }]);
  }
  removeImage(id: string): Promise<void> {
    if (this.failRemove.has(id)) return Promise.reject(new Error("image is busy"));
    this.removed.push(id);
    this.images = this.images.filter((i) => i.id !== id);
    return Promise.resolve();
  }
  /** A pod whose one container (in `state`) uses `imageRef`. */
  use(imageRef: string, state: "running" | "exited" = "running"): void {
    this.pods.push({
      uid: `u-${imageRef}`,
      name: "p",
      namespace: "default",
      createdAt: 0,
      sandboxes: [],
      containers: [{
        id: `c-${imageRef}`,
        name: "c",
        image: "whatever:1",
        imageRef,
        hash: "",
        state,
        createdAt: 0,
        attempt: 0,
      }],
    });
  }
}

function image(id: string, sizeMiB: number, pinned = false): ImageInfo {
  return { id, repoTags: [`${id}:latest`], repoDigests: [], size: sizeMiB * MiB, pinned };
}

interface Setup {
  clock: FakeClock;
  rt: FakeImageRuntime;
  gc: ImageGCManager;
  events: SimpleEvent[];
  fs: FsStats;
  paths: string[];
  removedReasons: string[];
}

function setup(
  policy: Partial<ImageGCPolicy> = {},
  fs: FsStats = { capacity: 0, available: 0 },
): Setup {
  const clock = new FakeClock(T0);
  const rt = new FakeImageRuntime();
  const events: SimpleEvent[] = [];
  const paths: string[] = [];
  const removedReasons: string[] = [];
  const s = { clock, rt, events, fs, paths, removedReasons } as Setup;
  s.gc = new ImageGCManager(rt, {
    clock,
    policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * MIN, ...policy },
    fsStats: (path) => {
      paths.push(path);
      return Promise.resolve({ ...s.fs });
    },
    recordEvent: (e) => events.push(e),
    onImageRemoved: (reason, id) => removedReasons.push(`${reason}:${id}`),
  });
  return s;
}

Deno.test("validateImageGCPolicy() checks thresholds and ages", async (t) => {
  const ok: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 0 };
  const bad: [string, Partial<ImageGCPolicy>][] = [
    ["high over 100", { highThresholdPercent: 101 }],
    ["high negative", { highThresholdPercent: -1 }],
    ["low over 100", { lowThresholdPercent: 101, highThresholdPercent: 100 }],
    ["low above high", { lowThresholdPercent: 90 }],
    ["negative min age", { minAgeMs: -1 }],
    ["negative max age", { maxAgeMs: -1 }],
    ["NaN threshold", { highThresholdPercent: NaN }],
  ];
  for (const [name, p] of bad) {
    await t.step(
      name,
      () => assert.throws(() => validateImageGCPolicy({ ...ok, ...p }), RangeError),
    );
  }
  await t.step("valid edges", () => {
    validateImageGCPolicy({ ...ok, lowThresholdPercent: 85 });
    validateImageGCPolicy({ highThresholdPercent: 100, lowThresholdPercent: 0, minAgeMs: 0 });
  });
  await t.step("the constructor validates too", () => {
    assert.throws(
      () =>
        new ImageGCManager(new FakeImageRuntime(), {
          clock: new FakeClock(),
          policy: { ...ok, lowThresholdPercent: 90 },
        }),
      RangeError,
    );
  });
});

Deno.test("ImageGCManager.detectImages() keeps first-detected and last-used records", async () => {
  const { clock, rt, gc } = setup();
  rt.images = [image("a", 10), image("b", 20)];
  rt.use("a", "exited");
  assert.deepEqual([...await gc.detectImages(clock.now())], ["a"]);
  clock.step(MIN);
  rt.images.push(image("c", 30, true));
  await gc.detectImages(clock.now());
  const r = gc.records();
  assert.deepEqual(r.get("a"), {
    firstDetected: T0,
    lastUsed: T0 + MIN,
    size: 10 * MiB,
    pinned: false,
  });
  assert.deepEqual(r.get("b"), { firstDetected: T0, lastUsed: 0, size: 20 * MiB, pinned: false });
  assert.equal(r.get("c")!.pinned, true);
  assert.equal(r.get("c")!.firstDetected, T0 + MIN);
  rt.images = rt.images.filter((i) => i.id !== "b");
  await gc.detectImages(clock.now());
  assert.equal(gc.records().has("b"), false);
});

Deno.test("ImageGCManager.collectGarbage() frees down to the low threshold, LRU first", async (t) => {
  const cases: {
    name: string;
    prepare: (s: Setup) => void;
    fs: FsStats;
    wantRemoved: string[];
    wantError?: RegExp;
    wantEvent?: string;
  }[] = [
    {
      name: "under the high threshold nothing is removed",
      prepare: (s) => {
        s.rt.images = [image("a", 100)];
      },
      fs: { capacity: 1000 * MiB, available: 200 * MiB }, // 80 % used
      wantRemoved: [],
    },
    {
      name: "least recently used first, until freed >= target",
      prepare: (s) => {
        s.rt.images = [
          image("never", 60),
          image("old", 60),
          image("recent", 60),
          image("extra", 60),
        ];
      },
      // 96 % used; target = 1000*20/100 - 40 = 160 MiB: the two never used, then the older used
      fs: { capacity: 1000 * MiB, available: 40 * MiB },
      wantRemoved: ["never", "extra", "old"],
    },
    {
      name: "in-use (running or exited) and pinned images are never removed",
      prepare: (s) => {
        s.rt.images = [
          image("run", 500),
          image("dead", 500),
          image("pin", 500, true),
          image("free", 50),
        ];
        s.rt.use("run", "running");
        s.rt.use("dead", "exited");
      },
      fs: { capacity: 1000 * MiB, available: 100 * MiB },
      wantRemoved: ["free"],
      wantError:
        /Attempted to free 104857600 bytes, but only found 52428800 bytes eligible to free/,
      wantEvent: "FreeDiskSpaceFailed",
    },
    {
      name: "images detected less than MinAge ago are kept",
      prepare: (s) => {
        s.rt.images = [image("fresh", 500)];
      },
      fs: { capacity: 1000 * MiB, available: 100 * MiB },
      wantRemoved: [],
      wantError: /only found 0 bytes eligible/,
      wantEvent: "FreeDiskSpaceFailed",
    },
    {
      name: "capacity 0 is an InvalidDiskCapacity error",
      prepare: (s) => {
        s.rt.images = [image("a", 1)];
      },
      fs: { capacity: 0, available: 0 },
      wantRemoved: [],
      wantError: /invalid capacity 0 on image filesystem/,
      wantEvent: "InvalidDiskCapacity",
    },
    {
      name: "a failed removal is reported and the walk goes on",
      prepare: (s) => {
        s.rt.images = [image("stuck", 60), image("next", 120)];
        s.rt.failRemove.add("stuck");
      },
      fs: { capacity: 1000 * MiB, available: 100 * MiB },
      wantRemoved: ["next"],
      wantError: /failed to remove image "stuck": image is busy/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const s = setup({}, c.fs);
      c.prepare(s);
      // Images known since before the agent watched, except "fresh" below.
      if (!s.rt.images.some((i) => i.id === "fresh")) await s.gc.detectImages(0);
      else await s.gc.detectImages(s.clock.now());
      // "old" was used 10 minutes in, "recent" 20 minutes in.
      for (const [id, at] of [["old", 10], ["recent", 20]] as const) {
        if (!s.rt.images.some((i) => i.id === id)) continue;
        s.clock.set(T0 + at * MIN);
        s.rt.use(id);
        await s.gc.detectImages(s.clock.now());
        s.rt.pods = s.rt.pods.filter((p) => p.uid !== `u-${id}`);
      }
      s.clock.set(T0 + 30 * MIN - (s.rt.images.some((i) => i.id === "fresh") ? 29 * MIN : 0));
      const r = await s.gc.collectGarbage(s.clock.now());
      assert.deepEqual(r.removedImages, c.wantRemoved);
      assert.deepEqual(s.rt.removed, c.wantRemoved);
      if (c.wantError) assert.match(r.error ?? "", c.wantError);
      else assert.equal(r.error, undefined);
      assert.deepEqual(s.events.map((e) => e.reason), c.wantEvent ? [c.wantEvent] : []);
      for (const e of s.events) assert.equal(e.type, "Warning");
      assert.deepEqual(s.removedReasons, c.wantRemoved.map((id) => `space:${id}`));
    });
  }
});

Deno.test("ImageGCManager.collectGarbage() measures the mountpoint the runtime reports", async () => {
  const s = setup({}, { capacity: 100, available: 500 });
  s.rt.mountpoint = "/data/containerd";
  const r = await s.gc.collectGarbage(s.clock.now());
  assert.deepEqual(s.paths, ["/data/containerd"]);
  // available is clamped to capacity
  assert.equal(r.usagePercent, 0);
  s.rt.mountpoint = "";
  await s.gc.collectGarbage(s.clock.now());
  assert.equal(s.paths[1], "/var/lib/containerd");
});

Deno.test("ImageGCManager.collectGarbage() records ImageGCFailed only on a repeated failure", async () => {
  const s = setup({}, { capacity: 0, available: 0 });
  await s.gc.collectGarbage(s.clock.now());
  assert.deepEqual(s.events.map((e) => e.reason), ["InvalidDiskCapacity"]);
  await s.gc.collectGarbage(s.clock.now());
  assert.deepEqual(s.events.map((e) => e.reason), [
    "InvalidDiskCapacity",
    "InvalidDiskCapacity",
    "ImageGCFailed",
  ]);
  s.fs = { capacity: 100, available: 100 };
  assert.equal((await s.gc.collectGarbage(s.clock.now())).error, undefined);
  s.fs = { capacity: 0, available: 0 };
  await s.gc.collectGarbage(s.clock.now());
  assert.equal(s.events.filter((e) => e.reason === "ImageGCFailed").length, 1);
});

Deno.test("ImageGCManager.collectGarbage() removes images unused for MaxAge", async () => {
  const s = setup({ maxAgeMs: 60 * MIN }, { capacity: 100, available: 100 });
  s.rt.images = [image("stale", 1), image("used", 1), image("pinned", 1, true)];
  s.rt.use("used");
  await s.gc.detectImages(s.clock.now());
  s.clock.set(T0 + 30 * MIN);
  assert.deepEqual((await s.gc.collectGarbage(s.clock.now())).removedImages, []);
  s.clock.set(T0 + 61 * MIN);
  const r = await s.gc.collectGarbage(s.clock.now());
  assert.deepEqual(r.removedImages, ["stale"]);
  assert.deepEqual(s.removedReasons, ["age:stale"]);
});

Deno.test("ImageGCManager.run() collects at start, then every 5 minutes; disabled at high=100", async () => {
  const s = setup({}, { capacity: 100, available: 100 });
  const ac = new AbortController();
  const done = s.gc.run(ac.signal);
  await s.clock.advance(0);
  assert.equal(s.paths.length, 1);
  await s.clock.advance(5 * MIN);
  assert.equal(s.paths.length, 2);
  await s.clock.advance(10 * MIN);
  assert.equal(s.paths.length, 4);
  ac.abort();
  await done;
  assert.equal(s.clock.pendingTimers, 0);

  const off = setup({ highThresholdPercent: 100, lowThresholdPercent: 80 });
  assert.equal(off.gc.enabled, false);
  await off.gc.run(new AbortController().signal);
  assert.equal(off.clock.pendingTimers, 0);
});

Deno.test("statfsStats() reads capacity and available bytes of a real filesystem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const st = await statfsStats(dir);
    assert.ok(st.capacity > 0);
    assert.ok(st.available >= 0 && st.available <= st.capacity);
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("ImageGCManager.collectGarbage() breaks lastUsed ties by the earlier firstDetected", async () => {
  const s = setup({ minAgeMs: 0 }, { capacity: 1000 * MiB, available: 100 * MiB });
  s.rt.images = [image("b", 200)];
  await s.gc.detectImages(T0 + 5 * MIN);
  s.rt.images = [image("b", 200), image("a", 200)];
  await s.gc.detectImages(T0);
  s.clock.set(T0 + 30 * MIN);
  const r = await s.gc.collectGarbage(s.clock.now());
  assert.deepEqual(r.removedImages, ["a"]);
  assert.equal(r.bytesToFree, 100 * MiB);
  assert.equal(r.freedBytes, 200 * MiB);
  assert.equal(r.usagePercent, 90);
});
