/**
 * The launcher's own bundle: `deno bundle` of scripts/run.ts, which
 * scripts/start.sh runs for its print step instead of loading run.ts and its
 * ~50 modules from source (measured: the import alone ≈ 0.14 s of the print
 * step's ≈ 0.2 s; the bundle loads in a few ms).
 *
 * It lives in the bundle cache (scripts/bundle.ts) under
 * `<cache>/launcher/<key>/run.js`, with `<cache>/launcher/current` naming
 * the newest `<key>` (what start.sh reads). The key is a hash of the agent
 * bundle's key (main.ts, src/, deno.json, deno.lock, the Deno version) and of
 * the launcher's own scripts ({@linkcode LAUNCHER_SCRIPTS}), and the bundle
 * keeps it in `launcher.key` beside run.js. Run from the bundle, the print
 * step first computes the key of the sources now; when it differs from its
 * own, it exits with {@linkcode LAUNCHER_STALE_EXIT} without printing, and
 * start.sh runs run.ts from source, which builds the new launcher bundle. So,
 * as with the agent's bundle, a stale launcher never decides anything.
 *
 * From the bundle, `import.meta.url` is inside the cache: start.sh passes the
 * repository in `$DENOLET_REPO_ROOT` ({@linkcode REPO_ROOT_ENV}).
 *
 * @module
 */

import { writeTextFileAtomically } from "../src/util/write_atomically.ts";
import { isFile, removeOldDirs, REPO_ROOT, runBundler, shortDigest } from "./bundle.ts";

/** The exit code of a print step run from a stale launcher bundle (EX_TEMPFAIL). */
export const LAUNCHER_STALE_EXIT = 75;

/** The files of scripts/ the launcher bundle is built from, relative to the repository root. */
export const LAUNCHER_SCRIPTS: readonly string[] = [
  "scripts/run.ts",
  "scripts/bundle.ts",
  "scripts/bundle_key_memo.ts",
  "scripts/launcher_bundle.ts",
];

/** The file beside the bundle's run.js that holds its key. */
const KEY_FILE = "launcher.key";

/** The launcher bundles' dir inside the bundle cache. */
export function launcherDir(cacheDir: string): string {
  return `${cacheDir}/launcher`;
}

/**
 * The launcher bundle's key for the sources now: SHA-256 (first 32 hex
 * digits) of `agentKey` (scripts/bundle.ts `bundleKey`) and the name and
 * content of each of {@linkcode LAUNCHER_SCRIPTS}.
 *
 * Requires `--allow-read` on `root`.
 */
export async function launcherKey(agentKey: string, root: string = REPO_ROOT): Promise<string> {
  const parts: (string | Uint8Array)[] = [`${agentKey}\0`];
  for (const f of LAUNCHER_SCRIPTS) {
    const content = await Deno.readFile(`${root}/${f}`);
    parts.push(`${f}\0${content.length}\0`, content);
  }
  return await shortDigest(parts);
}

/**
 * The key of the launcher bundle this code runs from, or undefined when it
 * runs from source (there is no key file beside scripts/run.ts).
 *
 * `moduleUrl` is the caller's `import.meta.url` (run.js's, once bundled).
 */
export async function ownLauncherKey(moduleUrl: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(new URL(KEY_FILE, moduleUrl))).trim();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Options of {@linkcode ensureLauncherBundle}. */
export interface LauncherBundleOptions {
  /** The key from {@linkcode launcherKey}. */
  key: string;
  /** The bundle cache (scripts/bundle.ts `defaultBundleCacheDir`). */
  cacheDir: string;
  /** The repository root. @default REPO_ROOT */
  root?: string;
  /** The deno executable that bundles. @default Deno.execPath() */
  deno?: string;
}

/**
 * Makes `<cache>/launcher/<key>/run.js` exist (built with `deno bundle` into
 * a temp dir and renamed into place, so a dir exists only complete) and
 * points `<cache>/launcher/current` at it (written beside and renamed, so a
 * reader sees the old or the new name, never half of one).
 *
 * Requires `--allow-read` on `root` and the cache, `--allow-write` on the
 * cache and `--allow-run` for `deno`.
 *
 * @throws {Error} when `deno bundle` fails (its stderr in the message).
 */
export async function ensureLauncherBundle(options: LauncherBundleOptions): Promise<void> {
  const root = options.root ?? REPO_ROOT;
  const dir = launcherDir(options.cacheDir);
  const target = `${dir}/${options.key}`;
  await Deno.mkdir(dir, { recursive: true });
  if (!(await isFile(`${target}/run.js`))) {
    const temp = await Deno.makeTempDir({ dir, prefix: `.tmp-${options.key}-` });
    try {
      await runBundler(
        [
          options.deno ?? Deno.execPath(),
          "bundle",
          "--quiet",
          `--config=${root}/deno.json`,
          // The browser platform resolves the yaml package to its ES module
          // build; for Deno it takes the CommonJS one, whose require() of
          // node:process and node:buffer loads Node compatibility: ≈ 45 ms of
          // a ≈ 150 ms print step (measured). The print step imports no
          // node: module (tests/scripts/launcher_bundle_test.ts checks it).
          "--platform",
          "browser",
          "--minify",
          "--output",
          `${temp}/run.js`,
          `${root}/scripts/run.ts`,
        ],
        root,
        `${temp}/run.js`,
        "deno bundle of scripts/run.ts",
      );
      await Deno.writeTextFile(`${temp}/${KEY_FILE}`, `${options.key}\n`);
      await Deno.rename(temp, target).catch(async (e) => {
        // Another start renamed its (identical) bundle first: use that one.
        if (!(await isFile(`${target}/run.js`))) throw e;
      });
    } finally {
      await Deno.remove(temp, { recursive: true }).catch(() => {});
    }
  }
  await writeTextFileAtomically(`${dir}/current`, `${options.key}\n`);
  // Older launcher bundles and dead builds' temp dirs: a print step runs for a
  // fraction of a second, so none still runs from one untouched for an hour.
  await removeOldDirs(dir, (name) => name !== options.key);
}
