/**
 * Reading one static pod manifest file for {@linkcode FileSource}: stat, the
 * change signature that lets a relist skip unchanged files, the size cap, and
 * decoding into a pod.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { decodeSinglePod, decodeText, oneLine } from "./_manifest.ts";

/** Manifest extensions read from a directory. */
export const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;
/**
 * A relist re-reads a file only when its signature (device, inode, size, mtime,
 * ctime) changed, or when it had been modified less than this long before it was
 * last read (timestamps are coarse; a fresh file may change again unseen).
 */
const STABLE_AFTER_MS = 2_000;

/** What the source knows about one manifest file. */
export interface FileEntry {
  /** The last good pod from this file (kept while a bad edit is reported). */
  pod?: Pod;
  /** JSON of `pod`, to detect changes cheaply. */
  podJson?: string;
  /** What is wrong with the file's current content, if anything. */
  error?: string;
  /** Device, inode, size, mtime and ctime when the file was last read. */
  sig?: string;
  /** Whether the file was unchanged for a while when read, so `sig` can be trusted. */
  stable?: boolean;
}

/** File identity and times; equal signatures of a stable file mean equal content. */
interface Signature {
  sig?: string;
  stable?: boolean;
}

/** The result of looking at one manifest path. */
export type LoadOutcome =
  | { kind: "pod"; pod: Pod; unknownFields?: string[] } & Signature
  | { kind: "error"; reason: string } & Signature
  | { kind: "empty" } & Signature
  | { kind: "unchanged" }
  | { kind: "gone" }
  | { kind: "directory" }
  | { kind: "other" };

/** Options for {@linkcode loadManifestFile}. */
export interface LoadManifestFileOptions {
  /** The node name the pod is bound to. */
  nodeName: string;
  /** Largest file read, in bytes. */
  maxBytes: number;
  /** Tells how old the file's timestamps are. */
  clock: Clock;
  /**
   * What is known about the file from its last read; when given, a stable file
   * with the same signature is reported `unchanged` without reading it.
   * @default undefined
   */
  previous?: FileEntry;
}

/** Whether `err` means the path does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

/**
 * Reads `path`, known from `stat` to be `size` bytes, refusing more than `max`.
 * The size is checked before the read and again after it, so a file that grew in
 * between is refused too (it is read whole first: a narrow window, accepted for one
 * read call per file instead of five).
 *
 * @throws {RangeError} if the file is larger than `max`.
 */
async function readCapped(path: string, size: number, max: number): Promise<Uint8Array> {
  const tooLarge = () => new RangeError(`the file is larger than ${max} bytes`);
  if (size > max) throw tooLarge();
  const bytes = await Deno.readFile(path);
  if (bytes.length > max) throw tooLarge();
  return bytes;
}

/**
 * Stats and, unless it is unchanged, reads and decodes the manifest at `path`.
 * Failures are outcomes, not exceptions.
 *
 * Requires `--allow-read` for `path`.
 */
export async function loadManifestFile(
  path: string,
  options: LoadManifestFileOptions,
): Promise<LoadOutcome> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (isNotFound(err)) return { kind: "gone" };
    return { kind: "error", reason: `cannot stat: ${oneLine(errText(err))}` };
  }
  if (info.isDirectory) return { kind: "directory" };
  if (!info.isFile) return { kind: "other" };
  const mtime = info.mtime?.getTime();
  const ctime = info.ctime?.getTime();
  const sig = `${info.dev}:${info.ino}:${info.size}:${mtime}:${ctime}`;
  const entry = options.previous;
  if (entry?.stable && entry.sig === sig) return { kind: "unchanged" };
  const now = options.clock.now();
  const stable = mtime !== undefined && ctime !== undefined &&
    now - mtime > STABLE_AFTER_MS && now - ctime > STABLE_AFTER_MS;
  const outcome = await readManifest(path, info.size, options);
  return outcome.kind === "pod" || outcome.kind === "error" || outcome.kind === "empty"
    ? { ...outcome, sig, stable }
    : outcome;
}

async function readManifest(
  path: string,
  size: number,
  options: LoadManifestFileOptions,
): Promise<LoadOutcome> {
  let bytes: Uint8Array;
  try {
    bytes = await readCapped(path, size, options.maxBytes);
  } catch (err) {
    if (isNotFound(err)) return { kind: "gone" };
    return { kind: "error", reason: oneLine(errText(err)) };
  }
  if (bytes.length === 0) return { kind: "empty" };
  const text = decodeText(bytes);
  if (text === undefined) return { kind: "error", reason: "the file is not UTF-8 text" };
  let result: ReturnType<typeof decodeSinglePod>;
  try {
    result = decodeSinglePod(text, { source: "file", nodeName: options.nodeName, location: path });
  } catch (err) {
    // A defect, not bad input: only this file is rejected.
    return { kind: "error", reason: `internal error: ${oneLine(errText(err))}` };
  }
  if (!result.ok) return { kind: "error", reason: result.reason };
  return result.unknownFields
    ? { kind: "pod", pod: result.pods[0], unknownFields: result.unknownFields }
    : { kind: "pod", pod: result.pods[0] };
}

/**
 * Records `outcome` for `path` in `entries`. A file that turned bad keeps its last
 * good pod. Returns true when the path is not a regular file (the caller names it
 * once in the log).
 */
export function applyOutcome(
  entries: Map<string, FileEntry>,
  path: string,
  outcome: LoadOutcome,
): boolean {
  switch (outcome.kind) {
    case "unchanged":
      return false;
    case "pod": {
      const podJson = JSON.stringify(outcome.pod);
      const entry = entries.get(path);
      if (entry?.podJson === podJson) {
        entry.error = undefined;
        entry.sig = outcome.sig;
        entry.stable = outcome.stable;
        return false;
      }
      entries.set(path, {
        pod: outcome.pod,
        podJson,
        sig: outcome.sig,
        stable: outcome.stable,
      });
      return false;
    }
    case "error":
    case "empty": {
      const reason = outcome.kind === "empty" ? "the file is empty" : outcome.reason;
      const entry = entries.get(path) ?? {};
      entry.error = reason;
      entry.sig = outcome.sig;
      entry.stable = outcome.stable;
      entries.set(path, entry);
      return false;
    }
    case "gone":
      entries.delete(path);
      return false;
    case "directory":
    case "other":
      entries.delete(path);
      return true;
  }
}
