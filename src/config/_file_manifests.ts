/**
 * What {@linkcode FileSource} knows about the manifests at its path: one entry per
 * file, the vanished files still in their grace period, and the pod set and the
 * local object set they make (the first file in lexical order wins a pod name or an
 * object's kind/namespace/name). The relist and the handling of one watched path
 * live here; the source serializes them and runs the loop.
 *
 * @module
 */

import { basename, join } from "node:path";
import type { Pod } from "../api/types.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import type { Logger } from "../util/logger.ts";
import {
  applyOutcome,
  type FileEntry,
  isNotFound,
  loadManifestFile,
  type LoadOutcome,
  MANIFEST_EXTENSION,
} from "./_file_load.ts";
import { describeItem, prefixed } from "./_file_documents.ts";
import { FileSourceReporter } from "./_file_reporter.ts";
import type { LocalObject } from "./_local_object.ts";
import { oneLine } from "./_manifest.ts";

/** Kept items named one by one in a warning; the rest are counted. */
const SHOWN_KEPT = 5;

/** Read this many files at once during a relist. */
const READ_CONCURRENCY = 16;

/** Options for {@linkcode ManifestFiles}. */
export interface ManifestFilesOptions {
  nodeName: string;
  clock: Clock;
  logger: Logger;
  /** Largest manifest file read, in bytes. */
  maxBytes: number;
  /** How long a vanished file's pod is kept in case the file comes back. */
  graceMs: number;
}

/** The manifests of one path and the pod and object sets they make. Not safe for concurrent calls. */
export class ManifestFiles {
  #path: string;
  #o: ManifestFilesOptions;
  #entries = new Map<string, FileEntry>();
  #reporter: FileSourceReporter;
  /** Vanished files: path → time after which the pod is removed. */
  #pendingRemovals = new Map<string, number>();
  #singleFile = false;
  #snapshot: Pod[] = [];
  #version = 0;
  #objects: LocalObject[] = [];
  #objectsVersion = 0;

  /** @param path the manifest path, without a trailing `/`. */
  constructor(path: string, options: ManifestFilesOptions) {
    this.#path = path;
    this.#o = options;
    this.#reporter = new FileSourceReporter(path, options.logger);
  }

  /** Whether the last relist found one file at the path. */
  get singleFile(): boolean {
    return this.#singleFile;
  }

  /** Changes each time the pod set changes. */
  get version(): number {
    return this.#version;
  }

  /** The pods served now (in file path order). Callers must not change them. */
  snapshot(): Pod[] {
    return [...this.#snapshot];
  }

  /** Changes each time the local object set changes. */
  get objectsVersion(): number {
    return this.#objectsVersion;
  }

  /** The ConfigMaps and Secrets served now (in file path order; deeply frozen). */
  objects(): LocalObject[] {
    return [...this.#objects];
  }

  /** Paths of vanished files whose pods are still kept. */
  pendingRemovals(): string[] {
    return [...this.#pendingRemovals.keys()];
  }

  /** When the earliest pending removal is due, if any. */
  nextRemovalAt(): number | undefined {
    return this.#pendingRemovals.size === 0
      ? undefined
      : Math.min(...this.#pendingRemovals.values());
  }

  /** Relists the whole path. A missing path or an empty directory holds no pods. */
  async list(): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(this.#path);
    } catch (err) {
      if (!isNotFound(err)) {
        // Not a statement about the manifests: keep what is served.
        this.#reporter.notePath(`cannot stat: ${oneLine(errText(err))}`);
        return;
      }
      this.#entries.clear();
      this.#pendingRemovals.clear();
      this.#reporter.notePath("path does not exist, ignoring");
      this.#recompute();
      return;
    }
    const paths: string[] = [];
    if (info.isFile) {
      this.#singleFile = true;
      paths.push(this.#path);
    } else if (info.isDirectory) {
      this.#singleFile = false;
      const names: string[] = [];
      try {
        for await (const entry of Deno.readDir(this.#path)) names.push(entry.name);
      } catch (err) {
        this.#reporter.notePath(`cannot read directory: ${oneLine(errText(err))}`);
        return;
      }
      names.sort();
      for (const name of names) {
        if (name.startsWith(".")) continue;
        const path = join(this.#path, name);
        if (MANIFEST_EXTENSION.test(name)) paths.push(path);
        else await this.#reporter.noteIgnored(path);
      }
    } else {
      this.#reporter.notePath("path is not a directory or file");
      this.#entries.clear();
      this.#recompute();
      return;
    }
    this.#reporter.notePath(undefined);
    const wanted = new Set(paths);
    for (const path of [...this.#entries.keys()]) {
      if (!wanted.has(path)) this.#entries.delete(path);
    }
    for (const path of [...this.#pendingRemovals.keys()]) {
      if (!wanted.has(path)) this.#pendingRemovals.delete(path);
    }
    for (let i = 0; i < paths.length; i += READ_CONCURRENCY) {
      const batch = paths.slice(i, i + READ_CONCURRENCY);
      const outcomes = await Promise.all(batch.map((p) => this.#load(p, true)));
      batch.forEach((path, j) => this.#apply(path, outcomes[j]));
    }
    this.#recompute();
  }

  /**
   * Re-stats one watched path and re-parses just that file. A path that is gone is
   * removed only after the grace period, unless `confirmRemoval` (the period is over).
   */
  handle(eventPath: string, confirmRemoval = false): Promise<void> {
    return this.handleAll([eventPath], confirmRemoval);
  }

  /**
   * {@linkcode handle} for a burst of watched paths at once: each file is re-read
   * once however many events named it, and the pod set is rebuilt once, so a burst
   * of n new files costs O(n), not n rebuilds of the whole set. A `..`-prefixed
   * name (an atomic symlink swap) relists the whole path instead.
   */
  async handleAll(eventPaths: readonly string[], confirmRemoval = false): Promise<void> {
    const paths = new Set<string>();
    for (const eventPath of eventPaths) {
      const name = basename(eventPath);
      if (name.startsWith("..")) {
        await this.list();
        return;
      }
      if (name.startsWith(".") || name === "") continue;
      const path = this.#singleFile
        ? (name === basename(this.#path) ? this.#path : undefined)
        : join(this.#path, name);
      if (path === undefined) continue;
      if (!this.#singleFile && !MANIFEST_EXTENSION.test(name)) {
        await this.#reporter.noteIgnored(path);
        continue;
      }
      paths.add(path);
    }
    const list = [...paths];
    let changed = false;
    for (let i = 0; i < list.length; i += READ_CONCURRENCY) {
      const batch = list.slice(i, i + READ_CONCURRENCY);
      const outcomes = await Promise.all(batch.map((p) => this.#load(p)));
      batch.forEach((path, j) => {
        if (this.#take(path, outcomes[j], confirmRemoval)) changed = true;
      });
    }
    if (changed) this.#recompute();
  }

  /** Applies one watched file's outcome; false when it changes nothing yet. */
  #take(path: string, outcome: LoadOutcome, confirmRemoval: boolean): boolean {
    const grace = this.#o.graceMs;
    if (outcome.kind === "gone" && this.#entries.has(path) && !confirmRemoval && grace > 0) {
      if (!this.#pendingRemovals.has(path)) {
        this.#pendingRemovals.set(path, this.#o.clock.now() + grace);
      }
      return false;
    }
    if (outcome.kind === "empty") return false; // a write in progress; the relist judges
    this.#pendingRemovals.delete(path);
    this.#apply(path, outcome);
    return true;
  }

  /** Removes the pods of vanished files whose grace period is over and that are still gone. */
  async removeExpired(): Promise<void> {
    const now = this.#o.clock.now();
    const due: string[] = [];
    for (const [path, deadline] of [...this.#pendingRemovals]) {
      if (deadline > now) continue;
      this.#pendingRemovals.delete(path);
      due.push(path);
    }
    if (due.length > 0) await this.handleAll(due, true);
  }

  /** Loads one file; never rejects (an unexpected error is that file's problem). */
  async #load(path: string, reuse = false): Promise<LoadOutcome> {
    try {
      return await loadManifestFile(path, {
        nodeName: this.#o.nodeName,
        maxBytes: this.#o.maxBytes,
        clock: this.#o.clock,
        previous: reuse ? this.#entries.get(path) : undefined,
      });
    } catch (err) {
      return { kind: "error", reason: `internal error: ${oneLine(errText(err))}` };
    }
  }

  #apply(path: string, outcome: LoadOutcome): void {
    if (applyOutcome(this.#entries, path, outcome)) this.#reporter.noteNotRegular(path);
    if (outcome.kind === "content") {
      this.#reporter.noteUnknownFields(path, outcome.content.unknownFields);
    }
  }

  /**
   * Rebuilds the served pod and object sets, applies first-file-wins (by pod name, and
   * by kind/namespace/name for objects) and reports problems once.
   */
  #recompute(): void {
    const firstPath = new Map<string, string>();
    const pods: Pod[] = [];
    const objects: LocalObject[] = [];
    const paths = [...this.#entries.keys()].sort();
    for (const path of paths) {
      const entry = this.#entries.get(path)!;
      const problems = entry.error !== undefined ? [entry.error] : [...entry.rejected];
      for (const item of entry.items) {
        const first = firstPath.get(item.key);
        if (first !== undefined) {
          problems.push(
            prefixed(item.where, `duplicate ${describeItem(item)}, already defined in '${first}'`),
          );
          continue;
        }
        firstPath.set(item.key, path);
        if (item.pod) pods.push(item.pod);
        else if (item.object) objects.push(item.object);
      }
      this.#reporter.note(path, problems, keptNote(entry));
    }
    this.#reporter.forgetExcept((path) => this.#entries.has(path));
    // An unchanged item keeps its object, so identity tells what changed.
    if (!sameItems(pods, this.#snapshot)) {
      this.#snapshot = pods;
      this.#version++;
    }
    if (!sameItems(objects, this.#objects)) {
      this.#objects = objects;
      this.#objectsVersion++;
    }
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** What a warning about `entry` adds about the old items it still serves. */
function keptNote(entry: FileEntry): string {
  if (entry.kept === 0) return "";
  if (entry.error !== undefined) return "still serving the last good version of this file";
  const kept = entry.items.slice(entry.items.length - entry.kept).map((item) => item.key);
  const shown = kept.slice(0, SHOWN_KEPT).join(", ");
  const more = kept.length > SHOWN_KEPT ? ` and ${kept.length - SHOWN_KEPT} more` : "";
  return `still serving the last good version of ${oneLine(shown)}${more}`;
}
