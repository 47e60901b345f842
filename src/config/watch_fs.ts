/**
 * The file watcher the static pod source uses, as an injectable function so tests
 * can drive events deterministically.
 *
 * @module
 */

/** One file system event, as `Deno.FsEvent` carries it. */
export interface FsWatchEvent {
  kind: string;
  paths: string[];
}

/**
 * Watches a directory (without recursion) until `signal` aborts, then ends. A
 * failure is thrown from the iteration.
 */
export type WatchFs = (path: string, signal: AbortSignal) => AsyncIterable<FsWatchEvent>;

/**
 * The default {@linkcode WatchFs}: `Deno.watchFs(path, { recursive: false })`,
 * closed when `signal` aborts.
 *
 * Requires `--allow-read` for `path`.
 */
export function denoWatchFs(path: string, signal: AbortSignal): AsyncIterable<FsWatchEvent> {
  return (async function* () {
    if (signal.aborted) return;
    const watcher = Deno.watchFs(path, { recursive: false });
    const close = () => {
      try {
        watcher.close();
      } catch { /* already closed */ }
    };
    signal.addEventListener("abort", close, { once: true });
    try {
      for await (const event of watcher) yield { kind: event.kind, paths: event.paths };
    } finally {
      signal.removeEventListener("abort", close);
      close();
    }
  })();
}
