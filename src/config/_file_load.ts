/**
 * Reading one static pod manifest file for {@linkcode FileSource}: stat, the
 * change signature that lets a relist skip unchanged files, the size cap, decoding
 * into pods and local objects, and what the source then serves from the file.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { decodeManifestFile, type ManifestContent, type ManifestItem } from "./_file_documents.ts";
import { decodeText, oneLine } from "./_manifest.ts";

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
  /**
   * What the file serves: the good pods and objects of its current content, then
   * those of its last good version that it no longer defines while some of its
   * documents are bad (any of them may be the one being edited).
   */
  items: ManifestItem[];
  /** Why the file's current content cannot be read at all, if so (all `items` are old). */
  error?: string;
  /** The bad documents of the current content, one line each. */
  rejected: string[];
  /** The items (at the end of `items`) kept from an earlier version. */
  kept: number;
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
  | { kind: "content"; content: ManifestContent } & Signature
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
  return outcome.kind === "content" || outcome.kind === "error" || outcome.kind === "empty"
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
  let result: ReturnType<typeof decodeManifestFile>;
  try {
    result = decodeManifestFile(text, {
      source: "file",
      nodeName: options.nodeName,
      location: path,
    });
  } catch (err) {
    // A defect, not bad input: only this file is rejected.
    return { kind: "error", reason: `internal error: ${oneLine(errText(err))}` };
  }
  if (!result.ok) return { kind: "error", reason: result.reason };
  const { items, rejected, unknownFields } = result;
  return { kind: "content", content: { items, rejected, unknownFields } };
}

/**
 * Records `outcome` for `path` in `entries`. A file that turned bad keeps its last
 * good items; a file with some bad documents serves its good ones and keeps the items
 * of its last good version that it no longer defines. An unchanged item keeps its
 * object, so identity tells what changed. Returns true when the path is not a
 * regular file (the caller names it once in the log).
 */
export function applyOutcome(
  entries: Map<string, FileEntry>,
  path: string,
  outcome: LoadOutcome,
): boolean {
  switch (outcome.kind) {
    case "unchanged":
      return false;
    case "content": {
      const old = entries.get(path)?.items ?? [];
      const previous = new Map(old.map((item) => [item.key, item]));
      const items = outcome.content.items.map((item) => {
        const before = previous.get(item.key);
        return before?.fingerprint === item.fingerprint ? before : item;
      });
      const rejected = outcome.content.rejected;
      let kept = 0;
      if (rejected.length > 0) {
        const defined = new Set(items.map((item) => item.key));
        for (const item of old) {
          if (defined.has(item.key)) continue;
          items.push(item);
          kept++;
        }
      }
      entries.set(path, { items, rejected, kept, sig: outcome.sig, stable: outcome.stable });
      return false;
    }
    case "error":
    case "empty": {
      const reason = outcome.kind === "empty" ? "the file is empty" : outcome.reason;
      const items = entries.get(path)?.items ?? [];
      entries.set(path, {
        items,
        error: reason,
        rejected: [],
        kept: items.length,
        sig: outcome.sig,
        stable: outcome.stable,
      });
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
