/**
 * The loop behind `FileSource.run()`: the periodic relist, the watcher (restarted
 * when the watched directory is replaced, backed off when it fails) and the timer
 * for vanished files' grace periods. The source's step methods do the work.
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
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { WatchFs } from "./watch_fs.ts";

/** How often a missing path is checked again (the kubelet's 1s retry). */
const MISSING_RECHECK_MS = 1_000;

/** Options for {@linkcode runFileSource}: the source's settings and step methods. */
export interface RunFileSourceOptions {
  /** The manifest path as configured. */
  path: string;
  /** Relist period. */
  periodMs: number;
  clock: Clock;
  logger: Logger;
  watchFs: WatchFs;
  /** Whether the path is one file (then the file itself is watched). */
  singleFile: () => boolean;
  /** Changes each time the served pod set changes. */
  version: () => number;
  /** Deadlines of the pending removals of vanished files. */
  removalDeadlines: () => number[];
  listOnce: () => Promise<Pod[]>;
  handleEvent: (path: string) => Promise<Pod[] | undefined>;
  removeExpired: () => Promise<Pod[] | undefined>;
}

interface Watcher {
  restart: () => void;
  /** Identity of the watched directory when the watcher started. */
  identity?: string;
}

/**
 * Sends the first state, then keeps the pod set current from watch events and a
 * relist every `periodMs` until `signal` aborts. Watch failures back off from 1s
 * to 20s; a missing path is rechecked every second.
 *
 * Requires `--allow-read` for the manifest path.
 */
export async function runFileSource(
  send: (pods: Pod[]) => void,
  signal: AbortSignal,
  options: RunFileSourceOptions,
): Promise<void> {
  const { clock, logger } = options;
  let sentVersion = -1;
  const publish = (pods: Pod[] | undefined) => {
    if (pods === undefined || signal.aborted || options.version() === sentVersion) return;
    sentVersion = options.version();
    send(pods);
  };
  const watcher: Watcher = { restart: () => {} };
  let removalTimer: (() => void) | undefined;
  const scheduleRemovals = () => {
    const deadlines = options.removalDeadlines();
    if (removalTimer || deadlines.length === 0 || signal.aborted) return;
    const next = Math.min(...deadlines);
    removalTimer = clock.after(Math.max(0, next - clock.now()), () => {
      removalTimer = undefined;
      options.removeExpired().then((pods) => {
        publish(pods);
        scheduleRemovals();
      }, (err) => logger.error("Static pod removal check failed", { err }));
    });
  };
  signal.addEventListener("abort", () => removalTimer?.(), { once: true });

  const defects = defectReporter(logger, options.path);
  // A failed relist is retried by the next one; the source is not ready until one succeeds.
  const relist = async () => {
    try {
      publish(await options.listOnce());
    } catch (err) {
      defects.report("Static pod relist failed", err);
    }
  };
  await relist();
  const relistLoop = async () => {
    while (!signal.aborted) {
      try {
        await clock.sleep(options.periodMs, signal);
      } catch {
        return; // aborted
      }
      try {
        await relist();
        scheduleRemovals();
        if (await watchTargetChanged(watcher, options)) watcher.restart();
      } catch (err) {
        defects.report("Static pod relist failed", err);
      }
    }
  };
  await Promise.all([
    relistLoop(),
    watchLoop(publish, signal, { ...options, scheduleRemovals, watcher, defects, relist }),
  ]);
}

/** Logs an unexpected error once while the same one repeats. */
interface DefectReporter {
  report(message: string, err: unknown): void;
}

function defectReporter(logger: Logger, path: string): DefectReporter {
  let last: string | undefined;
  return {
    report(message, err) {
      const text = `${message}: ${err instanceof Error ? err.message : String(err)}`;
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

async function watchTargetChanged(
  watcher: Watcher,
  options: RunFileSourceOptions,
): Promise<boolean> {
  if (watcher.identity === undefined) return false;
  return (await identity(options.path)) !== watcher.identity;
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

interface WatchLoopOptions extends RunFileSourceOptions {
  scheduleRemovals: () => void;
  watcher: Watcher;
  defects: DefectReporter;
  relist: () => Promise<void>;
}

async function watchLoop(
  publish: (pods: Pod[] | undefined) => void,
  signal: AbortSignal,
  options: WatchLoopOptions,
): Promise<void> {
  const { clock, logger, watcher } = options;
  const backoff = new Backoff({ initialMs: 1_000, maxMs: 20_000 });
  while (!signal.aborted) {
    try {
      if (!await pathExists(options.path)) {
        await clock.sleep(MISSING_RECHECK_MS, signal);
        if (await pathExists(options.path)) await options.relist();
        continue;
      }
      // The directory, or the single manifest file itself (see the module notes).
      const target = options.path;
      const singleFile = options.singleFile();
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      watcher.restart = () => ac.abort();
      watcher.identity = await identity(target);
      try {
        const events = options.watchFs(target, ac.signal)[Symbol.asyncIterator]();
        let next = events.next(); // starts the watcher
        next.catch(() => {}); // handled when awaited below
        // Catch changes made between the last relist and the watch start.
        await options.relist();
        for (let r = await next; !r.done; r = await next) {
          if (r.value.kind !== "access") {
            for (const path of r.value.paths) {
              try {
                publish(await options.handleEvent(path));
              } catch (err) {
                options.defects.report("Static pod manifest event failed", err);
              }
            }
            options.scheduleRemovals();
          }
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
        watcher.identity = undefined;
      }
      if (!signal.aborted) {
        logger.debug(2, "Static pod path changed; watching it again", { path: options.path });
      }
    } catch (err) {
      if (signal.aborted) return;
      const delay = backoff.next("watch", clock.now());
      logger.error("Unable to watch static pod path, retrying", {
        path: options.path,
        err,
        retryAfterMs: delay,
      });
      try {
        await clock.sleep(delay, signal);
      } catch {
        return;
      }
      // The next round relists as soon as the watch is up again.
    }
  }
}
