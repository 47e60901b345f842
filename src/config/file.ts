/**
 * The static pod source: a manifest directory (or one manifest file), the kubelet's
 * `--pod-manifest-path`. Like the kubelet it relists the whole path every
 * `--file-check-frequency`, and between relists re-parses just the file a
 * `Deno.watchFs` event names. Subdirectories are not walked, hidden entries are
 * skipped, each file is capped at 10 MiB, and a missing or empty directory is a
 * valid empty state (the source is still "seen").
 *
 * Where it is better than the kubelet:
 * - Only `.yaml`, `.yml` and `.json` files are read (any case); every other file
 *   (`x.yaml.bak`, `x.yaml~`, `x.yaml.swp`) is named once in a warning and never run.
 * - A bad file (invalid YAML, not a Pod, a field of the wrong type, invalid spec, a
 *   pod name already defined by an earlier file in lexical order) is reported once
 *   with its path and reason (one line, naming the field); the other pods are
 *   untouched and the fix is picked up by the next event or relist. Fields core/v1
 *   does not have are dropped, as the API server does, and named once in a warning.
 * - A single manifest file is watched itself, so read access to that file is all
 *   the source needs.
 * - The UID comes from node, source, path and pod name, not from the defaulted
 *   object, so an edit is an UPDATE and an agent upgrade keeps every UID.
 * - A rename or remove event re-stats the path: if it exists, it was a modify (an
 *   atomic replace). A path that is really gone is removed only after
 *   `removalGraceMs`, so an editor that moves the old file away before writing the
 *   new one causes no gap. A file that is empty when an event arrives is a write in
 *   progress, not an error.
 * - Events on `..`-prefixed names (the `..data` symlink swap of Kubernetes' atomic
 *   writer) trigger a full relist, so symlinked files follow the swap at once.
 *
 * @module
 */

import { basename, join } from "node:path";
import type { Pod } from "../api/types.ts";
import { podFullName } from "../api/pod_helpers.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import {
  applyOutcome,
  errorMessage,
  type FileEntry,
  isNotFound,
  loadManifestFile,
  type LoadOutcome,
  MANIFEST_EXTENSION,
} from "./_file_load.ts";
import { FileSourceReporter } from "./_file_reporter.ts";
import { runFileSource } from "./_file_run.ts";
import { MAX_CONFIG_LENGTH } from "./_manifest.ts";
import type { PodSource } from "./pod_update.ts";
import { denoWatchFs, type WatchFs } from "./watch_fs.ts";

/** Options for {@linkcode FileSource}. */
export interface FileSourceOptions {
  /** The node name; pods are named `<name>-<lowercased node name>`. */
  nodeName: string;
  /** Relist period, `--file-check-frequency`. @default 20_000 */
  checkFrequencyMs?: number;
  /** @default new RealClock() */
  clock?: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** The watcher. @default denoWatchFs */
  watchFs?: WatchFs;
  /** Largest manifest file read, in bytes. @default 10 MiB */
  maxFileBytes?: number;
  /** How long a vanished file's pod is kept in case the file comes back. @default 1_000 */
  removalGraceMs?: number;
}

/** Read this many files at once during a relist. */
const READ_CONCURRENCY = 16;

/**
 * The static pod directory source (source name `file`).
 *
 * Choice on bad input: when a file that held a good pod is edited into something
 * invalid, the source keeps serving the last good pod from that file and reports
 * the error once. Nothing already running is lost because of bad input; deleting
 * the file is how a pod is removed.
 *
 * `run()` repeats the two steps tests call directly: {@linkcode FileSource.listOnce}
 * (the relist, which is also the reconciler) and {@linkcode FileSource.handleEvent}
 * (one watched path), plus {@linkcode FileSource.removeExpired} for vanished files.
 * The step methods are serialized, so they may be called concurrently.
 *
 * Requires `--allow-read` for the manifest path.
 */
export class FileSource implements PodSource {
  readonly name = "file";
  /** The manifest path as configured, without a trailing `/`. */
  readonly path: string;
  #nodeName: string;
  #period: number;
  #clock: Clock;
  #logger: Logger;
  #watchFs: WatchFs;
  #maxBytes: number;
  #grace: number;
  #entries = new Map<string, FileEntry>();
  #reporter: FileSourceReporter;
  /** Vanished files: path → time after which the pod is removed. */
  #pendingRemovals = new Map<string, number>();
  #singleFile = false;
  #snapshot: Pod[] = [];
  #version = 0;
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * @param path a manifest directory or one manifest file.
   * @throws {TypeError} if `path` or `options.nodeName` is empty.
   * @throws {RangeError} if a period or size is not positive.
   */
  constructor(path: string, options: FileSourceOptions) {
    if (!path) throw new TypeError("Cannot create file source: the manifest path is empty");
    if (!options?.nodeName) throw new TypeError("Cannot create file source: nodeName is empty");
    this.path = path.length > 1 ? path.replace(/\/+$/, "") : path;
    this.#nodeName = options.nodeName;
    this.#period = options.checkFrequencyMs ?? 20_000;
    this.#clock = options.clock ?? new RealClock();
    this.#logger = options.logger ?? nullLogger;
    this.#watchFs = options.watchFs ?? denoWatchFs;
    this.#maxBytes = options.maxFileBytes ?? MAX_CONFIG_LENGTH;
    this.#grace = options.removalGraceMs ?? 1_000;
    this.#reporter = new FileSourceReporter(this.path, this.#logger);
    if (!(this.#period > 0)) {
      throw new RangeError(
        `Cannot create file source: checkFrequencyMs ${this.#period} must be > 0`,
      );
    }
    if (!(this.#maxBytes > 0)) {
      throw new RangeError(`Cannot create file source: maxFileBytes ${this.#maxBytes} must be > 0`);
    }
    if (!(this.#grace >= 0)) {
      throw new RangeError(`Cannot create file source: removalGraceMs ${this.#grace} must be >= 0`);
    }
  }

  /** The pods currently served (in file path order). Callers must not change them. */
  snapshot(): Pod[] {
    return [...this.#snapshot];
  }

  /** Paths of vanished files whose pods are still kept during the grace period. */
  pendingRemovals(): string[] {
    return [...this.#pendingRemovals.keys()];
  }

  /**
   * Relists the whole path and returns the pods it holds now. A missing path or an
   * empty directory gives `[]`.
   */
  listOnce(): Promise<Pod[]> {
    return this.#serial(() => this.#listOnce());
  }

  /**
   * Handles one watched path (any event kind): re-stats it and re-parses just that
   * file. Returns the new pod set if it changed, otherwise undefined.
   */
  handleEvent(path: string): Promise<Pod[] | undefined> {
    return this.#serial(async () => {
      const before = this.#version;
      await this.#handleEvent(path);
      return this.#version !== before ? this.snapshot() : undefined;
    });
  }

  /**
   * Removes the pods of vanished files whose grace period is over and that are still
   * gone. Returns the new pod set if it changed, otherwise undefined.
   */
  removeExpired(): Promise<Pod[] | undefined> {
    return this.#serial(async () => {
      const before = this.#version;
      const now = this.#clock.now();
      for (const [path, deadline] of [...this.#pendingRemovals]) {
        if (deadline > now) continue;
        this.#pendingRemovals.delete(path);
        await this.#handleEvent(path, true);
      }
      return this.#version !== before ? this.snapshot() : undefined;
    });
  }

  /**
   * Sends the first state, then keeps the pod set current from watch events and a
   * relist every `checkFrequencyMs` until `signal` aborts. Watch failures back off
   * from 1s to 20s; a missing path is rechecked every second.
   */
  run(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<void> {
    return runFileSource(send, signal, {
      path: this.path,
      periodMs: this.#period,
      clock: this.#clock,
      logger: this.#logger,
      watchFs: this.#watchFs,
      singleFile: () => this.#singleFile,
      version: () => this.#version,
      removalDeadlines: () => [...this.#pendingRemovals.values()],
      listOnce: () => this.listOnce(),
      handleEvent: (path) => this.handleEvent(path),
      removeExpired: () => this.removeExpired(),
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(fn);
    this.#queue = result.catch(() => {});
    return result;
  }

  async #listOnce(): Promise<Pod[]> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(this.path);
    } catch (err) {
      if (!isNotFound(err)) {
        // Not a statement about the manifests: keep what is served.
        this.#reporter.notePath(`cannot stat: ${errorMessage(err)}`);
        return this.snapshot();
      }
      this.#entries.clear();
      this.#pendingRemovals.clear();
      this.#reporter.notePath("path does not exist, ignoring");
      this.#recompute();
      return this.snapshot();
    }
    const paths: string[] = [];
    if (info.isFile) {
      this.#singleFile = true;
      paths.push(this.path);
    } else if (info.isDirectory) {
      this.#singleFile = false;
      const names: string[] = [];
      try {
        for await (const entry of Deno.readDir(this.path)) names.push(entry.name);
      } catch (err) {
        this.#reporter.notePath(`cannot read directory: ${errorMessage(err)}`);
        return this.snapshot();
      }
      names.sort();
      for (const name of names) {
        if (name.startsWith(".")) continue;
        const path = join(this.path, name);
        if (MANIFEST_EXTENSION.test(name)) paths.push(path);
        else await this.#reporter.noteIgnored(path);
      }
    } else {
      this.#reporter.notePath("path is not a directory or file");
      this.#entries.clear();
      this.#recompute();
      return this.snapshot();
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
    return this.snapshot();
  }

  async #handleEvent(eventPath: string, confirmRemoval = false): Promise<void> {
    const name = basename(eventPath);
    if (name.startsWith("..")) {
      await this.#listOnce();
      return;
    }
    if (name.startsWith(".") || name === "") return;
    const path = this.#singleFile
      ? (name === basename(this.path) ? this.path : undefined)
      : join(this.path, name);
    if (path === undefined) return;
    if (!this.#singleFile && !MANIFEST_EXTENSION.test(name)) {
      await this.#reporter.noteIgnored(path);
      return;
    }
    const outcome = await this.#load(path);
    if (outcome.kind === "gone" && this.#entries.has(path) && !confirmRemoval && this.#grace > 0) {
      if (!this.#pendingRemovals.has(path)) {
        this.#pendingRemovals.set(path, this.#clock.now() + this.#grace);
      }
      return;
    }
    if (outcome.kind === "empty") return; // a write in progress; the relist judges
    this.#pendingRemovals.delete(path);
    this.#apply(path, outcome);
    this.#recompute();
  }

  /** Loads one file; never rejects (an unexpected error is that file's problem). */
  async #load(path: string, reuse = false): Promise<LoadOutcome> {
    try {
      return await loadManifestFile(path, {
        nodeName: this.#nodeName,
        maxBytes: this.#maxBytes,
        clock: this.#clock,
        previous: reuse ? this.#entries.get(path) : undefined,
      });
    } catch (err) {
      return { kind: "error", reason: `internal error: ${errorMessage(err)}` };
    }
  }

  #apply(path: string, outcome: LoadOutcome): void {
    if (applyOutcome(this.#entries, path, outcome)) this.#reporter.noteNotRegular(path);
    if (outcome.kind === "pod") this.#reporter.noteUnknownFields(path, outcome.unknownFields);
  }

  /** Rebuilds the served pod set, applies first-file-wins and reports problems once. */
  #recompute(): void {
    const byName = new Map<string, string>();
    const pods: Pod[] = [];
    const paths = [...this.#entries.keys()].sort();
    for (const path of paths) {
      const entry = this.#entries.get(path)!;
      let problem = entry.error;
      if (entry.pod) {
        const fullName = podFullName(entry.pod);
        const first = byName.get(fullName);
        if (first !== undefined) {
          problem ??= `duplicate pod name '${entry.pod.metadata?.name}' in namespace ` +
            `'${entry.pod.metadata?.namespace}', already defined in '${first}'`;
        } else {
          byName.set(fullName, path);
          pods.push(entry.pod);
        }
      }
      this.#reporter.note(path, problem, entry.pod !== undefined && entry.error !== undefined);
    }
    this.#reporter.forgetExcept((path) => this.#entries.has(path));
    // An unchanged file keeps its Pod object, so identity tells what changed.
    const same = pods.length === this.#snapshot.length &&
      pods.every((pod, i) => pod === this.#snapshot[i]);
    if (!same) {
      this.#snapshot = pods;
      this.#version++;
    }
  }
}
