/**
 * The loop behind `FileSource.run()`: two {@linkcode runEvery} loops, the periodic
 * relist and the watcher (restarted when the watched directory is replaced, backed
 * off when it fails), and the timer for vanished files' grace periods. The source's
 * step methods ({@linkcode FileSourceSteps}) do the work.
 *
 * A single-file manifest path is watched itself, not its directory: the agent is
 * granted read access to the configured path only, and watching the directory would
 * need (and, granted, expose) every file beside it. A watch on a file follows its
 * inode, so when the file is removed or replaced (an editor's or a config tool's
 * atomic rename) the watch is started again on the new file.
 *
 * No step that throws stops the loop: an unexpected error is logged (once while it
 * repeats) and the loop goes on with the next event or relist.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import { Backoff } from "../util/backoff.ts";
import type { CancelTimer, Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import type { Logger } from "../util/logger.ts";
import { LoopWaker, runEvery } from "../util/run_every.ts";
import type { WatchFs } from "./watch_fs.ts";

/** How often a missing path is checked again (the kubelet's 1s retry). */
const MISSING_RECHECK_MS = 1_000;
/**
 * Deno's watcher holds this many unread events and drops the ones after
 * (deno_runtime ops/fs_events.rs: a bounded channel, `try_send`). A burst of
 * that many events or more may have lost some, so it ends with a relist.
 */
const WATCH_QUEUE_CAPACITY = 16;
/** The watch back-off: 1s doubling to 20s, as the kubelet retries its watcher. */
const WATCH_BACKOFF = { initialMs: 1_000, maxMs: 20_000 };

/** What the loop needs from the file source: its path, its state and its steps. */
export interface FileSourceSteps {
  /** The manifest path as configured. */
  readonly path: string;
  /** Whether the path is one file (then the file itself is watched). */
  readonly singleFile: boolean;
  /** Changes each time the served pod set changes. */
  readonly version: number;
  /** When the earliest pending removal of a vanished file is due, if any. */
  nextRemovalAt(): number | undefined;
  /** The relist: the pods the path holds now. */
  listOnce(): Promise<Pod[]>;
  /** A burst of watched paths (each named once): the new pod set if it changed. */
  handleEvents(paths: readonly string[]): Promise<Pod[] | undefined>;
  /** Vanished files past their grace period: the new pod set if it changed. */
  removeExpired(): Promise<Pod[] | undefined>;
}

/** Options for {@linkcode runFileSource}. */
export interface RunFileSourceOptions {
  /** Relist period. */
  periodMs: number;
  clock: Clock;
  logger: Logger;
  watchFs: WatchFs;
  /** Stops the loop. */
  signal: AbortSignal;
}

/**
 * Sends the first state, then keeps the pod set current from watch events and a
 * relist every `periodMs` until `signal` aborts. Watch failures back off from 1s
 * to 20s; a missing path is rechecked every second.
 *
 * Requires `--allow-read` for the manifest path.
 */
export function runFileSource(
  source: FileSourceSteps,
  send: (pods: Pod[]) => void,
  options: RunFileSourceOptions,
): Promise<void> {
  return new FileSourceRun(source, send, options).run();
}

/** The state of one run: what was sent, the watch, the removal timer. */
class FileSourceRun {
  #source: FileSourceSteps;
  #send: (pods: Pod[]) => void;
  #o: RunFileSourceOptions;
  #defects: DefectReporter;
  #backoff = new Backoff(WATCH_BACKOFF);
  #sentVersion = -1;
  /** Ends the current watch (so the next round watches again). */
  #stopWatch = () => {};
  /** Identity of the watched directory while a watch runs. */
  #watchedIdentity: string | undefined;
  /** Wakes the watch loop: the next round runs without waiting. */
  #watchNow = new LoopWaker();
  /** The wait before the next watch round, unless woken. */
  #watchWaitMs = 0;
  #missing = false;
  #removalTimer: CancelTimer | undefined;
  /** Watched paths not handled yet (a burst of events names each once). */
  #pending = new Set<string>();
  /** Whether pending paths are being handled, and the promise of that. */
  #drainRunning = false;
  #draining: Promise<void> = Promise.resolve();
  /** Watch events read since the handling was last idle. */
  #eventsRead = 0;

  constructor(source: FileSourceSteps, send: (pods: Pod[]) => void, options: RunFileSourceOptions) {
    this.#source = source;
    this.#send = send;
    this.#o = options;
    this.#defects = defectReporter(options.logger, source.path);
  }

  async run(): Promise<void> {
    const { clock, signal } = this.#o;
    signal.addEventListener("abort", () => this.#removalTimer?.(), { once: true });
    await this.#relist();
    await Promise.all([
      runEvery(() => this.#relistRound(), {
        clock,
        periodMs: this.#o.periodMs,
        signal,
        immediate: false,
        onError: (err) => this.#defects.report("Static pod relist failed", err),
      }),
      runEvery(() => this.#watchRound(), {
        clock,
        periodMs: () => this.#watchWaitMs,
        signal,
        waker: this.#watchNow,
      }),
    ]);
  }

  /** Sends `pods` unless it is no change or the run is over. */
  #publish(pods: Pod[] | undefined): void {
    const version = this.#source.version;
    if (pods === undefined || this.#o.signal.aborted || version === this.#sentVersion) return;
    this.#sentVersion = version;
    this.#send(pods);
  }

  /** A failed relist is retried by the next one; the source is not ready until one succeeds. */
  async #relist(): Promise<void> {
    try {
      this.#publish(await this.#source.listOnce());
    } catch (err) {
      this.#defects.report("Static pod relist failed", err);
    }
  }

  /** The relist loop's step: relist, arm the removal timer, follow a re-pointed path. */
  async #relistRound(): Promise<void> {
    await this.#relist();
    this.#scheduleRemovals();
    if (this.#watchedIdentity === undefined) return;
    if ((await identity(this.#source.path)) !== this.#watchedIdentity) this.#stopWatch();
  }

  /** Arms one timer for the earliest removal deadline, if none is armed. */
  #scheduleRemovals(): void {
    const { clock, logger, signal } = this.#o;
    const next = this.#source.nextRemovalAt();
    if (this.#removalTimer || next === undefined || signal.aborted) return;
    this.#removalTimer = clock.after(Math.max(0, next - clock.now()), () => {
      this.#removalTimer = undefined;
      this.#source.removeExpired().then((pods) => {
        this.#publish(pods);
        this.#scheduleRemovals();
      }, (err) => logger.error("Static pod removal check failed", { err }));
    });
  }

  /**
   * The watch loop's step: waits for a missing path (relisting when it appears), or
   * watches the path until the watch ends, then watches again at once; a failed
   * watch is retried after the back-off.
   */
  async #watchRound(): Promise<void> {
    const { clock, logger, signal } = this.#o;
    const path = this.#source.path;
    try {
      if (!await pathExists(path)) {
        this.#missing = true;
        this.#watchWaitMs = MISSING_RECHECK_MS;
        return;
      }
      if (this.#missing) {
        this.#missing = false;
        await this.#relist();
      } else {
        await this.#watch();
        if (!signal.aborted) {
          logger.debug(2, "Static pod path changed; watching it again", { path });
        }
      }
      this.#watchNow.wake();
    } catch (err) {
      if (signal.aborted) return;
      const delay = this.#backoff.next("watch", clock.now());
      logger.error("Unable to watch static pod path, retrying", { path, err, retryAfterMs: delay });
      // The next round relists as soon as the watch is up again.
      this.#watchWaitMs = delay;
    }
  }

  /** One watch of the path (or of the single manifest file), until it ends. */
  async #watch(): Promise<void> {
    const { signal, watchFs } = this.#o;
    const target = this.#source.path;
    const singleFile = this.#source.singleFile;
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.#stopWatch = () => ac.abort();
    this.#watchedIdentity = await identity(target);
    try {
      const events = watchFs(target, ac.signal)[Symbol.asyncIterator]();
      let next = events.next(); // starts the watcher
      next.catch(() => {}); // handled when awaited below
      // Catch changes made between the last relist and the watch start.
      await this.#relist();
      // Events are only queued here, never awaited: Deno's watcher drops events
      // while its reader lags (a burst of 1,000 new files lost two thirds of them
      // to a reader that handled each before reading the next).
      for (let r = await next; !r.done; r = await next) {
        if (r.value.kind !== "access") this.#queueEvent(r.value.paths);
        if (singleFile && (r.value.kind === "remove" || r.value.kind === "rename")) {
          // The watched inode is gone: watch the path again (the new file, if any).
          ac.abort();
          void events.return?.(undefined);
          break;
        }
        next = events.next();
      }
      if (!ac.signal.aborted) throw new Error("the watch ended unexpectedly");
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#watchedIdentity = undefined;
      await this.#draining;
    }
  }

  /** Adds watched paths to the pending set and starts handling them unless that runs. */
  #queueEvent(paths: readonly string[]): void {
    this.#eventsRead++;
    for (const path of paths) this.#pending.add(path);
    if (!this.#drainRunning) this.#draining = this.#drain();
  }

  /**
   * Handles the pending paths in bursts, each one send at most, until none are
   * left: what arrives meanwhile makes the next burst. After as many events as
   * the watcher can hold, a relist picks up what it may have dropped.
   */
  async #drain(): Promise<void> {
    this.#drainRunning = true;
    try {
      while (this.#pending.size > 0 && !this.#o.signal.aborted) {
        const paths = [...this.#pending];
        this.#pending.clear();
        await this.#handle(paths);
        this.#scheduleRemovals();
      }
      this.#pending.clear();
      const burst = this.#eventsRead;
      this.#eventsRead = 0;
      if (burst >= WATCH_QUEUE_CAPACITY && !this.#o.signal.aborted) await this.#relist();
    } finally {
      this.#drainRunning = false;
    }
  }

  /** One burst; when it throws, each path again on its own, so one bad path costs only itself. */
  async #handle(paths: string[]): Promise<void> {
    try {
      this.#publish(await this.#source.handleEvents(paths));
      return;
    } catch (err) {
      if (paths.length === 1) {
        this.#defects.report("Static pod manifest event failed", err);
        return;
      }
    }
    for (const path of paths) await this.#handle([path]);
  }
}

/** Logs an unexpected error once while the same one repeats. */
interface DefectReporter {
  report(message: string, err: unknown): void;
}

function defectReporter(logger: Logger, path: string): DefectReporter {
  let last: string | undefined;
  return {
    report(message, err) {
      const text = `${message}: ${errText(err)}`;
      if (text === last) return;
      last = text;
      logger.error(message, { path, err });
    },
  };
}

async function identity(dir: string): Promise<string | undefined> {
  try {
    const [real, info] = await Promise.all([Deno.realPath(dir), Deno.stat(dir)]);
    return `${real}:${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
