/**
 * The agent bundle's key without reading every source file: start.sh's print
 * step needs the key at every start, and {@linkcode bundleKey} reads and
 * hashes ~500 files for it (≈30 ms of reads, hashing and garbage collection
 * in a step that should take a few tens of ms).
 *
 * What is remembered, in `<cache>/source-stats/<hash of the root>`: a hash
 * of every source file's name, size, mtime, ctime and inode (the files of
 * {@linkcode bundleSources}, plus the Deno version and the bundle flags),
 * and the content key computed for exactly those stats. When the stats are
 * the same at the next start, the remembered key is used; any edit, rename,
 * `touch`, checkout or added file changes a stat, and the key is computed
 * from the contents again. As git does with its index, a memo is not written
 * while any source was changed in the last {@linkcode RACY_MS}: mtimes have
 * millisecond resolution here, so an edit within the same millisecond as the
 * stat could otherwise keep its old stats.
 *
 * A memo that cannot be read or written only costs the hashing.
 *
 * @module
 */

import { writeTextFileAtomically } from "../src/util/write_atomically.ts";
import { BUNDLE_FLAGS, bundleKey, bundleSources, REPO_ROOT, shortDigest } from "./bundle.ts";

/** A source changed this recently (ms) leaves no memo behind. */
export const RACY_MS = 2_000;

/** Options of {@linkcode memoizedBundleKey}. */
export interface BundleKeyMemoOptions {
  /** The repository root. @default REPO_ROOT */
  root?: string;
  /** The bundle cache dir; the memo lives under it. */
  cacheDir: string;
  /** The wall clock, ms since the epoch. @default Date.now */
  now?: () => number;
}

/**
 * {@linkcode bundleKey} of `root`, taken from the memo when no source's stats
 * changed since it was written, else computed and remembered.
 *
 * Requires `--allow-read` on `root` and the cache dir; `--allow-write` on the
 * cache dir to remember (without it the key is computed each time).
 */
export async function memoizedBundleKey(options: BundleKeyMemoOptions): Promise<string> {
  const root = options.root ?? REPO_ROOT;
  const files = bundleSources(root);
  const stats = sourceStats(root, files);
  const fingerprint = await shortDigest([
    `deno ${Deno.version.deno}\0${BUNDLE_FLAGS.join(" ")}\0${root}\0`,
    stats.lines,
  ]);
  const memoPath = `${options.cacheDir}/source-stats/${await shortDigest([root])}`;
  const remembered = readMemo(memoPath);
  if (remembered?.fingerprint === fingerprint) return remembered.key;
  const key = await bundleKey({ root });
  const now = (options.now ?? Date.now)();
  if (now - stats.newestChangeMs >= RACY_MS) await writeMemo(memoPath, { fingerprint, key });
  return key;
}

interface Memo {
  fingerprint: string;
  key: string;
}

/** One line per file (name, size, mtime, ctime, inode; `-` when missing) and the newest change. */
function sourceStats(root: string, files: readonly string[]) {
  let newestChangeMs = 0;
  const lines = files.map((f) => {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(`${root}/${f}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return `${f}\0-\n`;
      throw e;
    }
    const mtime = info.mtime?.getTime() ?? 0;
    const ctime = info.ctime?.getTime() ?? 0;
    newestChangeMs = Math.max(newestChangeMs, mtime, ctime);
    return `${f}\0${info.size}\0${mtime}\0${ctime}\0${info.ino ?? 0}\n`;
  }).join("");
  return { lines, newestChangeMs };
}

function readMemo(path: string): Memo | undefined {
  try {
    const memo = JSON.parse(Deno.readTextFileSync(path));
    return typeof memo?.fingerprint === "string" && typeof memo?.key === "string"
      ? memo
      : undefined;
  } catch {
    return undefined; // none yet, unreadable or torn: the key is computed
  }
}

/** Written beside and renamed, so a concurrent start reads the old memo or the new one. */
async function writeMemo(path: string, memo: Memo): Promise<void> {
  try {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await writeTextFileAtomically(path, JSON.stringify(memo));
  } catch {
    // read-only cache: the next start hashes again
  }
}
