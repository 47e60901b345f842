/**
 * The agent as one bundle: `deno bundle` of main.ts (esbuild; every module of
 * src/ and the npm packages in a few files), which the agent runs instead of
 * main.ts (scripts/run.ts `buildRunCommand`). Loading it costs less memory and
 * less start time than loading the ~500 modules from source (measured in
 * bench/memory_bench.ts).
 *
 * The bundle lives OUTSIDE the repository, in
 * `<cache>/<key>/main.js` with `<cache>` = `$DENOLET_BUNDLE_CACHE`, else
 * `$XDG_CACHE_HOME/denolet/bundle`, else `$HOME/.cache/denolet/bundle`
 * ({@linkcode defaultBundleCacheDir}). The
 * key is a hash of every file the agent loads from source (main.ts and src/,
 * by content), deno.json, deno.lock, the Deno version and the bundle flags:
 * any edit gives a new key, so a stale bundle is never run. A bundle is built
 * into a temp dir beside it and renamed into place when complete, so starts
 * racing each other each either build their own copy and the first rename
 * wins, or find the finished one; a bundle dir exists only complete.
 *
 * Run alone it builds (or finds) the bundle and prints the path of main.js:
 *
 * ```sh
 * deno run --allow-read --allow-write="$HOME/.cache/denolet" --allow-run="$(command -v deno)" \
 *   --allow-env=DENOLET_BUNDLE_CACHE,XDG_CACHE_HOME,HOME scripts/bundle.ts
 * ```
 *
 * @module
 */

import { DEFAULT_ENV_VARS } from "../src/options/mod.ts";

/**
 * The `deno bundle` flags, chosen by measurement (embedded runtime, 0 pods,
 * RSS after 8 s with a warm code cache, medians of 3): main.ts from source
 * 84.5 MiB (anon 38.0), a plain bundle 77.5 (36.3), minified 70.9 (30.0),
 * minified with `--code-splitting` 69.1 (27.7): what main.ts imports
 * dynamically (the CLI, the API server client, the TLS certificate code)
 * stays in chunks loaded only when used. A chunk's dynamic import needs no
 * extra permission (its specifier is a literal), and a bundle dir is never
 * removed, so a running agent always finds its chunks. No `--keep-names`:
 * with it Deno 2.9.6's bundle fails at start ("Dynamic require of
 * node:process"); nothing in src/ reads function or class names (error
 * classes set `name` themselves), and the one library that does
 * (@peculiar/asn1-schema, `constructor.name === "Sequence"`) makes and parses
 * the self-signed serving certificate the same minified (checked).
 */
export const BUNDLE_FLAGS: readonly string[] = [
  "--platform",
  "deno",
  "--minify",
  "--code-splitting",
];

/** The file the agent runs, inside a bundle dir. */
export const BUNDLE_ENTRY = "main.js";

/** The environment variable naming the bundle cache dir. */
export const BUNDLE_CACHE_ENV = "DENOLET_BUNDLE_CACHE";

/**
 * The environment variable naming the repository root, set by
 * scripts/start.sh for the launcher bundle (scripts/launcher_bundle.ts),
 * which runs from the cache, not from scripts/.
 */
export const REPO_ROOT_ENV = "DENOLET_REPO_ROOT";

/**
 * The repository root: where main.ts, src/, deno.json and deno.lock are;
 * `$DENOLET_REPO_ROOT` when it is set and may be read, else the parent of
 * this file's dir (not node:url's `fileURLToPath`: loading it costs the print
 * step ≈ 12 ms).
 */
export const REPO_ROOT: string = (
  Deno.permissions.querySync({ name: "env", variable: REPO_ROOT_ENV }).state === "granted"
    ? Deno.env.get(REPO_ROOT_ENV)
    : undefined
) || decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");

/** Options of {@linkcode bundleKey} and {@linkcode ensureBundle}. */
export interface BundleOptions {
  /** The repository root. @default REPO_ROOT */
  root?: string;
  /** The deno executable that bundles. @default Deno.execPath() */
  deno?: string;
  /** Where bundles are kept. @default defaultBundleCacheDir() */
  cacheDir?: string;
  /** The key of `root` when the caller computed it already. @default bundleKey({ root }) */
  key?: string;
}

/**
 * `$DENOLET_BUNDLE_CACHE`, else `$XDG_CACHE_HOME/denolet/bundle`, else
 * `$HOME/.cache/denolet/bundle`, else `/var/cache/denolet/bundle` (as
 * scripts/start.sh computes it).
 *
 * Requires `--allow-env` for those names (only the first is read when set).
 */
export function defaultBundleCacheDir(): string {
  const explicit = Deno.env.get(BUNDLE_CACHE_ENV);
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/denolet/bundle`;
  const home = Deno.env.get("HOME");
  if (home) return `${home}/.cache/denolet/bundle`;
  return "/var/cache/denolet/bundle";
}

/**
 * The files whose content decides the bundle, relative to `root`, sorted:
 * main.ts, every file under src/, deno.json and deno.lock (when present).
 *
 * Requires `--allow-read` on `root`.
 */
export function bundleSources(root: string = REPO_ROOT): string[] {
  const out: string[] = ["main.ts", "deno.json", "deno.lock"];
  // Sync: one pass over ~30 dirs in a short-lived step, with no event-loop
  // round trip per directory.
  const walk = (dir: string): void => {
    for (const e of Deno.readDirSync(`${root}/${dir}`)) {
      if (e.isDirectory) walk(`${dir}/${e.name}`);
      else if (e.isFile) out.push(`${dir}/${e.name}`);
    }
  };
  walk("src");
  return out.sort();
}

/**
 * The cache key of the bundle for `root` now: SHA-256 (first 32 hex digits)
 * of the Deno version, {@linkcode BUNDLE_FLAGS} and the name and content of
 * every file of {@linkcode bundleSources} (a missing deno.lock counts as
 * empty).
 *
 * Requires `--allow-read` on `root`.
 */
export async function bundleKey(options: BundleOptions = {}): Promise<string> {
  const root = options.root ?? REPO_ROOT;
  const files = bundleSources(root);
  const contents = await Promise.all(
    files.map((f) =>
      Deno.readFile(`${root}/${f}`).catch((e) => {
        if (e instanceof Deno.errors.NotFound) return new Uint8Array();
        throw e;
      })
    ),
  );
  const parts: (string | Uint8Array)[] = [`deno ${Deno.version.deno}\0${BUNDLE_FLAGS.join(" ")}\0`];
  files.forEach((f, i) => parts.push(`${f}\0${contents[i].length}\0`, contents[i]));
  return await shortDigest(parts);
}

/**
 * The first 32 hex digits of the SHA-256 of `parts` one after another (UTF-8
 * for strings). Web Crypto, not node:crypto: loading Node's crypto module
 * costs the short-lived print step more than the hashing.
 */
export async function shortDigest(parts: readonly (string | Uint8Array)[]): Promise<string> {
  const encoder = new TextEncoder();
  const bytes = parts.map((p) => typeof p === "string" ? encoder.encode(p) : p);
  const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    all.set(b, at);
    at += b.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `deno bundle` command line (program first) that writes the bundle of `root` into `outdir`. */
export function buildBundleCommand(deno: string, root: string, outdir: string): string[] {
  return [
    deno,
    "bundle",
    "--quiet",
    `--config=${root}/deno.json`,
    ...BUNDLE_FLAGS,
    "--outdir",
    outdir,
    `${root}/main.ts`,
  ];
}

/** A temp dir left by a build that died (or an old launcher bundle) is removed after this long, ms. */
const STALE_TEMP_MS = 3_600_000;

/**
 * The path of main.js of the bundle for the current sources: the cached one
 * when its key matches, else a new one built with `deno bundle` into
 * `<cache>/.tmp-<key>-<random>`, renamed to `<cache>/<key>` (if another
 * start got there first, its bundle is used and the temp dir removed) and run
 * once with `--version` to fill V8's code cache.
 *
 * Requires `--allow-read` on `root` and the cache dir, `--allow-write` on the
 * cache dir and `--allow-run` for `deno`.
 *
 * @throws {Error} when `deno bundle` fails (its stderr in the message) or the
 * new bundle does not run.
 */
export async function ensureBundle(options: BundleOptions = {}): Promise<string> {
  const root = options.root ?? REPO_ROOT;
  const cache = options.cacheDir ?? defaultBundleCacheDir();
  const key = options.key ?? await bundleKey({ root });
  const dir = `${cache}/${key}`;
  const entry = `${dir}/${BUNDLE_ENTRY}`;
  if (await isFile(entry)) return entry;

  await Deno.mkdir(cache, { recursive: true });
  await removeOldDirs(cache, (name) => name.startsWith(".tmp-"));
  const temp = await Deno.makeTempDir({ dir: cache, prefix: `.tmp-${key}-` });
  try {
    await runBundler(
      buildBundleCommand(options.deno ?? Deno.execPath(), root, temp),
      root,
      `${temp}/${BUNDLE_ENTRY}`,
      "deno bundle",
    );
    try {
      await Deno.rename(temp, dir);
    } catch (e) {
      // Another start renamed its (identical) bundle first: use that one.
      if (!(await isFile(entry))) throw e;
      return entry;
    }
    await warmUp(options.deno ?? Deno.execPath(), entry, dir);
    return entry;
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs the new bundle once with `--version` at its final path: V8's code cache
 * is keyed by that path, and the first run of a bundle that has none costs
 * ≈ 40 MiB more RSS for as long as that agent runs (measured: 113 MiB cold,
 * 70 MiB once cached). A bundle that cannot even print its version is
 * removed, and this throws.
 */
async function warmUp(deno: string, entry: string, dir: string): Promise<void> {
  const out = await new Deno.Command(deno, {
    args: ["run", "--no-prompt", `--allow-env=${DEFAULT_ENV_VARS.join(",")}`, entry, "--version"],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.success) return;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(0, 2).join(" | ");
  throw new Error(`the new bundle does not run (exit ${out.code}): ${text}`);
}

/**
 * Runs a `deno bundle` command line (program first) in `root`; throws, with
 * the last lines of its stderr, unless it succeeds and writes `output`.
 * `what` names it in the message.
 */
export async function runBundler(
  command: readonly string[],
  root: string,
  output: string,
  what: string,
): Promise<void> {
  const out = await new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success || !(await isFile(output))) {
    const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    throw new Error(`${what} failed (exit ${out.code}): ${text}`);
  }
}

/** Whether `path` is a file (false when it does not exist). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Removes the dirs of `dir` whose name `pick` accepts and that are untouched
 * for an hour (what a build that died leaves, or what no start runs any more).
 */
export async function removeOldDirs(dir: string, pick: (name: string) => boolean): Promise<void> {
  const now = Date.now();
  for await (const e of Deno.readDir(dir)) {
    if (!e.isDirectory || !pick(e.name)) continue;
    const path = `${dir}/${e.name}`;
    const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime?.getTime();
    if (mtime !== undefined && now - mtime > STALE_TEMP_MS) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  }
}

if (import.meta.main) {
  try {
    console.log(await ensureBundle());
  } catch (e) {
    console.error(`denolet: cannot bundle the agent: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
