/**
 * The loop behind `FileSource.run()`: the periodic relist, the watcher (restarted
 * when the watched directory is replaced, backed off when it fails) and the timer
 * for vanished files' grace periods. The source's step methods do the work.
 *
 * @module
 */

import { dirname } from "node:path";
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
  /** Whether the path is one file (then its directory is watched). */
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

  publish(await options.listOnce());
  const relistLoop = async () => {
    while (!signal.aborted) {
      try {
        await clock.sleep(options.periodMs, signal);
      } catch {
        return; // aborted
      }
      try {
        publish(await options.listOnce());
        scheduleRemovals();
        if (await watchTargetChanged(watcher, options)) watcher.restart();
      } catch (err) {
        logger.error("Static pod relist failed", { path: options.path, err });
      }
    }
  };
  await Promise.all([
    relistLoop(),
    watchLoop(publish, signal, { ...options, scheduleRemovals, watcher }),
  ]);
}

/** The directory the watcher watches. */
function watchDir(options: RunFileSourceOptions): string {
  return options.singleFile() ? dirname(options.path) : options.path;
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
  return (await identity(watchDir(options))) !== watcher.identity;
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
        if (await pathExists(options.path)) publish(await options.listOnce());
        continue;
      }
      const dir = watchDir(options);
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      watcher.restart = () => ac.abort();
      watcher.identity = await identity(dir);
      try {
        const events = options.watchFs(dir, ac.signal)[Symbol.asyncIterator]();
        let next = events.next(); // starts the watcher
        next.catch(() => {}); // handled when awaited below
        // Catch changes made between the last relist and the watch start.
        publish(await options.listOnce());
        for (let r = await next; !r.done; r = await next) {
          if (r.value.kind !== "access") {
            for (const path of r.value.paths) publish(await options.handleEvent(path));
            options.scheduleRemovals();
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
