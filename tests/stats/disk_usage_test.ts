import assert from "node:assert/strict";
import { CachedDiskUsage, type DiskUsage, diskUsage } from "../../src/stats/disk_usage.ts";

Deno.test("diskUsage() adds up blocks and inodes of a tree, a hard link once, symlinks not followed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-du-" });
  try {
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeFile(`${dir}/sub/a`, new Uint8Array(10_000).fill(1));
    await Deno.writeFile(`${dir}/b`, new Uint8Array(1));
    await Deno.link(`${dir}/sub/a`, `${dir}/a-link`);
    await Deno.symlink("/", `${dir}/to-root`);
    const usage = await diskUsage(dir);
    const sizes = await Promise.all(
      [dir, `${dir}/sub`, `${dir}/sub/a`, `${dir}/b`, `${dir}/to-root`].map(async (p) => {
        const i = await Deno.lstat(p);
        return i.blocks! * 512;
      }),
    );
    // dir, sub, a (once), b, the symlink itself.
    assert.deepEqual(usage, { bytes: sizes.reduce((x, y) => x + y, 0), inodes: 5 });
    assert.ok(usage!.bytes >= 10_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("diskUsage() of a missing path is undefined; of a file, the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-du-" });
  try {
    assert.equal(await diskUsage(`${dir}/nope`), undefined);
    await Deno.writeTextFile(`${dir}/f`, "x");
    const usage = await diskUsage(`${dir}/f`);
    assert.equal(usage?.inodes, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CachedDiskUsage.get() measures a path again only after the period, and not after a failure", async () => {
  const measured: string[] = [];
  let fail = false;
  const cache = new CachedDiskUsage({
    periodMs: 60_000,
    measure: (p): Promise<DiskUsage | undefined> => {
      measured.push(p);
      return fail ? Promise.reject(new Error("EACCES")) : Promise.resolve({ bytes: 1, inodes: 1 });
    },
  });
  await cache.get("/v", 0);
  await cache.get("/v", 59_999);
  assert.deepEqual(measured, ["/v"]);
  await cache.get("/v", 60_000);
  assert.equal(measured.length, 2);
  fail = true;
  await assert.rejects(cache.get("/w", 60_000), /EACCES/);
  fail = false;
  assert.deepEqual(await cache.get("/w", 60_001), { bytes: 1, inodes: 1 });
  assert.deepEqual(measured, ["/v", "/v", "/w", "/w"]);
});
