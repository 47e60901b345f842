import assert from "node:assert/strict";
import { localModules, nodeImports } from "./_local_modules.ts";
import { bundleKey, bundleSources, REPO_ROOT } from "../../scripts/bundle.ts";
import { LAUNCHER_SCRIPTS, launcherDir, launcherKey } from "../../scripts/launcher_bundle.ts";

const START_SH = `${REPO_ROOT}/scripts/start.sh`;

/** `sh scripts/start.sh <args>` with the bundle cache `cache`. */
async function startSh(cache: string, args: string[]) {
  const out = await new Deno.Command("sh", {
    args: [START_SH, ...args],
    env: { DENO: Deno.execPath(), DENOLET_BUNDLE_CACHE: cache },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function current(cache: string): Promise<string> {
  return (await Deno.readTextFile(`${launcherDir(cache)}/current`)).trim();
}

Deno.test("the launcher key covers every local module scripts/run.ts loads (deno info), so a stale launcher bundle is always noticed", async () => {
  const local = await localModules("scripts/run.ts");
  assert.ok(local.includes("scripts/run.ts") && local.length > 10, local.join(" "));
  const hashed = new Set([...bundleSources(), ...LAUNCHER_SCRIPTS]);
  assert.deepEqual(local.filter((f) => !hashed.has(f)), []);
});

Deno.test("the modules scripts/run.ts loads import no node: module (deno info): the print step runs without Node compatibility", async () => {
  assert.deepEqual(await nodeImports("scripts/run.ts"), []);
});

Deno.test("launcherKey() follows the agent's key and each launcher script", async () => {
  const agentKey = await bundleKey();
  const key = await launcherKey(agentKey);
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.equal(await launcherKey(agentKey), key, "same sources, same key");
  assert.notEqual(await launcherKey(`${agentKey}x`), key);
  const root = await Deno.makeTempDir({ prefix: "denolet-launcher-key-" });
  try {
    await Deno.mkdir(`${root}/scripts`);
    for (const f of LAUNCHER_SCRIPTS) await Deno.copyFile(`${REPO_ROOT}/${f}`, `${root}/${f}`);
    assert.equal(await launcherKey(agentKey, root), key, "the same files elsewhere");
    for (const f of LAUNCHER_SCRIPTS) {
      const text = await Deno.readTextFile(`${root}/${f}`);
      await Deno.writeTextFile(`${root}/${f}`, `${text}\n`);
      assert.notEqual(await launcherKey(agentKey, root), key, `an edit of ${f}`);
      await Deno.writeTextFile(`${root}/${f}`, text);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scripts/start.sh builds the launcher bundle at its first start, runs from it after, and a stale one makes it run run.ts from source, which points at a fresh one", async (t) => {
  const cache = await Deno.makeTempDir({ prefix: "denolet-launcher-cache-" });
  try {
    const key = await launcherKey(await bundleKey());
    await t.step("first start: built and named current", async () => {
      const out = await startSh(cache, ["--version"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^denolet v\d+\.\d+\.\d+/);
      assert.equal(await current(cache), key);
      const dir = `${launcherDir(cache)}/${key}`;
      assert.equal((await Deno.readTextFile(`${dir}/launcher.key`)).trim(), key);
      // No Node compatibility in the print step: it would cost ≈ 45 ms of each start.
      const code = await Deno.readTextFile(`${dir}/run.js`);
      // Any quoted "node:…" specifier: an import, a dynamic import or a (renamed) require.
      assert.doesNotMatch(code, /["'`]node:/);
    });
    await t.step("from the bundle: bad flags get the one line and exit 1", async () => {
      const out = await startSh(cache, ["--max-pods=zero"]);
      assert.equal(out.code, 1);
      assert.equal(
        out.stderr.trim(),
        'denolet: invalid value "zero" for flag --max-pods: not an integer',
      );
    });
    await t.step("a stale launcher exits 75 and start.sh falls back to the source", async () => {
      // A launcher bundle whose key is not the sources' key: what an edit leaves behind.
      const stale = `${launcherDir(cache)}/0123456789abcdef0123456789abcdef`;
      await Deno.mkdir(stale);
      await Deno.copyFile(`${launcherDir(cache)}/${key}/run.js`, `${stale}/run.js`);
      await Deno.writeTextFile(`${stale}/launcher.key`, "0123456789abcdef0123456789abcdef\n");
      await Deno.writeTextFile(
        `${launcherDir(cache)}/current`,
        "0123456789abcdef0123456789abcdef\n",
      );
      const direct = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${stale}/run.js`, "--print-command", "--version"],
        env: { DENOLET_REPO_ROOT: REPO_ROOT, DENOLET_BUNDLE_CACHE: cache },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(direct.code, 75, new TextDecoder().decode(direct.stderr));
      assert.equal(direct.stdout.length, 0, "prints nothing");
      const out = await startSh(cache, ["--version"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^denolet v\d+\.\d+\.\d+/);
      assert.equal(await current(cache), key, "current names the fresh bundle again");
    });
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
