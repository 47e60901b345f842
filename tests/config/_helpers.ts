/** Helpers shared by the pod source tests. */

import type { Pod } from "../../src/api/types.ts";
import { FileSource, type FileSourceOptions } from "../../src/config/file.ts";
import type { PodSource } from "../../src/config/pod_update.ts";
import type { FsWatchEvent, WatchFs } from "../../src/config/watch_fs.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";

/** A minimal Pod manifest in YAML. */
export function podYaml(name: string, image = "busybox:1.36", extra = ""): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${extra}spec:
  containers:
  - name: main
    image: ${image}
`;
}

/** A ConfigMap document in YAML. */
export function configMapYaml(name: string, data: Record<string, string>, namespace = ""): string {
  const ns = namespace ? `  namespace: ${namespace}\n` : "";
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join("");
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns}data:\n${lines}`;
}

/** A Secret document in YAML with stringData. */
export function secretYaml(name: string, stringData: Record<string, string>): string {
  const lines = Object.entries(stringData).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`)
    .join("");
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n${lines}`;
}

/** A minimal Pod manifest as a JS object. */
export function podObject(name: string, image = "busybox:1.36"): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "main", image }] },
  };
}

/** Runs `fn` with a new temp dir and removes the dir after it, also when `fn` throws. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "denolet-config-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Starts `source.run()`, collecting every pod set it sends in `sent` (and passing
 * it to `onSend`); `stop()` aborts the run and resolves when it has ended.
 */
export function startRun(source: PodSource, onSend?: (pods: Pod[]) => void) {
  const sent: Pod[][] = [];
  const ac = new AbortController();
  const running = source.run((pods) => {
    sent.push(pods);
    onSend?.(pods);
  }, ac.signal);
  const stop = () => {
    ac.abort();
    return running;
  };
  return { sent, stop };
}

/**
 * Waits (real time, bounded) until `cond` holds: for real I/O such as inotify
 * events, never for timers.
 */
export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A watcher the test drives: push events, make the next watches fail. With a
 * `capacity`, events pushed while that many are unread are dropped, as Deno's
 * watcher drops them.
 */
export function fakeWatch(capacity = Infinity) {
  const queue: (FsWatchEvent | Error)[] = [];
  let wake: (() => void) | undefined;
  let failures = 0;
  const calls: string[] = [];
  const watchFs: WatchFs = (path, signal) => {
    calls.push(path);
    return (async function* () {
      if (failures > 0) {
        failures--;
        throw new Error("inotify limit reached");
      }
      while (!signal.aborted) {
        const item = queue.shift();
        if (item instanceof Error) throw item;
        if (item) {
          yield item;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    })();
  };
  return {
    watchFs,
    calls,
    push(kind: string, ...paths: string[]) {
      if (queue.length >= capacity) return;
      queue.push({ kind, paths });
      wake?.();
    },
    fail(err: Error) {
      queue.push(err);
      wake?.();
    },
    failNextWatches(n: number) {
      failures = n;
    },
  };
}

/**
 * A FileSource on `path` for node `Node-1` with a fake clock, a memory logger and a
 * fake watch; `warnings()` lists the warnings as `<message> <path>`.
 */
export function fileSource(path: string, options: Partial<FileSourceOptions> = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const logger = createMemoryLogger();
  const watch = fakeWatch();
  const src = new FileSource(path, {
    nodeName: "Node-1",
    clock,
    logger,
    watchFs: watch.watchFs,
    ...options,
  });
  const warnings = () =>
    logger.records.filter((r) => r.severity === "warn").map((r) =>
      `${r.message} ${String(r.fields.path ?? "")}`
    );
  return { src, clock, logger, watch, warnings };
}

/** The pod names of a pod set, in order. */
export const names = (pods: Pod[] | undefined) => (pods ?? []).map((p) => p.metadata?.name);
/** The first container's image of each pod of a pod set, in order. */
export const images = (pods: Pod[] | undefined) =>
  (pods ?? []).map((p) => p.spec?.containers[0].image);
