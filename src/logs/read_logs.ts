/**
 * A container's log as the kubelet serves it, into a sink
 * ({@linkcode copyContainerLogs}) or as a `ReadableStream` for an HTTP body
 * ({@linkcode readContainerLogs}): the steps of {@linkcode ContainerLogReader}
 * repeated, with a follow polling on the injected clock until the container
 * stops, the limit is reached or the client goes away.
 *
 * Needs `--allow-read` for the log directory.
 *
 * @module
 */

import { RealClock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { nullLogger } from "../util/logger.ts";
import { ContainerLogReader, type LogSink, type ReadLogsOptions } from "./container_log_reader.ts";

export { ContainerLogReader };
export type { LogSink, PollResult, ReadLogsOptions } from "./read_logs_options.ts";

/**
 * Reads the log at `path` (with its rotated files) or `paths` (oldest
 * first, the live file last) into `sink`, following when asked. Resolves
 * when the read is over; rejects when the live file cannot be opened or
 * read (the kubelet's message), or with what the sink threw.
 */
export async function copyContainerLogs(
  path: string | readonly string[],
  options: ReadLogsOptions,
  sink: LogSink,
): Promise<void> {
  const reader = await ContainerLogReader.open(path, options, sink);
  const clock = options.clock ?? new RealClock();
  const interval = options.pollIntervalMs ?? 250;
  try {
    await reader.start();
    while (!reader.ended && !options.signal?.aborted) {
      const step = await reader.poll();
      if (step === "ended") break;
      if (step === "idle") {
        try {
          await clock.sleep(interval, options.signal);
        } catch {
          break; // aborted
        }
      }
    }
  } finally {
    reader.close();
  }
}

/**
 * The log at `path` (or `paths`) as a stream of bytes, read as the client
 * reads it (backpressure). Cancelling the stream or aborting
 * `options.signal` ends the read. A failure after the stream began (the
 * live file cannot be opened, a read error) is written into the stream as
 * its last line of text, as the kubelet does once its 200 is sent, and
 * logged; the stream then closes.
 */
export function readContainerLogs(
  path: string | readonly string[],
  options: ReadLogsOptions = {},
): ReadableStream<Uint8Array> {
  const logger = options.logger ?? nullLogger;
  const cancel = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
  let wake: (() => void) | undefined;
  const release = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  signal.addEventListener("abort", release, { once: true });
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const sink = async (chunk: Uint8Array) => {
        if (signal.aborted) return;
        controller.enqueue(chunk);
        while ((controller.desiredSize ?? 1) <= 0 && !signal.aborted) {
          await new Promise<void>((resolve) => (wake = resolve));
        }
      };
      copyContainerLogs(path, { ...options, signal }, sink).catch((e) => {
        if (signal.aborted) return;
        const path0 = typeof path === "string" ? path : path[path.length - 1];
        logger.warn("Cannot read container log", { path: path0, err: e });
        try {
          controller.enqueue(new TextEncoder().encode(errText(e)));
        } catch {
          // cancelled meanwhile
        }
      }).finally(() => {
        signal.removeEventListener("abort", release);
        try {
          controller.close();
        } catch {
          // cancelled: nothing to close
        }
      });
    },
    pull() {
      release();
    },
    cancel() {
      cancel.abort();
      release();
    },
  }, { highWaterMark: 4 });
}
