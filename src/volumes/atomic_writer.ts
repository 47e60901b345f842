/**
 * The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): projects a
 * set of files into a volume directory so that a reader never sees a
 * half-written set.
 *
 * The real files live in a hidden timestamped directory
 * (`..2024_05_01_12_00_00.123456789`); `..data` is a symlink to it, and every
 * user-visible top-level name is a symlink into `..data`:
 *
 * ```
 * <dir>/app.conf -> ..data/app.conf
 * <dir>/nested   -> ..data/nested
 * <dir>/..data   -> ..2024_05_01_12_00_00.123456789
 * ```
 *
 * An update writes a new timestamped directory, points a `..data_tmp` symlink
 * at it and renames that over `..data` (rename is atomic), then adds new
 * visible names, removes stale ones and the old directory. A write that
 * changes nothing (same files, bytes and modes) touches nothing. A crash
 * between two steps leaves the old set whole; the next write cleans up what
 * it left.
 *
 * Beyond the kubelet: `..data` is trusted only when it names a directory
 * directly inside the volume, visible names that are not our symlinks are
 * replaced, and every directory a file goes into is checked with realpath to
 * be inside the new timestamped directory, so nothing is ever written (or
 * removed) outside the volume even if its content was tampered with.
 *
 * Not safe for concurrent writes to one directory: callers serialize (the
 * pod worker of a pod does). Under the agent's scoped grants the symlinks
 * are made by `ln` (see _symlink.ts): `--allow-run=ln`.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { symlink, symlinksInto } from "./_symlink.ts";

/** One file of a payload: its bytes and permission bits. */
export interface FileProjection {
  data: Uint8Array;
  /** Permission bits, 0 to 0o777. */
  mode: number;
}

/** Relative path → file, what a volume shows. */
export type Payload = Map<string, FileProjection>;

const MAX_PATH_LENGTH = 4096;
const MAX_FILE_NAME_LENGTH = 255;
const DATA_DIR = "..data";
const NEW_DATA_DIR = "..data_tmp";
const TIMESTAMPED_DIR = /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.[^/]+$/;

function shown(path: string): string {
  return JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}...` : path);
}

/**
 * The cleaned form of a payload path (`a//b/./c` → `a/b/c`). Throws a
 * TypeError naming the path when it is empty, absolute, longer than 4096
 * characters, has a `..` element or one longer than 255, or starts with `..`
 * (the names the writer keeps for itself).
 */
export function validatePayloadPath(path: string): string {
  const fail = (why: string) => {
    throw new TypeError(`Invalid volume file path ${shown(path)}: ${why}`);
  };
  if (path === "") fail("must not be empty");
  if (path.startsWith("/")) fail("must be a relative path");
  if (path.length > MAX_PATH_LENGTH) fail(`must be at most ${MAX_PATH_LENGTH} characters`);
  const items = path.split("/");
  if (items.includes("..")) fail("must not contain '..'");
  if (items.some((i) => i.length > MAX_FILE_NAME_LENGTH)) {
    fail(`each name must be at most ${MAX_FILE_NAME_LENGTH} characters`);
  }
  const clean = items.filter((i) => i !== "" && i !== ".");
  if (clean.length === 0) fail("must name a file");
  if (clean[0].startsWith("..")) fail("must not start with '..'");
  return clean.join("/");
}

/**
 * The payload with cleaned paths. Throws a TypeError naming the path for an
 * invalid one (see {@linkcode validatePayloadPath}), for two paths that
 * clean to the same, and for a path that is both a file and a directory.
 */
export function validatePayload(payload: Payload): Payload {
  const clean: Payload = new Map();
  for (const [path, file] of payload) {
    const p = validatePayloadPath(path);
    if (clean.has(p)) throw new TypeError(`Invalid volume file path ${shown(path)}: a duplicate`);
    if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o777) {
      throw new TypeError(
        `Invalid mode ${file.mode} of volume file ${shown(p)}: must be 0 to 0777`,
      );
    }
    clean.set(p, file);
  }
  for (const p of clean.keys()) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (clean.has(dir)) {
        throw new TypeError(
          `Invalid volume file path ${shown(dir)}: it is a file and the directory of ${shown(p)}`,
        );
      }
    }
  }
  return clean;
}

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Every file under `dir`, relative, without following symlinks. */
async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(`${dir}/${e.name}`, rel));
    else out.push(rel);
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function topName(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? path : path.slice(0, slash);
}

function timestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_` +
    `${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}`;
}

/** Options of {@linkcode AtomicWriter}. */
export interface AtomicWriterOptions {
  /** Names the timestamped directories. @default the system clock */
  clock?: Pick<Clock, "now">;
}

/** Writes payloads into one volume directory, atomically (see the module doc). */
export class AtomicWriter {
  readonly #targetDir: string;
  readonly #clock: Pick<Clock, "now">;

  /** `targetDir` must exist when {@linkcode AtomicWriter.write} is called. */
  constructor(targetDir: string, options: AtomicWriterOptions = {}) {
    this.#targetDir = targetDir.replace(/\/+$/, "");
    this.#clock = options.clock ?? { now: () => Date.now() };
  }

  /**
   * Makes the directory show exactly `payload`. Resolves to whether anything
   * was written (false when the current set already matches). Throws a
   * TypeError for an invalid payload before touching the disk, and an Error
   * when `..data` was tampered with to point outside the volume.
   *
   * Requires `--allow-read` and `--allow-write` for the directory, and
   * `--allow-run=ln` unless both are unscoped (Deno's rule for symlinks).
   */
  async write(payload: Payload): Promise<boolean> {
    const clean = validatePayload(payload);
    const root = await Deno.realPath(this.#targetDir);
    const oldTs = await this.#currentDataDir(root);
    let changed = true;
    if (oldTs !== undefined) {
      const oldFiles = await listFiles(`${root}/${oldTs}`);
      changed = oldFiles.some((f) => !clean.has(f)) || !(await matches(root, oldTs, clean));
    }
    if (changed) await this.#publish(root, clean);
    const names = new Set([...clean.keys()].map(topName));
    await this.#linkVisibleNames(root, names);
    await this.#prune(root, names);
    return changed;
  }

  /** The timestamped directory `..data` names, if it is a real one inside the volume. */
  async #currentDataDir(root: string): Promise<string | undefined> {
    const link = await lstatOrUndefined(`${root}/${DATA_DIR}`);
    if (!link) return undefined;
    if (!link.isSymlink) {
      throw new Error(`Cannot write volume ${root}: ${DATA_DIR} is not a symlink`);
    }
    const target = await Deno.readLink(`${root}/${DATA_DIR}`);
    if (!TIMESTAMPED_DIR.test(target)) {
      throw new Error(
        `Cannot write volume ${root}: ${DATA_DIR} points outside the volume (${shown(target)})`,
      );
    }
    const info = await lstatOrUndefined(`${root}/${target}`);
    if (!info) return undefined; // dangling: write anew
    if (!info.isDirectory) {
      throw new Error(`Cannot write volume ${root}: ${DATA_DIR} does not name a directory`);
    }
    return target;
  }

  /** Writes a new timestamped directory and swaps `..data` to it. */
  async #publish(root: string, payload: Payload): Promise<void> {
    const tsDir = await Deno.makeTempDir({
      dir: root,
      prefix: `..${timestamp(this.#clock.now())}.`,
    });
    const tsName = tsDir.slice(tsDir.lastIndexOf("/") + 1);
    try {
      await Deno.chmod(tsDir, 0o755);
      const realTs = await Deno.realPath(tsDir);
      for (const [path, file] of payload) {
        const full = `${realTs}/${path}`;
        const parent = full.slice(0, full.lastIndexOf("/"));
        await Deno.mkdir(parent, { recursive: true, mode: 0o755 });
        const realParent = await Deno.realPath(parent);
        if (realParent !== realTs && !realParent.startsWith(`${realTs}/`)) {
          throw new Error(`Cannot write volume ${root}: ${shown(path)} leaves the volume`);
        }
        await Deno.writeFile(full, file.data, { mode: file.mode, createNew: true });
        await Deno.chmod(full, file.mode);
      }
      const tmpLink = `${root}/${NEW_DATA_DIR}`;
      if (await lstatOrUndefined(tmpLink)) await Deno.remove(tmpLink);
      await symlink(tsName, tmpLink);
      await Deno.rename(tmpLink, `${root}/${DATA_DIR}`);
    } catch (e) {
      await Deno.remove(`${root}/${NEW_DATA_DIR}`).catch(() => {});
      await Deno.remove(tsDir, { recursive: true }).catch(() => {});
      throw e;
    }
  }

  /** Each top-level name → `..data/<name>`; anything else in its place is replaced. */
  async #linkVisibleNames(root: string, names: Set<string>): Promise<void> {
    const missing: string[] = [];
    for (const name of names) {
      const path = `${root}/${name}`;
      const want = `${DATA_DIR}/${name}`;
      const info = await lstatOrUndefined(path);
      if (info?.isSymlink && (await Deno.readLink(path)) === want) continue;
      if (info) await removeEntry(path);
      missing.push(want);
    }
    await symlinksInto(root, missing);
  }

  /**
   * Removes visible names not in `names` and every timestamped directory but
   * the one `..data` names (the old set, and what a crash left).
   */
  async #prune(root: string, names: Set<string>): Promise<void> {
    const current = await Deno.readLink(`${root}/${DATA_DIR}`);
    for await (const e of Deno.readDir(root)) {
      if (names.has(e.name) || e.name === DATA_DIR || e.name === current) continue;
      if (e.name === NEW_DATA_DIR || TIMESTAMPED_DIR.test(e.name) || !e.name.startsWith("..")) {
        await removeEntry(`${root}/${e.name}`);
      }
    }
  }
}

/** Whether every payload file is in `root/tsName` with the same bytes and mode. */
async function matches(root: string, tsName: string, payload: Payload): Promise<boolean> {
  for (const [path, file] of payload) {
    const full = `${root}/${tsName}/${path}`;
    const info = await lstatOrUndefined(full);
    if (!info?.isFile || (info.mode ?? 0) % 0o1000 !== file.mode) return false;
    if (!sameBytes(await Deno.readFile(full), file.data)) return false;
  }
  return true;
}

/** Removes a symlink or file, or a directory with its content; never follows a symlink. */
async function removeEntry(path: string): Promise<void> {
  const info = await lstatOrUndefined(path);
  if (!info) return;
  await Deno.remove(path, { recursive: info.isDirectory });
}
