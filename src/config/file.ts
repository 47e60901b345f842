/**
 * The static pod source: a manifest directory (or one manifest file), the kubelet's
 * `--pod-manifest-path`. Like the kubelet it relists the whole path every
 * `--file-check-frequency`, and between relists re-parses just the file a
 * `Deno.watchFs` event names. Subdirectories are not walked, hidden entries are
 * skipped, each file is capped at 10 MiB, and a missing or empty directory is a
 * valid empty state (the source is still "seen").
 *
 * A file holds one or more YAML documents (`---`), each a `v1` Pod, PodList,
 * ConfigMap or Secret. Pods go to `run()`'s `send`; ConfigMaps and Secrets are
 * objects in their namespace for static pods to reference (kubernetes/kubernetes#27312;
 * the kubelet cannot), given to {@linkcode FileSourceOptions.onObjects}: they never
 * become pods and never reach PodConfig.
 *
 * Where it is better than the kubelet:
 * - Only `.yaml`, `.yml` and `.json` files are read (any case); every other file
 *   (`x.yaml.bak`, `x.yaml~`, `x.yaml.swp`) is named once in a warning and never run.
 * - A bad document (invalid YAML, not one of those kinds, a field of the wrong type,
 *   invalid spec or data, a pod name or object already defined by an earlier
 *   document or an earlier file in lexical order) is reported once with its path,
 *   where it is in the file (`document 2 (line 14)`, `items[3]`) and the reason (one
 *   line, naming the field, never a secret's value); the other documents and files
 *   are untouched and the fix is picked up by the next event or relist. Fields core/v1
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

import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import type { Pod } from "../api/types.ts";
import { FILE_SOURCE } from "../api/pod_helpers.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { ManifestFiles } from "./_file_manifests.ts";
import { type FileSourceSteps, runFileSource } from "./_file_run.ts";
import { localObjectKey } from "./_local_object.ts";
import { MAX_CONFIG_LENGTH } from "./_manifest.ts";
import type { PodSource } from "./pod_update.ts";
import { denoWatchFs, type WatchFs } from "./watch_fs.ts";

/** Options for {@linkcode FileSource}. */
export interface FileSourceOptions {
  /** The node name; pods are named `<name>-<lowercased node name>`. */
  nodeName: string;
  /** Times the relist, the watch back-off and the grace period; tells how old a file is. */
  clock: Clock;
  /** Relist period, `--file-check-frequency`. @default 20_000 */
  checkFrequencyMs?: number;
  /** @default nullLogger */
  logger?: Logger;
  /** The watcher. @default denoWatchFs */
  watchFs?: WatchFs;
  /** Largest manifest file read, in bytes. @default 10 MiB */
  maxFileBytes?: number;
  /**
   * How long a vanished file's pod is kept in case the file comes back. An
   * editor writes the new file microseconds after moving the old one away;
   * the kubelet keeps nothing, so a longer wait only delays every removal.
   * @default 50
   */
  removalGraceMs?: number;
  /**
   * Receives the full current set of valid ConfigMaps and Secrets of the path (in
   * file path order, deeply frozen) once after the first relist, even when empty,
   * and then whenever the set changes. It is called inside the step that found the
   * change, before that step's pods are sent, so a pod never arrives before the
   * objects it reads. A throw is logged and does not stop the source.
   * @default undefined
   */
  onObjects?: (objects: Array<ConfigMap | Secret>) => void;
}

/**
 * The static pod directory source (source name `file`).
 *
 * Choice on bad input: when a file that held good pods or objects is edited into
 * something unreadable, the source keeps serving its last good version and reports
 * the error once. When only some of its documents are bad, the good ones are served
 * and so is whatever its last good version defined that the new one does not (a bad
 * document may be that thing, mid-edit), named in the warning, until the file is
 * all good again. Nothing already running is lost because of bad input; deleting a
 * document from a good file, or the file, is how a pod or object is removed.
 *
 * `run()` repeats the two steps tests call directly: {@linkcode FileSource.listOnce}
 * (the relist, which is also the reconciler) and {@linkcode FileSource.handleEvent}
 * (one watched path), plus {@linkcode FileSource.removeExpired} for vanished files.
 * The step methods are serialized, so they may be called concurrently.
 *
 * Requires `--allow-read` for the manifest path.
 */
export class FileSource implements PodSource, FileSourceSteps {
  readonly name = FILE_SOURCE;
  /** The manifest path as configured, without a trailing `/`. */
  readonly path: string;
  #period: number;
  #clock: Clock;
  #logger: Logger;
  #watchFs: WatchFs;
  #files: ManifestFiles;
  #onObjects: ((objects: Array<ConfigMap | Secret>) => void) | undefined;
  #objectsSent = -1;
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
    this.#period = options.checkFrequencyMs ?? 20_000;
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#watchFs = options.watchFs ?? denoWatchFs;
    this.#onObjects = options.onObjects;
    const maxBytes = options.maxFileBytes ?? MAX_CONFIG_LENGTH;
    const graceMs = options.removalGraceMs ?? 50;
    if (!(this.#period > 0)) {
      throw new RangeError(
        `Cannot create file source: checkFrequencyMs ${this.#period} must be > 0`,
      );
    }
    if (!(maxBytes > 0)) {
      throw new RangeError(`Cannot create file source: maxFileBytes ${maxBytes} must be > 0`);
    }
    if (!(graceMs >= 0)) {
      throw new RangeError(`Cannot create file source: removalGraceMs ${graceMs} must be >= 0`);
    }
    this.#files = new ManifestFiles(this.path, {
      nodeName: options.nodeName,
      clock: this.#clock,
      logger: this.#logger,
      maxBytes,
      graceMs,
    });
  }

  /** Whether the last relist found one file at the path (then that file itself is watched). */
  get singleFile(): boolean {
    return this.#files.singleFile;
  }

  /** Changes each time the served pod set changes. */
  get version(): number {
    return this.#files.version;
  }

  /** The pods currently served (in file path order). Callers must not change them. */
  snapshot(): Pod[] {
    return this.#files.snapshot();
  }

  /** The ConfigMaps and Secrets currently served (in file path order; deeply frozen). */
  objects(): Array<ConfigMap | Secret> {
    return this.#files.objects();
  }

  /** Paths of vanished files whose pods are still kept during the grace period. */
  pendingRemovals(): string[] {
    return this.#files.pendingRemovals();
  }

  /** When the earliest pending removal of a vanished file is due, if any. */
  nextRemovalAt(): number | undefined {
    return this.#files.nextRemovalAt();
  }

  /**
   * Relists the whole path and returns the pods it holds now. A missing path or an
   * empty directory gives `[]`.
   */
  listOnce(): Promise<Pod[]> {
    return this.#serial(async () => {
      await this.#files.list();
      return this.snapshot();
    });
  }

  /**
   * Handles one watched path (any event kind): re-stats it and re-parses just that
   * file. Returns the new pod set if it changed, otherwise undefined.
   */
  handleEvent(path: string): Promise<Pod[] | undefined> {
    return this.#changes(() => this.#files.handle(path));
  }

  /**
   * {@linkcode handleEvent} for a burst of watched paths: each file re-read once and
   * the pod set rebuilt once. Returns the new pod set if it changed, otherwise undefined.
   */
  handleEvents(paths: readonly string[]): Promise<Pod[] | undefined> {
    return this.#changes(() => this.#files.handleAll(paths));
  }

  /**
   * Removes the pods of vanished files whose grace period is over and that are still
   * gone. Returns the new pod set if it changed, otherwise undefined.
   */
  removeExpired(): Promise<Pod[] | undefined> {
    return this.#changes(() => this.#files.removeExpired());
  }

  /**
   * Sends the first state, then keeps the pod set current from watch events and a
   * relist every `checkFrequencyMs` until `signal` aborts. Watch failures back off
   * from 1s to 20s; a missing path is rechecked every second.
   */
  run(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<void> {
    return runFileSource(this, send, {
      periodMs: this.#period,
      clock: this.#clock,
      logger: this.#logger,
      watchFs: this.#watchFs,
      signal,
    });
  }

  /** Runs `step` in turn; returns the new pod set if it changed, otherwise undefined. */
  #changes(step: () => Promise<void>): Promise<Pod[] | undefined> {
    return this.#serial(async () => {
      const before = this.#files.version;
      await step();
      return this.#files.version !== before ? this.snapshot() : undefined;
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(async () => {
      try {
        return await fn();
      } finally {
        this.#sendObjects();
      }
    });
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Calls `onObjects` when the object set changed since it was last called (or never was). */
  #sendObjects(): void {
    const version = this.#files.objectsVersion;
    if (this.#onObjects === undefined || version === this.#objectsSent) return;
    this.#objectsSent = version;
    const objects = this.#files.objects();
    this.#logger.debug(2, "Static pod path objects changed", {
      path: this.path,
      objects: objects.map(localObjectKey).join(", "),
    });
    try {
      this.#onObjects(objects);
    } catch (err) {
      this.#logger.error("Local ConfigMap and Secret receiver failed", {
        path: this.path,
        err: errText(err),
      });
    }
  }
}
