/**
 * FileSource.handleEvent(): one watched path at a time, through creates, edits,
 * removals, atomic renames, editor temp files and the `..data` symlink swap.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileSource, images, names, podYaml, withTempDir } from "./_helpers.ts";

Deno.test("FileSource.handleEvent() follows create, modify and delete of one file", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "web.yaml");
    const { src, clock } = fileSource(dir);
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
  });
});

Deno.test("FileSource.removeExpired() removes a deleted file's pods 50 ms after, not a second later", async () => {
  // The default grace used to be 1 s: every static pod removal came 1 s after
  // the kubelet's (pod file removed → containers stopped 3.05 s, not 2.05 s).
  await withTempDir(async (dir) => {
    const file = join(dir, "web.yaml");
    const { src, clock } = fileSource(dir);
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    assert.deepEqual(images(await src.listOnce()), ["nginx:1"]);
    await Deno.remove(file);
    assert.equal(await src.handleEvent(file), undefined, "kept for the grace period");
    clock.step(49);
    assert.equal(await src.removeExpired(), undefined, "grace not over");
    clock.step(1);
    assert.deepEqual(await src.removeExpired(), []);
  });
});

Deno.test("FileSource never drops or duplicates a pod on atomic renames and editor temp files", async (t) => {
  await t.step("write to a temp file and rename it over the manifest", async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, "web.yaml");
      await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
      const { src, warnings } = fileSource(dir);
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
    });
  });
  await t.step("an editor moves the old file away, then writes the new one", async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, "web.yaml");
      await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
      const { src, clock } = fileSource(dir);
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
    });
  });
  await t.step("an empty file still empty at the relist is reported", async () => {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "new.yaml"), "");
      const { src, warnings } = fileSource(dir);
      assert.equal(await src.handleEvent(join(dir, "new.yaml")), undefined);
      assert.deepEqual(warnings(), []);
      assert.deepEqual(await src.listOnce(), []);
      assert.match(warnings()[0], /the file is empty/);
    });
  });
});

Deno.test("FileSource follows a '..data' symlink swap (atomic writer pattern)", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "..2026_01"));
    await Deno.writeTextFile(join(dir, "..2026_01", "web.yaml"), podYaml("web", "nginx:1"));
    await Deno.symlink("..2026_01", join(dir, "..data"));
    await Deno.symlink(join("..data", "web.yaml"), join(dir, "web.yaml"));
    const { src } = fileSource(dir);
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
  });
});

Deno.test("FileSource reads a single manifest file path", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "only.manifest");
    await Deno.writeTextFile(file, podYaml("only"));
    await Deno.writeTextFile(join(dir, "other.yaml"), podYaml("other"));
    const { src } = fileSource(file);
    assert.deepEqual(names(await src.listOnce()), ["only-node-1"]);
    assert.equal(await src.handleEvent(join(dir, "other.yaml")), undefined);
    await Deno.writeTextFile(file, podYaml("only", "x:2"));
    assert.deepEqual(images(await src.handleEvent(file)), ["x:2"]);
  });
});
