/**
 * FileSource.run(): the first state, watch events, the relist every period, the
 * watch back-off, a missing or re-pointed path, and the real Deno.watchFs.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { FileSource } from "../../src/config/file.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import {
  fakeWatch,
  fileSource,
  images,
  names,
  podYaml,
  startRun,
  waitFor,
  withTempDir,
} from "./_helpers.ts";

Deno.test("FileSource.run() sends the first state, then event and relist changes", async () => {
  await withTempDir(async (dir) => {
    const { src, clock, watch } = fileSource(dir, { checkFrequencyMs: 20_000 });
    const { sent, stop } = startRun(src);
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
    await stop();
    assert.equal(clock.pendingTimers, 0);
  });
});

Deno.test("FileSource.run() backs off failed watches from 1s doubling to 20s", async () => {
  await withTempDir(async (dir) => {
    const { src, clock, watch, logger } = fileSource(dir, { checkFrequencyMs: 1_000_000 });
    watch.failNextWatches(7);
    const { stop } = startRun(src);
    const delays = () =>
      logger.records.filter((r) => r.message === "Unable to watch static pod path, retrying")
        .map((r) => r.fields.retryAfterMs);
    for (let i = 1; i <= 7; i++) {
      await waitFor(() => delays().length === i, `failure ${i}`);
      await clock.advance(Number(delays()[i - 1]));
    }
    await waitFor(() => watch.calls.length === 8, "the watch that works");
    assert.deepEqual(delays(), [1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
    await stop();
  });
});

Deno.test("FileSource.run() waits for a missing directory and loads it when it appears", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "manifests");
    const { src, clock, watch } = fileSource(path);
    const { sent, stop } = startRun(src);
    await waitFor(() => sent.length === 1, "first state");
    assert.deepEqual(sent[0], []);
    await Deno.mkdir(path);
    await Deno.writeTextFile(join(path, "a.yaml"), podYaml("a"));
    await clock.advance(1_000);
    await waitFor(() => sent.length === 2 && watch.calls.length === 1, "the directory's pods");
    assert.deepEqual(names(sent[1]), ["a-node-1"]);
    await stop();
  });
});

Deno.test("FileSource.run() watches again when a symlinked manifest path is re-pointed", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "v1"));
    await Deno.mkdir(join(dir, "v2"));
    await Deno.writeTextFile(join(dir, "v1", "a.yaml"), podYaml("a"));
    await Deno.writeTextFile(join(dir, "v2", "b.yaml"), podYaml("b"));
    const link = join(dir, "manifests");
    await Deno.symlink("v1", link);
    const { src, clock, watch } = fileSource(link, { checkFrequencyMs: 20_000 });
    const { sent, stop } = startRun(src);
    await waitFor(() => sent.length === 1 && watch.calls.length === 1, "first state");
    assert.deepEqual(names(sent[0]), ["a-node-1"]);
    await Deno.symlink("v2", join(dir, "manifests.tmp"));
    await Deno.rename(join(dir, "manifests.tmp"), link);
    await clock.advance(20_000);
    await waitFor(() => sent.length === 2 && watch.calls.length === 2, "the new target");
    assert.deepEqual(names(sent[1]), ["b-node-1"]);
    await stop();
  });
});

Deno.test("FileSource.run() with the real Deno.watchFs sees writes, atomic renames and deletes", async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock();
    const src = new FileSource(dir, { nodeName: "n1", clock, checkFrequencyMs: 3_600_000 });
    const { sent, stop } = startRun(src);
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
    await stop();
  });
});

Deno.test("FileSource.run() with the real Deno.watchFs follows a '..data' symlink swap", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "..2026_01"));
    await Deno.writeTextFile(join(dir, "..2026_01", "web.yaml"), podYaml("web", "nginx:1"));
    await Deno.symlink("..2026_01", join(dir, "..data"));
    await Deno.symlink(join("..data", "web.yaml"), join(dir, "web.yaml"));
    const clock = new FakeClock();
    const src = new FileSource(dir, { nodeName: "n1", clock, checkFrequencyMs: 3_600_000 });
    const { sent, stop } = startRun(src);
    await waitFor(() => images(sent.at(-1)).join() === "nginx:1", "first state");
    await Deno.mkdir(join(dir, "..2026_02"));
    await Deno.writeTextFile(join(dir, "..2026_02", "web.yaml"), podYaml("web", "nginx:2"));
    await Deno.symlink("..2026_02", join(dir, "..data_tmp"));
    await Deno.rename(join(dir, "..data_tmp"), join(dir, "..data"));
    await Deno.remove(join(dir, "..2026_01"), { recursive: true });
    await waitFor(() => images(sent.at(-1)).join() === "nginx:2", "the swapped file");
    assert.ok(sent.every((pods) => pods.length === 1), "never a gap");
    await stop();
  });
});

Deno.test("FileSource.run() takes a burst of new files in a few sends and relists for events the watcher dropped", async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock(1_700_000_000_000);
    // Deno's watcher holds 16 unread events and drops the rest.
    const watch = fakeWatch(16);
    const src = new FileSource(dir, { nodeName: "Node-1", clock, watchFs: watch.watchFs });
    const { sent, stop } = startRun(src);
    await waitFor(() => sent.length === 1 && watch.calls.length === 1, "first state");
    const count = 200;
    const files = Array.from({ length: count }, (_, i) => join(dir, `p${i}.yaml`));
    await Promise.all(files.map((f, i) => Deno.writeTextFile(f, podYaml(`p${i}`))));
    // All at once: the watcher keeps the first 16 events only.
    for (const file of files) {
      watch.push("create", file);
      watch.push("modify", file);
    }
    await waitFor(() => sent.at(-1)?.length === count, "every pod, long before the next relist");
    assert.ok(sent.length - 1 < count / 4, `${sent.length - 1} sends for ${count} files`);
    assert.equal(clock.now(), 1_700_000_000_000, "no relist period passed");
    await stop();
  });
});
