/** Helpers shared by the pod source tests. */

import type { FsWatchEvent, WatchFs } from "../../src/config/watch_fs.ts";

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

/** A minimal Pod manifest as a JS object. */
export function podObject(name: string, image = "busybox:1.36"): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "main", image }] },
  };
}

/** Creates a temp dir; the caller removes it with `removeTree` in `finally`. */
export function tempDir(): Promise<string> {
  return Deno.makeTempDir({ prefix: "denolet-config-" });
}

/** Removes a temp tree, ignoring a missing one. */
export async function removeTree(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch(() => {});
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

/** A watcher the test drives: push events, make the next watches fail. */
export function fakeWatch() {
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
