import assert from "node:assert/strict";
import {
  AtomicWriter,
  type Payload,
  validatePayload,
  validatePayloadPath,
} from "../../src/volumes/atomic_writer.ts";
import { FakeClock } from "../../src/util/clock.ts";

const enc = new TextEncoder();

function payload(files: Record<string, string | [string, number]>): Payload {
  return new Map(
    Object.entries(files).map(([path, v]) => {
      const [text, mode] = typeof v === "string" ? [v, 0o644] : v;
      return [path, { data: enc.encode(text), mode }];
    }),
  );
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("AtomicWriter.write() lays out a timestamped dir, ..data and visible symlinks", async () => {
  await withDir(async (dir) => {
    const clock = new FakeClock(Date.UTC(2024, 4, 1, 12, 3, 4));
    const written = await new AtomicWriter(dir, { clock }).write(payload({
      "app.conf": ["x=1", 0o600],
      "nested/deep/file": "deep",
    }));
    assert.equal(written, true);
    const data = await Deno.readLink(`${dir}/..data`);
    assert.match(data, /^\.\.2024_05_01_12_03_04\./);
    assert.deepEqual(await names(dir), ["..data", data, "app.conf", "nested"].sort());
    assert.equal(await Deno.readLink(`${dir}/app.conf`), "..data/app.conf");
    assert.equal(await Deno.readLink(`${dir}/nested`), "..data/nested");
    assert.equal(await Deno.readTextFile(`${dir}/app.conf`), "x=1");
    assert.equal(await Deno.readTextFile(`${dir}/nested/deep/file`), "deep");
    assert.equal((await Deno.stat(`${dir}/app.conf`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/nested/deep/file`)).mode! & 0o777, 0o644);
    assert.equal((await Deno.stat(`${dir}/${data}`)).mode! & 0o777, 0o755);
  });
});

Deno.test("AtomicWriter.write() of a new payload swaps ..data and removes the old dir and stale names", async () => {
  await withDir(async (dir) => {
    const w = new AtomicWriter(dir, { clock: new FakeClock() });
    await w.write(payload({ a: "1", b: "2", "sub/x": "3", "keep/y": "4", "keep/z": "5" }));
    const old = await Deno.readLink(`${dir}/..data`);
    await Deno.writeTextFile(`${dir}/junk`, "left by someone");
    assert.equal(await w.write(payload({ a: "one", "keep/y": "4" })), true);
    const now = await Deno.readLink(`${dir}/..data`);
    assert.notEqual(now, old);
    assert.deepEqual(await names(dir), ["..data", now, "a", "keep"].sort());
    assert.equal(await Deno.readTextFile(`${dir}/a`), "one");
    assert.deepEqual(await names(`${dir}/keep`), ["y"]);
  });
});

Deno.test("AtomicWriter.write() of an unchanged payload writes nothing", async () => {
  await withDir(async (dir) => {
    const w = new AtomicWriter(dir);
    const p = payload({ a: "1", "d/b": ["2", 0o400] });
    await w.write(p);
    const link = await Deno.lstat(`${dir}/..data`);
    const file = await Deno.stat(`${dir}/a`);
    const ts = await Deno.readLink(`${dir}/..data`);
    assert.equal(await w.write(payload({ a: "1", "d/b": ["2", 0o400] })), false);
    const link2 = await Deno.lstat(`${dir}/..data`);
    const file2 = await Deno.stat(`${dir}/a`);
    assert.equal(await Deno.readLink(`${dir}/..data`), ts);
    assert.equal(link2.ino, link.ino);
    assert.equal(link2.mtime?.getTime(), link.mtime?.getTime());
    assert.equal(file2.ino, file.ino);
    assert.equal(file2.mtime?.getTime(), file.mtime?.getTime());
  });
});

Deno.test("AtomicWriter.write() rewrites when only a mode changed, and restores a removed visible link", async () => {
  await withDir(async (dir) => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ a: "1" }));
    await Deno.remove(`${dir}/a`);
    assert.equal(await w.write(payload({ a: "1" })), false);
    assert.equal(await Deno.readTextFile(`${dir}/a`), "1");
    assert.equal(await w.write(payload({ a: ["1", 0o600] })), true);
    assert.equal((await Deno.stat(`${dir}/a`)).mode! & 0o777, 0o600);
  });
});

Deno.test("validatePayloadPath() refuses paths that could leave the volume, naming them", async (t) => {
  const cases: [string, RegExp][] = [
    ["", /must not be empty/],
    ["/etc/passwd", /"\/etc\/passwd": must be a relative path/],
    ["../x", /"\.\.\/x": must not contain '\.\.'/],
    ["a/../../b", /must not contain '\.\.'/],
    ["..data", /"\.\.data": must not start with '\.\.'/],
    ["..2024_01_01_00_00_00.1/x", /must not start with '\.\.'/],
    [".", /must name a file/],
    ["a".repeat(4097), /must be at most 4096 characters/],
    [`d/${"n".repeat(256)}`, /each name must be at most 255 characters/],
  ];
  for (const [path, want] of cases) {
    await t.step(JSON.stringify(path.slice(0, 20)), () => {
      assert.throws(() => validatePayloadPath(path), (e) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, /^Invalid volume file path /);
        assert.match(e.message, want);
        return true;
      });
    });
  }
  await t.step("cleans harmless forms", () => {
    assert.equal(validatePayloadPath("a//b/./c"), "a/b/c");
    assert.equal(validatePayloadPath("./a"), "a");
    assert.equal(validatePayloadPath("a..b/..c"), "a..b/..c");
    assert.equal(validatePayloadPath(`${"n".repeat(255)}`), "n".repeat(255));
  });
  await t.step("a path that is both a file and a directory", () => {
    assert.throws(() => validatePayload(payload({ a: "1", "a/b": "2" })), /"a": it is a file/);
  });
});

Deno.test("AtomicWriter.write() refuses an invalid payload before writing anything", async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      new AtomicWriter(dir).write(payload({ ok: "1", "../escape": "2" })),
      /Invalid volume file path "\.\.\/escape"/,
    );
    assert.deepEqual(await names(dir), []);
  });
});

Deno.test("AtomicWriter.write() never follows a tampered symlink out of the volume", async (t) => {
  await withDir(async (base) => {
    const outside = `${base}/outside`;
    await Deno.mkdir(outside);
    await Deno.writeTextFile(`${outside}/precious`, "keep me");
    const dir = `${base}/vol`;
    await t.step("..data pointing outside is refused", async () => {
      await Deno.mkdir(dir);
      await Deno.symlink("../outside", `${dir}/..data`);
      await assert.rejects(
        new AtomicWriter(dir).write(payload({ precious: "overwritten" })),
        /\.\.data points outside the volume \("\.\.\/outside"\)/,
      );
      await Deno.remove(`${dir}/..data`);
      await Deno.symlink(outside, `${dir}/..data`);
      await assert.rejects(new AtomicWriter(dir).write(payload({})), /points outside/);
      assert.deepEqual(await names(outside), ["precious"]);
      assert.equal(await Deno.readTextFile(`${outside}/precious`), "keep me");
      await Deno.remove(dir, { recursive: true });
    });
    await t.step("a visible name linked outside is replaced, not written through", async () => {
      await Deno.mkdir(dir);
      await Deno.symlink(outside, `${dir}/conf`);
      await new AtomicWriter(dir).write(payload({ "conf/precious": "new" }));
      assert.equal(await Deno.readLink(`${dir}/conf`), "..data/conf");
      assert.equal(await Deno.readTextFile(`${dir}/conf/precious`), "new");
      assert.equal(await Deno.readTextFile(`${outside}/precious`), "keep me");
      // A stale visible link to outside is removed as a link: its target stays.
      await Deno.remove(`${dir}/conf`);
      await Deno.symlink(outside, `${dir}/stale`);
      await new AtomicWriter(dir).write(payload({ other: "1" }));
      assert.deepEqual(await names(outside), ["precious"]);
      assert.equal((await names(dir)).includes("stale"), false);
    });
  });
});

Deno.test("AtomicWriter.write() leaves the old set whole after a crash mid-write, and the next write cleans up", async () => {
  await withDir(async (dir) => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ a: "old-a", b: "old-b" }));
    const old = await Deno.readLink(`${dir}/..data`);
    // A crash after writing half a new timestamped dir and its ..data_tmp link.
    const partial = `..2030_01_01_00_00_00.crashed`;
    await Deno.mkdir(`${dir}/${partial}`);
    await Deno.writeTextFile(`${dir}/${partial}/a`, "new-a");
    await Deno.symlink(partial, `${dir}/..data_tmp`);
    assert.equal(await Deno.readLink(`${dir}/..data`), old);
    assert.equal(await Deno.readTextFile(`${dir}/a`), "old-a");
    assert.equal(await Deno.readTextFile(`${dir}/b`), "old-b");

    assert.equal(await w.write(payload({ a: "new-a", b: "new-b" })), true);
    const now = await Deno.readLink(`${dir}/..data`);
    assert.deepEqual(await names(dir), ["..data", now, "a", "b"].sort());
    assert.equal(await Deno.readTextFile(`${dir}/b`), "new-b");
  });
});

// Made here: the scoped tests below cannot make it themselves.
const SCOPED_DIR = Deno.makeTempDirSync({ prefix: "denolet-scoped-writer-" });

Deno.test({
  name: "AtomicWriter.write() under scoped grants makes its links with ln",
  permissions: { read: [SCOPED_DIR], write: [SCOPED_DIR], run: ["ln"] },
  async fn() {
    const w = new AtomicWriter(SCOPED_DIR);
    await w.write(payload({ a: "1", "-dash": "2" }));
    assert.equal(await Deno.readLink(`${SCOPED_DIR}/a`), "..data/a");
    assert.equal(await Deno.readTextFile(`${SCOPED_DIR}/-dash`), "2");
    const first = await Deno.readLink(`${SCOPED_DIR}/..data`);
    await w.write(payload({ a: "one", b: "3" }));
    assert.notEqual(await Deno.readLink(`${SCOPED_DIR}/..data`), first);
    assert.equal(await Deno.readTextFile(`${SCOPED_DIR}/a`), "one");
    assert.equal(await Deno.readTextFile(`${SCOPED_DIR}/b`), "3");
    assert.deepEqual(
      await names(SCOPED_DIR),
      [
        "..data",
        await Deno.readLink(`${SCOPED_DIR}/..data`),
        "a",
        "b",
      ].sort(),
    );
  },
});

Deno.test({
  name: "AtomicWriter.write() without --allow-run=ln under scoped grants says what to grant",
  permissions: { read: [SCOPED_DIR], write: [SCOPED_DIR] },
  async fn() {
    try {
      await assert.rejects(
        new AtomicWriter(SCOPED_DIR).write(payload({ a: "changed" })),
        /runs `ln` and needs --allow-run=ln/,
      );
      // The failed write left the published set as it was.
      assert.equal(await Deno.readTextFile(`${SCOPED_DIR}/a`), "one");
    } finally {
      await Deno.remove(SCOPED_DIR, { recursive: true });
    }
  },
});
