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
 * - A bad file (invalid YAML, not a Pod, invalid spec, a pod name already defined by
 *   an earlier file in lexical order) is reported once with its path and reason; the
 *   other pods are untouched and the fix is picked up by the next event or relist.
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

import { basename, dirname, join } from "node:path";
import type { Pod } from "../api/types.ts";
import { podFullName } from "../api/pod_helpers.ts";
import { Backoff } from "../util/backoff.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { decodeSinglePod, decodeText, MAX_CONFIG_LENGTH } from "./_manifest.ts";
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

/** Manifest extensions read from a directory. */
const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;
/** How often a missing path is checked again (the kubelet's 1s retry). */
const MISSING_RECHECK_MS = 1_000;
/**
 * A relist re-reads a file only when its signature (device, inode, size, mtime,
 * ctime) changed, or when it had been modified less than this long before it was
 * last read (timestamps are coarse; a fresh file may change again unseen).
 */
const STABLE_AFTER_MS = 2_000;
/** Read this many files at once during a relist. */
const READ_CONCURRENCY = 16;

interface FileEntry {
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

type LoadOutcome =
  | { kind: "pod"; pod: Pod } & Signature
  | { kind: "error"; reason: string } & Signature
  | { kind: "empty" } & Signature
  | { kind: "unchanged" }
  | { kind: "gone" }
  | { kind: "directory" }
  | { kind: "other" };

function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  /** What was last logged per path (problem reason), so each is logged once. */
  #reported = new Map<string, string>();
  /** Non-manifest files and subdirectories already named in the log. */
  #ignored = new Set<string>();
  /** Vanished files: path → time after which the pod is removed. */
  #pendingRemovals = new Map<string, number>();
  #singleFile = false;
  #pathProblem: string | undefined;
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
  async run(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<void> {
    let sentVersion = -1;
    const publish = (pods: Pod[] | undefined) => {
      if (pods === undefined || signal.aborted || this.#version === sentVersion) return;
      sentVersion = this.#version;
      send(pods);
    };
    const watcher = { restart: () => {} };
    let removalTimer: (() => void) | undefined;
    const scheduleRemovals = () => {
      if (removalTimer || this.#pendingRemovals.size === 0 || signal.aborted) return;
      const next = Math.min(...this.#pendingRemovals.values());
      removalTimer = this.#clock.after(Math.max(0, next - this.#clock.now()), () => {
        removalTimer = undefined;
        this.removeExpired().then((pods) => {
          publish(pods);
          scheduleRemovals();
        }, (err) => this.#logger.error("Static pod removal check failed", { err }));
      });
    };
    signal.addEventListener("abort", () => removalTimer?.(), { once: true });

    publish(await this.listOnce());
    const relistLoop = async () => {
      while (!signal.aborted) {
        try {
          await this.#clock.sleep(this.#period, signal);
        } catch {
          return; // aborted
        }
        try {
          publish(await this.listOnce());
          scheduleRemovals();
          if (await this.#watchTargetChanged()) watcher.restart();
        } catch (err) {
          this.#logger.error("Static pod relist failed", { path: this.path, err });
        }
      }
    };
    await Promise.all([
      relistLoop(),
      this.#watchLoop(publish, scheduleRemovals, watcher, signal),
    ]);
  }

  /** Directory the watcher watches, and its identity when the watcher started. */
  #watchDir(): string {
    return this.#singleFile ? dirname(this.path) : this.path;
  }

  #watchedIdentity: string | undefined;

  async #identity(dir: string): Promise<string | undefined> {
    try {
      const [real, info] = await Promise.all([Deno.realPath(dir), Deno.stat(dir)]);
      return `${real}:${info.dev}:${info.ino}`;
    } catch {
      return undefined;
    }
  }

  async #watchTargetChanged(): Promise<boolean> {
    if (this.#watchedIdentity === undefined) return false;
    return (await this.#identity(this.#watchDir())) !== this.#watchedIdentity;
  }

  async #watchLoop(
    publish: (pods: Pod[] | undefined) => void,
    scheduleRemovals: () => void,
    watcher: { restart: () => void },
    signal: AbortSignal,
  ): Promise<void> {
    const backoff = new Backoff({ initialMs: 1_000, maxMs: 20_000 });
    while (!signal.aborted) {
      try {
        if (!await this.#pathExists()) {
          await this.#clock.sleep(MISSING_RECHECK_MS, signal);
          if (await this.#pathExists()) publish(await this.listOnce());
          continue;
        }
        const dir = this.#watchDir();
        const ac = new AbortController();
        const onAbort = () => ac.abort();
        signal.addEventListener("abort", onAbort, { once: true });
        watcher.restart = () => ac.abort();
        this.#watchedIdentity = await this.#identity(dir);
        try {
          const events = this.#watchFs(dir, ac.signal)[Symbol.asyncIterator]();
          let next = events.next(); // starts the watcher
          next.catch(() => {}); // handled when awaited below
          // Catch changes made between the last relist and the watch start.
          publish(await this.listOnce());
          for (let r = await next; !r.done; r = await next) {
            if (r.value.kind !== "access") {
              for (const path of r.value.paths) publish(await this.handleEvent(path));
              scheduleRemovals();
            }
            next = events.next();
          }
          if (!ac.signal.aborted) throw new Error("the watch ended unexpectedly");
        } finally {
          signal.removeEventListener("abort", onAbort);
          this.#watchedIdentity = undefined;
        }
        if (!signal.aborted) {
          this.#logger.debug(2, "Static pod path changed; watching it again", { path: this.path });
        }
      } catch (err) {
        if (signal.aborted) return;
        const delay = backoff.next("watch", this.#clock.now());
        this.#logger.error("Unable to watch static pod path, retrying", {
          path: this.path,
          err,
          retryAfterMs: delay,
        });
        try {
          await this.#clock.sleep(delay, signal);
        } catch {
          return;
        }
        // The next round relists as soon as the watch is up again.
      }
    }
  }

  async #pathExists(): Promise<boolean> {
    try {
      await Deno.stat(this.path);
      return true;
    } catch {
      return false;
    }
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
        this.#notePath(`cannot stat: ${errorMessage(err)}`);
        return this.snapshot();
      }
      this.#entries.clear();
      this.#pendingRemovals.clear();
      this.#notePath("path does not exist, ignoring");
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
        this.#notePath(`cannot read directory: ${errorMessage(err)}`);
        return this.snapshot();
      }
      names.sort();
      for (const name of names) {
        if (name.startsWith(".")) continue;
        const path = join(this.path, name);
        if (MANIFEST_EXTENSION.test(name)) paths.push(path);
        else await this.#noteIgnored(path);
      }
    } else {
      this.#notePath("path is not a directory or file");
      this.#entries.clear();
      this.#recompute();
      return this.snapshot();
    }
    this.#notePath(undefined);
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
      await this.#noteIgnored(path);
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

  async #noteIgnored(path: string): Promise<void> {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(path);
    } catch {
      this.#ignored.delete(path);
      return;
    }
    if (this.#ignored.has(path)) return;
    this.#ignored.add(path);
    if (info.isDirectory) {
      this.#logger.debug(2, "Not recursing into manifest path", { path });
    } else {
      this.#logger.warn(
        "Ignoring file in static pod directory: only .yaml, .yml and .json files are read",
        { path },
      );
    }
  }

  async #load(path: string, reuse = false): Promise<LoadOutcome> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (err) {
      if (isNotFound(err)) return { kind: "gone" };
      return { kind: "error", reason: `cannot stat: ${errorMessage(err)}` };
    }
    if (info.isDirectory) return { kind: "directory" };
    if (!info.isFile) return { kind: "other" };
    const mtime = info.mtime?.getTime();
    const ctime = info.ctime?.getTime();
    const sig = `${info.dev}:${info.ino}:${info.size}:${mtime}:${ctime}`;
    const entry = this.#entries.get(path);
    if (reuse && entry?.stable && entry.sig === sig) return { kind: "unchanged" };
    const now = this.#clock.now();
    const stable = mtime !== undefined && ctime !== undefined &&
      now - mtime > STABLE_AFTER_MS && now - ctime > STABLE_AFTER_MS;
    const outcome = await this.#read(path, info.size);
    return outcome.kind === "pod" || outcome.kind === "error" || outcome.kind === "empty"
      ? { ...outcome, sig, stable }
      : outcome;
  }

  async #read(path: string, size: number): Promise<LoadOutcome> {
    let bytes: Uint8Array;
    try {
      bytes = await readCapped(path, size, this.#maxBytes);
    } catch (err) {
      if (isNotFound(err)) return { kind: "gone" };
      return { kind: "error", reason: errorMessage(err) };
    }
    if (bytes.length === 0) return { kind: "empty" };
    const text = decodeText(bytes);
    if (text === undefined) return { kind: "error", reason: "the file is not UTF-8 text" };
    const result = decodeSinglePod(text, {
      source: "file",
      nodeName: this.#nodeName,
      location: path,
    });
    return result.ok
      ? { kind: "pod", pod: result.pods[0] }
      : { kind: "error", reason: result.reason };
  }

  #apply(path: string, outcome: LoadOutcome): void {
    switch (outcome.kind) {
      case "unchanged":
        return;
      case "pod": {
        const podJson = JSON.stringify(outcome.pod);
        const entry = this.#entries.get(path);
        if (entry?.podJson === podJson) {
          entry.error = undefined;
          entry.sig = outcome.sig;
          entry.stable = outcome.stable;
          return;
        }
        this.#entries.set(path, {
          pod: outcome.pod,
          podJson,
          sig: outcome.sig,
          stable: outcome.stable,
        });
        return;
      }
      case "error":
      case "empty": {
        const reason = outcome.kind === "empty" ? "the file is empty" : outcome.reason;
        const entry = this.#entries.get(path) ?? {};
        entry.error = reason;
        entry.sig = outcome.sig;
        entry.stable = outcome.stable;
        this.#entries.set(path, entry);
        return;
      }
      case "gone":
        this.#entries.delete(path);
        return;
      case "directory":
      case "other":
        this.#entries.delete(path);
        if (!this.#ignored.has(path)) {
          this.#ignored.add(path);
          this.#logger.debug(2, "Not a regular file, skipping", { path });
        }
        return;
    }
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
      this.#note(path, problem, entry.pod !== undefined && entry.error !== undefined);
    }
    for (const path of [...this.#reported.keys()]) {
      if (!this.#entries.has(path)) this.#reported.delete(path);
    }
    // An unchanged file keeps its Pod object, so identity tells what changed.
    const same = pods.length === this.#snapshot.length &&
      pods.every((pod, i) => pod === this.#snapshot[i]);
    if (!same) {
      this.#snapshot = pods;
      this.#version++;
    }
  }

  /** Logs a problem with the configured path itself, once. */
  #notePath(reason: string | undefined): void {
    if (this.#pathProblem === reason) return;
    const path = this.path;
    if (reason === undefined) this.#logger.info("Static pod path is available", { path });
    else this.#logger.info(`Static pod path '${path}': ${reason}`, { path });
    this.#pathProblem = reason;
  }

  /** Logs `reason` for a manifest file unless it was the last thing logged for it. */
  #note(path: string, reason: string | undefined, keptOld: boolean): void {
    const last = this.#reported.get(path);
    if (last === reason) return;
    if (reason === undefined) {
      this.#reported.delete(path);
      this.#logger.info("Static pod manifest is valid again", { path });
      return;
    }
    this.#reported.set(path, reason);
    const suffix = keptOld ? "; still serving the last good version of this file" : "";
    this.#logger.warn(`Cannot load static pod manifest '${path}': ${reason}${suffix}`, {
      path,
      reason,
    });
  }
}
