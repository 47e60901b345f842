import assert from "node:assert/strict";
import { bundleKey, bundleSources, shortDigest } from "../../scripts/bundle.ts";
import { memoizedBundleKey, RACY_MS } from "../../scripts/bundle_key_memo.ts";

/**
 * A tiny repository whose files were last modified a minute ago (their ctime
 * is now: callers that want a memo written pass `now` RACY_MS ahead).
 */
async function oldRepo(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "denolet-key-memo-repo-" });
  await Deno.mkdir(`${root}/src/deep`, { recursive: true });
  await Deno.writeTextFile(`${root}/main.ts`, `import "./src/deep/value.ts";\n`);
  await Deno.writeTextFile(`${root}/src/deep/value.ts`, `export const value = "a";\n`);
  await Deno.writeTextFile(`${root}/deno.json`, "{}\n");
  const past = new Date(Date.now() - 60_000);
  for (const f of bundleSources(root)) {
    await Deno.utime(`${root}/${f}`, past, past).catch(() => {}); // deno.lock is missing
  }
  return root;
}

async function memoPath(cacheDir: string, root: string): Promise<string> {
  return `${cacheDir}/source-stats/${await shortDigest([root])}`;
}

Deno.test("memoizedBundleKey() is bundleKey(), taken from the memo while no source's stats change", async () => {
  const root = await oldRepo();
  const cacheDir = await Deno.makeTempDir({ prefix: "denolet-key-memo-cache-" });
  try {
    const key = await bundleKey({ root });
    const later = () => Date.now() + RACY_MS;
    assert.equal(await memoizedBundleKey({ root, cacheDir, now: later }), key);
    const path = await memoPath(cacheDir, root);
    const memo = JSON.parse(await Deno.readTextFile(path));
    assert.equal(memo.key, key);

    // Proof that the second call reads the memo instead of hashing: a planted key comes back.
    await Deno.writeTextFile(path, JSON.stringify({ ...memo, key: "planted" }));
    assert.equal(await memoizedBundleKey({ root, cacheDir }), "planted");

    // An edit of the same size changes the mtime: the contents are hashed again.
    await Deno.writeTextFile(`${root}/src/deep/value.ts`, `export const value = "b";\n`);
    const edited = await bundleKey({ root });
    assert.notEqual(edited, key);
    assert.equal(
      await memoizedBundleKey({ root, cacheDir, now: later }),
      edited,
    );

    // So does a new file.
    await Deno.writeTextFile(`${root}/src/new.ts`, "export {};\n");
    const added = await bundleKey({ root });
    assert.equal(
      await memoizedBundleKey({ root, cacheDir, now: later }),
      added,
    );
    assert.equal(JSON.parse(await Deno.readTextFile(path)).key, added);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("memoizedBundleKey() writes no memo while a source changed within RACY_MS, and works without a writable cache", async () => {
  const root = await oldRepo();
  const cacheDir = await Deno.makeTempDir({ prefix: "denolet-key-memo-cache-" });
  try {
    await Deno.writeTextFile(`${root}/src/deep/value.ts`, `export const value = "c";\n`);
    const key = await bundleKey({ root });
    const changedAt = (await Deno.stat(`${root}/src/deep/value.ts`)).mtime!.getTime();
    assert.equal(await memoizedBundleKey({ root, cacheDir, now: () => changedAt + 500 }), key);
    await assert.rejects(Deno.stat(await memoPath(cacheDir, root)), Deno.errors.NotFound);

    // A cache path that is a file: nothing can be remembered, the key is still right.
    const file = `${cacheDir}/not-a-dir`;
    await Deno.writeTextFile(file, "");
    assert.equal(
      await memoizedBundleKey({ root, cacheDir: file, now: () => changedAt + RACY_MS }),
      key,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});
