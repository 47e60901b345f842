import assert from "node:assert/strict";
import { join } from "node:path";
import type { Pod } from "../../src/api/types.ts";
import { CONFIG_HASH_ANNOTATION, CONFIG_SOURCE_ANNOTATION } from "../../src/api/pod_helpers.ts";
import { FileSource, type FileSourceOptions } from "../../src/config/file.ts";
import { PodConfig } from "../../src/config/pod_config.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { fakeWatch, podYaml, removeTree, tempDir, waitFor } from "./_helpers.ts";

function source(path: string, options: Partial<FileSourceOptions> = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const logger = createMemoryLogger();
  const watch = fakeWatch();
  const src = new FileSource(path, {
    nodeName: "Node-1",
    clock,
    logger,
    watchFs: watch.watchFs,
    ...options,
  });
  const warnings = () =>
    logger.records.filter((r) => r.severity === "warn").map((r) =>
      `${r.message} ${String(r.fields.path ?? "")}`
    );
  return { src, clock, logger, watch, warnings };
}

const names = (pods: Pod[] | undefined) => (pods ?? []).map((p) => p.metadata?.name);
const images = (pods: Pod[] | undefined) => (pods ?? []).map((p) => p.spec?.containers[0].image);

Deno.test("FileSource.listOnce() reads .yaml, .yml and .json files and applies static pod defaults", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.yaml"), podYaml("a"));
    await Deno.writeTextFile(join(dir, "b.YML"), podYaml("b"));
    await Deno.writeTextFile(
      join(dir, "c.json"),
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "c", namespace: "kube-system" },
        spec: { containers: [{ name: "main", image: "nginx:1" }] },
      }),
    );
    await Deno.writeTextFile(join(dir, ".hidden.yaml"), podYaml("hidden"));
    await Deno.mkdir(join(dir, "sub.yaml"));
    await Deno.mkdir(join(dir, "nested"));
    await Deno.writeTextFile(join(dir, "nested", "d.yaml"), podYaml("d"));
    const { src, warnings } = source(dir + "/");
    const pods = await src.listOnce();
    assert.deepEqual(names(pods), ["a-node-1", "b-node-1", "c-node-1"]);
    assert.deepEqual(warnings(), []);
    const a = pods[0];
    assert.equal(a.metadata?.namespace, "default");
    assert.equal(pods[2].metadata?.namespace, "kube-system");
    assert.equal(a.spec?.nodeName, "node-1");
    assert.match(a.metadata!.uid!, /^[0-9a-f]{32}$/);
    assert.equal(a.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION], "file");
    assert.match(a.metadata!.annotations![CONFIG_HASH_ANNOTATION], /^[0-9a-f]{32}$/);
    assert.deepEqual(a.spec?.tolerations, [{ operator: "Exists", effect: "NoExecute" }]);
    assert.equal(a.status?.phase, "Pending");
    assert.equal(a.spec?.restartPolicy, "Always", "API defaults applied");
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.listOnce() treats a missing path and an empty directory as no pods", async () => {
  const dir = await tempDir();
  try {
    const missing = source(join(dir, "nope"));
    assert.deepEqual(await missing.src.listOnce(), []);
    assert.deepEqual(await missing.src.listOnce(), []);
    const notes = missing.logger.records.filter((r) => /does not exist/.test(r.message));
    assert.equal(notes.length, 1, "logged once");
    const empty = source(dir);
    assert.deepEqual(await empty.src.listOnce(), []);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.listOnce() names each non-manifest file once in a warning and never runs it", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir, "api.yaml"), podYaml("api"));
    await Deno.writeTextFile(join(dir, "api.yaml.bak"), podYaml("api", "old:1"));
    await Deno.writeTextFile(join(dir, "api.yaml~"), podYaml("api", "older:1"));
    await Deno.writeTextFile(join(dir, "README"), "notes");
    const { src, warnings } = source(dir);
    assert.deepEqual(images(await src.listOnce()), ["busybox:1.36"]);
    await src.listOnce();
    await src.handleEvent(join(dir, "api.yaml.bak"));
    const w = warnings();
    assert.equal(w.length, 3);
    for (const name of ["README", "api.yaml.bak", "api.yaml~"]) {
      assert.equal(w.filter((line) => line.endsWith(join(dir, name))).length, 1, name);
    }
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource reports a bad file once, keeps the other pods and picks up the fix", async (t) => {
  const bad: [string, string, RegExp][] = [
    ["invalid YAML", "kind: Pod\nmetadata: [\n", /invalid YAML/],
    [
      "not a Pod",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
      /not a Pod: kind is 'Deployment'/,
    ],
    [
      "no name",
      "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n",
      /name is needed for the pod/,
    ],
    [
      "invalid spec",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers: []\n",
      /invalid pod: field 'spec.containers'/,
    ],
    ["two documents", podYaml("x") + "---\n" + podYaml("y"), /2 YAML documents/],
    ["a list", "- a\n- b\n", /not a Pod: the document is a list/],
  ];
  for (const [what, text, reason] of bad) {
    await t.step(what, async () => {
      const dir = await tempDir();
      try {
        await Deno.writeTextFile(join(dir, "good.yaml"), podYaml("good"));
        await Deno.writeTextFile(join(dir, "bad.yaml"), text);
        const { src, logger, warnings } = source(dir);
        assert.deepEqual(names(await src.listOnce()), ["good-node-1"]);
        await src.listOnce();
        assert.equal(await src.handleEvent(join(dir, "bad.yaml")), undefined);
        const w = logger.records.filter((r) => r.severity === "warn");
        assert.equal(w.length, 1, warnings().join("\n"));
        assert.match(w[0].message, new RegExp(`'${join(dir, "bad.yaml")}'`));
        assert.match(w[0].message, reason);
        await Deno.writeTextFile(join(dir, "bad.yaml"), podYaml("fixed"));
        assert.deepEqual(
          names(await src.handleEvent(join(dir, "bad.yaml"))),
          [
            "bad-node-1".replace("bad", "fixed"),
            "good-node-1",
          ].sort(),
        );
        assert.ok(logger.records.some((r) => r.message === "Static pod manifest is valid again"));
      } finally {
        await removeTree(dir);
      }
    });
  }
});

Deno.test("FileSource keeps serving the last good pod when its file is edited into a bad one", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "web.yaml");
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    const { src, warnings } = source(dir);
    const [before] = await src.listOnce();
    await Deno.writeTextFile(file, "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n");
    assert.equal(await src.handleEvent(file), undefined, "no change downstream");
    assert.deepEqual(await src.listOnce(), [before]);
    const w = warnings();
    assert.equal(w.length, 1);
    assert.match(w[0], /still serving the last good version/);
    await Deno.writeTextFile(file, podYaml("web", "nginx:2"));
    const [after] = (await src.handleEvent(file))!;
    assert.equal(after.spec?.containers[0].image, "nginx:2");
    assert.equal(after.metadata?.uid, before.metadata?.uid);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource serves the first file in lexical order for a duplicate pod name and reports the later one", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir, "10-web.yaml"), podYaml("web", "first:1"));
    await Deno.writeTextFile(join(dir, "20-web.yaml"), podYaml("web", "second:1"));
    const { src, warnings } = source(dir);
    assert.deepEqual(images(await src.listOnce()), ["first:1"]);
    await src.listOnce();
    const w = warnings();
    assert.equal(w.length, 1);
    assert.match(w[0], /20-web\.yaml/);
    assert.match(w[0], /duplicate pod name 'web-node-1'.*already defined in '.*10-web\.yaml'/);
    await Deno.remove(join(dir, "10-web.yaml"));
    assert.deepEqual(images(await src.listOnce()), ["second:1"]);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource keeps a pod's UID across edits, so PodConfig sees an UPDATE", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "web.yaml");
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    const { src, clock } = source(dir);
    const config = new PodConfig({ clock });
    assert.deepEqual(config.merge("file", await src.listOnce()).map((u) => u.op), ["ADD"]);
    await Deno.writeTextFile(file, podYaml("web", "nginx:2", "  labels:\n    tier: web\n"));
    const updates = config.merge("file", (await src.handleEvent(file))!);
    assert.deepEqual(updates.map((u) => u.op), ["UPDATE"]);
    assert.equal(updates[0].pods[0].spec?.containers[0].image, "nginx:2");
    // Another node, another path: other UIDs. The same inputs: the same UID.
    const again = new FileSource(dir, { nodeName: "node-1", watchFs: () => [] as never });
    assert.equal((await again.listOnce())[0].metadata?.uid, updates[0].pods[0].metadata?.uid);
    const other = new FileSource(dir, { nodeName: "node-2", watchFs: () => [] as never });
    assert.notEqual((await other.listOnce())[0].metadata?.uid, updates[0].pods[0].metadata?.uid);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource keeps a metadata.uid the manifest declares", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.yaml"), podYaml("a", "x:1", "  uid: my-own-uid\n"));
    const { src } = source(dir);
    assert.equal((await src.listOnce())[0].metadata?.uid, "my-own-uid");
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource rejects a file over 10 MiB", async () => {
  const dir = await tempDir();
  try {
    const padding = "#".repeat(10 * 1024 * 1024) + "\n";
    await Deno.writeTextFile(join(dir, "big.yaml"), padding + podYaml("big"));
    await Deno.writeTextFile(join(dir, "ok.yaml"), podYaml("ok"));
    const { src, warnings } = source(dir);
    assert.deepEqual(names(await src.listOnce()), ["ok-node-1"]);
    assert.match(warnings()[0], /larger than 10485760 bytes/);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.handleEvent() follows create, modify and delete of one file", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "web.yaml");
    const { src, clock } = source(dir);
    assert.deepEqual(await src.listOnce(), []);
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    assert.deepEqual(images(await src.handleEvent(file)), ["nginx:1"]);
    assert.equal(await src.handleEvent(file), undefined, "same content, no change");
    await Deno.writeTextFile(file, podYaml("web", "nginx:2"));
    assert.deepEqual(images(await src.handleEvent(file)), ["nginx:2"]);
    await Deno.remove(file);
    assert.equal(await src.handleEvent(file), undefined, "kept during the grace period");
    assert.deepEqual(src.pendingRemovals(), [file]);
    assert.equal(await src.removeExpired(), undefined, "grace not over");
    clock.step(1_000);
    assert.deepEqual(await src.removeExpired(), []);
    assert.deepEqual(src.pendingRemovals(), []);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource never drops or duplicates a pod on atomic renames and editor temp files", async (t) => {
  await t.step("write to a temp file and rename it over the manifest", async () => {
    const dir = await tempDir();
    try {
      const file = join(dir, "web.yaml");
      await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
      const { src, warnings } = source(dir);
      const [before] = await src.listOnce();
      const tmp = join(dir, "web.yaml.tmp.1234");
      await Deno.writeTextFile(tmp, podYaml("web", "nginx:2"));
      assert.equal(await src.handleEvent(tmp), undefined);
      await Deno.rename(tmp, file);
      // A rename event names both paths.
      assert.equal(await src.handleEvent(tmp), undefined);
      const [after] = (await src.handleEvent(file))!;
      assert.equal(after.spec?.containers[0].image, "nginx:2");
      assert.equal(after.metadata?.uid, before.metadata?.uid);
      assert.deepEqual(src.pendingRemovals(), []);
      assert.equal(warnings().length, 1, "the temp file is named once");
    } finally {
      await removeTree(dir);
    }
  });
  await t.step("an editor moves the old file away, then writes the new one", async () => {
    const dir = await tempDir();
    try {
      const file = join(dir, "web.yaml");
      await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
      const { src, clock } = source(dir);
      await src.listOnce();
      await Deno.writeTextFile(join(dir, ".web.yaml.swp"), "binary swap");
      assert.equal(await src.handleEvent(join(dir, ".web.yaml.swp")), undefined);
      await Deno.rename(file, file + "~");
      assert.equal(await src.handleEvent(file), undefined, "the move-away is not a removal yet");
      await Deno.writeTextFile(file, "");
      assert.equal(
        await src.handleEvent(file),
        undefined,
        "an empty new file is a write in progress",
      );
      await Deno.writeTextFile(file, podYaml("web", "nginx:2"));
      assert.deepEqual(images(await src.handleEvent(file)), ["nginx:2"]);
      await Deno.remove(file + "~");
      await src.handleEvent(file + "~");
      clock.step(5_000);
      assert.equal(await src.removeExpired(), undefined, "nothing removed");
      assert.deepEqual(images(src.snapshot()), ["nginx:2"]);
    } finally {
      await removeTree(dir);
    }
  });
  await t.step("an empty file still empty at the relist is reported", async () => {
    const dir = await tempDir();
    try {
      await Deno.writeTextFile(join(dir, "new.yaml"), "");
      const { src, warnings } = source(dir);
      assert.equal(await src.handleEvent(join(dir, "new.yaml")), undefined);
      assert.deepEqual(warnings(), []);
      assert.deepEqual(await src.listOnce(), []);
      assert.match(warnings()[0], /the file is empty/);
    } finally {
      await removeTree(dir);
    }
  });
});

Deno.test("FileSource follows a '..data' symlink swap (atomic writer pattern)", async () => {
  const dir = await tempDir();
  try {
    await Deno.mkdir(join(dir, "..2026_01"));
    await Deno.writeTextFile(join(dir, "..2026_01", "web.yaml"), podYaml("web", "nginx:1"));
    await Deno.symlink("..2026_01", join(dir, "..data"));
    await Deno.symlink(join("..data", "web.yaml"), join(dir, "web.yaml"));
    const { src } = source(dir);
    const [before] = await src.listOnce();
    assert.equal(before.spec?.containers[0].image, "nginx:1");
    await Deno.mkdir(join(dir, "..2026_02"));
    await Deno.writeTextFile(join(dir, "..2026_02", "web.yaml"), podYaml("web", "nginx:2"));
    await Deno.symlink("..2026_02", join(dir, "..data_tmp"));
    await Deno.rename(join(dir, "..data_tmp"), join(dir, "..data"));
    const [after] = (await src.handleEvent(join(dir, "..data")))!;
    assert.equal(after.spec?.containers[0].image, "nginx:2");
    assert.equal(after.metadata?.uid, before.metadata?.uid);
    await Deno.remove(join(dir, "..2026_01"), { recursive: true });
    assert.equal(await src.handleEvent(join(dir, "..2026_01")), undefined);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource reads a single manifest file path", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "only.manifest");
    await Deno.writeTextFile(file, podYaml("only"));
    await Deno.writeTextFile(join(dir, "other.yaml"), podYaml("other"));
    const { src } = source(file);
    assert.deepEqual(names(await src.listOnce()), ["only-node-1"]);
    assert.equal(await src.handleEvent(join(dir, "other.yaml")), undefined);
    await Deno.writeTextFile(file, podYaml("only", "x:2"));
    assert.deepEqual(images(await src.handleEvent(file)), ["x:2"]);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.listOnce() re-reads only files whose signature changed, unless they were fresh", async (t) => {
  const dir = await tempDir();
  try {
    const file = join(dir, "web.yaml");
    const old = new Date(Date.now() - 3_600_000);
    // Rewrites the file with the same size and mtime; true if its ctime (whole
    // seconds in Deno) stayed the same, so the signature cannot tell the change.
    const sneakyRewrite = async (image: string) => {
      const before = (await Deno.stat(file)).ctime?.getTime();
      await Deno.writeTextFile(file, podYaml("web", image));
      await Deno.utime(file, old, old);
      return (await Deno.stat(file)).ctime?.getTime() === before;
    };
    await t.step(
      "a stable file with an unchanged signature is not re-read by a relist",
      async () => {
        for (let attempt = 0; attempt < 5; attempt++) {
          await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
          await Deno.utime(file, old, old);
          const { src } = source(dir, { clock: new FakeClock(Date.now() + 10_000) });
          assert.deepEqual(images(await src.listOnce()), ["nginx:1"]);
          if (!await sneakyRewrite("nginx:2")) continue; // crossed a second; try again
          assert.deepEqual(images(await src.listOnce()), ["nginx:1"], "served from the cache");
          assert.deepEqual(images(await src.handleEvent(file)), ["nginx:2"], "events always read");
          return;
        }
        assert.fail("could not rewrite within one ctime second");
      },
    );
    await t.step("a file read while fresh is read again", async () => {
      await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
      const { src } = source(dir, { clock: new FakeClock(Date.now()) });
      assert.deepEqual(images(await src.listOnce()), ["nginx:1"]);
      await sneakyRewrite("nginx:2");
      assert.deepEqual(images(await src.listOnce()), ["nginx:2"]);
    });
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.listOnce() loads 1,000 manifests", async () => {
  const dir = await tempDir();
  try {
    for (let i = 0; i < 1000; i++) {
      await Deno.writeTextFile(
        join(dir, `pod-${String(i).padStart(4, "0")}.yaml`),
        podYaml(`p${i}`),
      );
    }
    const { src, warnings } = source(dir);
    const pods = await src.listOnce();
    assert.equal(pods.length, 1000);
    assert.equal(new Set(pods.map((p) => p.metadata?.uid)).size, 1000);
    assert.deepEqual(warnings(), []);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.run() sends the first state, then event and relist changes", async () => {
  const dir = await tempDir();
  try {
    const { src, clock, watch } = source(dir, { checkFrequencyMs: 20_000 });
    const sent: Pod[][] = [];
    const ac = new AbortController();
    const running = src.run((pods) => sent.push(pods), ac.signal);
    await waitFor(() => sent.length === 1 && watch.calls.length === 1, "first state");
    assert.deepEqual(sent[0], [], "an empty directory is a state");
    assert.deepEqual(watch.calls, [dir]);
    await Deno.writeTextFile(join(dir, "a.yaml"), podYaml("a"));
    watch.push("create", join(dir, "a.yaml"));
    await waitFor(() => sent.length === 2, "event update");
    assert.deepEqual(names(sent[1]), ["a-node-1"]);
    // A change the watcher missed is found by the relist.
    await Deno.writeTextFile(join(dir, "b.yaml"), podYaml("b"));
    await clock.advance(19_999);
    assert.equal(sent.length, 2);
    await clock.advance(1);
    await waitFor(() => sent.length === 3, "relist update");
    assert.deepEqual(names(sent[2]), ["a-node-1", "b-node-1"]);
    // Unchanged relists send nothing.
    await clock.advance(20_000);
    await flush();
    assert.equal(sent.length, 3);
    // A deletion is sent after the grace period.
    await Deno.remove(join(dir, "a.yaml"));
    watch.push("remove", join(dir, "a.yaml"));
    await waitFor(() => src.pendingRemovals().length === 1, "pending removal");
    await clock.advance(1_000);
    await waitFor(() => sent.length === 4, "removal");
    assert.deepEqual(names(sent[3]), ["b-node-1"]);
    ac.abort();
    await running;
    assert.equal(clock.pendingTimers, 0);
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.run() backs off failed watches from 1s doubling to 20s", async () => {
  const dir = await tempDir();
  try {
    const { src, clock, watch, logger } = source(dir, { checkFrequencyMs: 1_000_000 });
    watch.failNextWatches(7);
    const ac = new AbortController();
    const running = src.run(() => {}, ac.signal);
    const delays = () =>
      logger.records.filter((r) => r.message === "Unable to watch static pod path, retrying")
        .map((r) => r.fields.retryAfterMs);
    for (let i = 1; i <= 7; i++) {
      await waitFor(() => delays().length === i, `failure ${i}`);
      await clock.advance(Number(delays()[i - 1]));
    }
    await waitFor(() => watch.calls.length === 8, "the watch that works");
    assert.deepEqual(delays(), [1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
    ac.abort();
    await running;
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.run() waits for a missing directory and loads it when it appears", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, "manifests");
    const { src, clock, watch } = source(path);
    const sent: Pod[][] = [];
    const ac = new AbortController();
    const running = src.run((pods) => sent.push(pods), ac.signal);
    await waitFor(() => sent.length === 1, "first state");
    assert.deepEqual(sent[0], []);
    await Deno.mkdir(path);
    await Deno.writeTextFile(join(path, "a.yaml"), podYaml("a"));
    await clock.advance(1_000);
    await waitFor(() => sent.length === 2 && watch.calls.length === 1, "the directory's pods");
    assert.deepEqual(names(sent[1]), ["a-node-1"]);
    ac.abort();
    await running;
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.run() watches again when a symlinked manifest path is re-pointed", async () => {
  const dir = await tempDir();
  try {
    await Deno.mkdir(join(dir, "v1"));
    await Deno.mkdir(join(dir, "v2"));
    await Deno.writeTextFile(join(dir, "v1", "a.yaml"), podYaml("a"));
    await Deno.writeTextFile(join(dir, "v2", "b.yaml"), podYaml("b"));
    const link = join(dir, "manifests");
    await Deno.symlink("v1", link);
    const { src, clock, watch } = source(link, { checkFrequencyMs: 20_000 });
    const sent: Pod[][] = [];
    const ac = new AbortController();
    const running = src.run((pods) => sent.push(pods), ac.signal);
    await waitFor(() => sent.length === 1 && watch.calls.length === 1, "first state");
    assert.deepEqual(names(sent[0]), ["a-node-1"]);
    await Deno.symlink("v2", join(dir, "manifests.tmp"));
    await Deno.rename(join(dir, "manifests.tmp"), link);
    await clock.advance(20_000);
    await waitFor(() => sent.length === 2 && watch.calls.length === 2, "the new target");
    assert.deepEqual(names(sent[1]), ["b-node-1"]);
    ac.abort();
    await running;
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.run() with the real Deno.watchFs sees writes, atomic renames and deletes", async () => {
  const dir = await tempDir();
  try {
    const clock = new FakeClock();
    const src = new FileSource(dir, { nodeName: "n1", clock, checkFrequencyMs: 3_600_000 });
    const sent: Pod[][] = [];
    const ac = new AbortController();
    const running = src.run((pods) => sent.push(pods), ac.signal);
    await waitFor(() => sent.length === 1, "first state");
    const file = join(dir, "web.yaml");
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    await waitFor(() => images(sent.at(-1)).join() === "nginx:1", "the new file");
    const uid = sent.at(-1)![0].metadata?.uid;
    const tmp = join(dir, ".web.yaml.tmp");
    await Deno.writeTextFile(tmp, podYaml("web", "nginx:2"));
    await Deno.rename(tmp, file);
    await waitFor(() => images(sent.at(-1)).join() === "nginx:2", "the renamed file");
    assert.equal(sent.at(-1)![0].metadata?.uid, uid);
    assert.ok(sent.every((pods) => pods.length <= 1), "never two pods");
    await Deno.remove(file);
    await waitFor(() => src.pendingRemovals().length === 1, "the removal event");
    await clock.advance(1_000);
    await waitFor(() => sent.at(-1)!.length === 0, "the removal");
    const withPod = sent.slice(1, -1);
    assert.ok(withPod.every((pods) => pods.length === 1), "no gap before the removal");
    ac.abort();
    await running;
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource.run() with the real Deno.watchFs follows a '..data' symlink swap", async () => {
  const dir = await tempDir();
  try {
    await Deno.mkdir(join(dir, "..2026_01"));
    await Deno.writeTextFile(join(dir, "..2026_01", "web.yaml"), podYaml("web", "nginx:1"));
    await Deno.symlink("..2026_01", join(dir, "..data"));
    await Deno.symlink(join("..data", "web.yaml"), join(dir, "web.yaml"));
    const clock = new FakeClock();
    const src = new FileSource(dir, { nodeName: "n1", clock, checkFrequencyMs: 3_600_000 });
    const sent: Pod[][] = [];
    const ac = new AbortController();
    const running = src.run((pods) => sent.push(pods), ac.signal);
    await waitFor(() => images(sent.at(-1)).join() === "nginx:1", "first state");
    await Deno.mkdir(join(dir, "..2026_02"));
    await Deno.writeTextFile(join(dir, "..2026_02", "web.yaml"), podYaml("web", "nginx:2"));
    await Deno.symlink("..2026_02", join(dir, "..data_tmp"));
    await Deno.rename(join(dir, "..data_tmp"), join(dir, "..data"));
    await Deno.remove(join(dir, "..2026_01"), { recursive: true });
    await waitFor(() => images(sent.at(-1)).join() === "nginx:2", "the swapped file");
    assert.ok(sent.every((pods) => pods.length === 1), "never a gap");
    ac.abort();
    await running;
  } finally {
    await removeTree(dir);
  }
});

Deno.test("FileSource constructor rejects bad options", () => {
  assert.throws(() => new FileSource("", { nodeName: "n" }), TypeError);
  assert.throws(() => new FileSource("/x", { nodeName: "" }), TypeError);
  assert.throws(() => new FileSource("/x", { nodeName: "n", checkFrequencyMs: 0 }), RangeError);
});
