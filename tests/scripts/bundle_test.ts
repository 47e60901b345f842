import assert from "node:assert/strict";
import { localModules } from "./_local_modules.ts";
import { BUNDLE_ENTRY, bundleKey, bundleSources, ensureBundle } from "../../scripts/bundle.ts";

/** A tiny repository: main.ts printing what src/value.ts exports, deno.json, deno.lock. */
async function fixtureRepo(value: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "denolet-bundle-repo-" });
  await Deno.mkdir(`${root}/src/deep`, { recursive: true });
  await Deno.writeTextFile(
    `${root}/main.ts`,
    `import { value } from "./src/deep/value.ts";\nconsole.log(value);\n`,
  );
  await Deno.writeTextFile(`${root}/src/deep/value.ts`, `export const value = "${value}";\n`);
  await Deno.writeTextFile(`${root}/deno.json`, "{}\n");
  await Deno.writeTextFile(`${root}/deno.lock`, `{ "version": "5" }\n`);
  return root;
}

async function runBundle(entry: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

async function entries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("bundleSources() covers every local module main.ts loads (deno info), so the key follows every edit", async () => {
  const local = await localModules("main.ts");
  assert.ok(local.length > 100, `only ${local.length} local modules`);
  const hashed = new Set(bundleSources());
  assert.deepEqual(local.filter((f) => !hashed.has(f)), []);
  for (const f of ["deno.json", "deno.lock"]) assert.ok(hashed.has(f), f);
});

Deno.test("bundleKey() changes when a file under src/, main.ts, deno.json or deno.lock changes, and only then", async () => {
  const root = await fixtureRepo("one");
  try {
    const first = await bundleKey({ root });
    assert.match(first, /^[0-9a-f]{32}$/);
    assert.equal(await bundleKey({ root }), first, "same sources, same key");
    const seen = new Set([first]);
    const edits: [string, string][] = [
      ["src/deep/value.ts", `export const value = "two";\n`],
      ["src/deep/new_file.ts", "export {};\n"],
      ["main.ts", `import { value } from "./src/deep/value.ts";\nconsole.log(value, 1);\n`],
      ["deno.json", `{ "imports": {} }\n`],
      ["deno.lock", `{ "version": "5", "npm": {} }\n`],
    ];
    for (const [file, text] of edits) {
      await Deno.writeTextFile(`${root}/${file}`, text);
      const key = await bundleKey({ root });
      assert.ok(!seen.has(key), `editing ${file} kept an old key`);
      seen.add(key);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ensureBundle() builds main.js outside the repo, reuses it without bundling again, and rebuilds after an edit", async () => {
  const root = await fixtureRepo("one");
  const cacheDir = await Deno.makeTempDir({ prefix: "denolet-bundle-cache-" });
  try {
    const entry = await ensureBundle({ root, cacheDir });
    assert.equal(entry, `${cacheDir}/${await bundleKey({ root })}/${BUNDLE_ENTRY}`);
    assert.equal(await runBundle(entry), "one");
    // A deno that cannot run proves the second call bundles nothing.
    const again = await ensureBundle({ root, cacheDir, deno: "/nonexistent/deno" });
    assert.equal(again, entry);
    await Deno.writeTextFile(`${root}/src/deep/value.ts`, `export const value = "two";\n`);
    const rebuilt = await ensureBundle({ root, cacheDir });
    assert.notEqual(rebuilt, entry);
    assert.equal(await runBundle(rebuilt), "two", "the new bundle has the edit");
    assert.equal(await runBundle(entry), "one", "the old bundle is left as it was");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("ensureBundle() started four times at once ends with one complete bundle and no temp dir", async () => {
  const root = await fixtureRepo("raced");
  const cacheDir = await Deno.makeTempDir({ prefix: "denolet-bundle-cache-" });
  try {
    const got = await Promise.all([1, 2, 3, 4].map(() => ensureBundle({ root, cacheDir })));
    assert.equal(new Set(got).size, 1, got.join(" "));
    assert.deepEqual(await entries(cacheDir), [await bundleKey({ root })]);
    assert.equal(await runBundle(got[0]), "raced");
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("ensureBundle() throws with deno bundle's error when main.ts does not bundle, and leaves nothing in the cache", async () => {
  const root = await fixtureRepo("one");
  const cacheDir = await Deno.makeTempDir({ prefix: "denolet-bundle-cache-" });
  try {
    await Deno.writeTextFile(`${root}/main.ts`, `import "./src/missing.ts";\n`);
    await assert.rejects(ensureBundle({ root, cacheDir }), /deno bundle failed \(exit \d+\): .+/);
    assert.deepEqual(await entries(cacheDir), []);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("ensureBundle() removes a new bundle that does not run and throws, so the agent runs from source", async () => {
  const root = await fixtureRepo("one");
  const cacheDir = await Deno.makeTempDir({ prefix: "denolet-bundle-cache-" });
  try {
    await Deno.writeTextFile(`${root}/main.ts`, `throw new Error("boom at import");\n`);
    await assert.rejects(
      ensureBundle({ root, cacheDir }),
      /the new bundle does not run \(exit 1\): .*boom at import/,
    );
    assert.deepEqual(await entries(cacheDir), []);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});
