/**
 * The steps of reading one container instance's log the way the kubelet
 * serves `/containerLogs` (kubelet's kuberuntime/logs ReadLogs): CRI log
 * lines parsed and joined, the last `tailLines` entries counted across the
 * rotated files, entries older than `since` left out, the RFC3339NanoFixed
 * timestamp prefix with `timestamps`, the output cut at `limitBytes`, and
 * with `follow` the lines appended afterwards, until the container stops
 * running (after what it wrote last is read) or the client goes away.
 *
 * Following polls the live file on the injected clock: a file renamed away
 * and recreated (rotation) is read to its end and the new one read from its
 * start; a file that shrank (copytruncate) is read again from its start.
 *
 * {@linkcode ContainerLogReader} has the steps (`start()`, `poll()`) tests
 * drive; read_logs.ts repeats them on a clock into a sink or a stream.
 * Needs `--allow-read` for the log directory.
 *
 * @module
 */

import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { parseCriLogLine } from "./cri_log.ts";
import { CriLogJoiner, type LogEntry } from "./cri_log_joiner.ts";
import {
  type ChunkSource,
  fileBackward,
  fileChunks,
  openBackward,
  openRotated,
} from "./_file_source.ts";
import { LineSplitter } from "./_line_splitter.ts";
import { LogWriter } from "./_log_writer.ts";
import { findTailStart, type LogPosition } from "./_tail.ts";
import { listLogFiles, type LogFile, logFilesOf } from "./log_files.ts";
import type { LogSink, PollResult, ReadLogsOptions } from "./read_logs_options.ts";

export type { LogSink, PollResult, ReadLogsOptions };

interface Live {
  file: Deno.FsFile;
  ino: number | null;
  dev: number;
  pos: number;
}

async function statOf(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch {
    return undefined;
  }
}

/** One container instance's log read into a sink, step by step. */
export class ContainerLogReader {
  readonly #files: LogFile[];
  readonly #path: string;
  readonly #o: ReadLogsOptions;
  readonly #sink: LogSink;
  readonly #logger: Logger;
  readonly #maxLine: number;
  readonly #splitter: LineSplitter;
  readonly #joiner: CriLogJoiner;
  readonly #writer: LogWriter;
  #entries: LogEntry[] = [];
  #live: Live;
  #left: number;
  #ended = false;
  #bad = 0;

  private constructor(files: LogFile[], live: Live, options: ReadLogsOptions, sink: LogSink) {
    this.#files = files;
    this.#path = files[files.length - 1].path;
    this.#o = options;
    this.#sink = sink;
    this.#logger = options.logger ?? nullLogger;
    this.#maxLine = options.maxLineBytes ?? 1 << 20;
    this.#splitter = new LineSplitter(this.#maxLine + 256);
    this.#joiner = new CriLogJoiner({ maxLineBytes: this.#maxLine });
    this.#writer = new LogWriter({
      timestamps: options.timestamps ?? false,
      limitBytes: options.limitBytes ?? Infinity,
      since: options.since,
    });
    this.#live = live;
    const tail = options.tailLines ?? -1;
    this.#left = tail >= 0 && !options.follow ? tail : Infinity;
  }

  /**
   * Opens the live log file: `path` (its rotated files found beside it) or
   * `paths`, oldest first, the last the live one. Rejects with the kubelet's
   * "failed to open log file" message when the live file cannot be opened.
   */
  static async open(
    path: string | readonly string[],
    options: ReadLogsOptions,
    sink: LogSink,
  ): Promise<ContainerLogReader> {
    const files = typeof path === "string" ? await listLogFiles(path) : logFilesOf(path);
    const livePath = files[files.length - 1].path;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(livePath, { read: true });
    } catch (e) {
      throw new Error(`failed to open log file "${livePath}": ${errText(e)}`);
    }
    const info = await file.stat();
    return new ContainerLogReader(
      files,
      { file, ino: info.ino, dev: info.dev, pos: info.size },
      options,
      sink,
    );
  }

  /** True once the read is over (end of a non-follow read, limit, stop, abort). */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Gives out what the files hold now, from the tail start to the live
   * file's end. Without `follow` this ends the read.
   */
  async start(): Promise<void> {
    const tail = this.#o.tailLines ?? -1;
    const last = this.#files.length - 1;
    const gz = new Map<number, Uint8Array>();
    let start: LogPosition = { file: 0, offset: 0 };
    if (tail === 0 && !this.#o.follow) return this.#end();
    if (tail >= 0) start = await this.#tailStart(tail, gz);
    for (let i = start.file; i < last && !this.#stopped(); i++) {
      await this.#readRotated(i, i === start.file ? start.offset : 0, gz.get(i));
    }
    const offset = start.file === last ? start.offset : 0;
    await this.#live.file.seek(offset, Deno.SeekMode.Start);
    this.#live.pos = offset;
    await this.#drain();
    if (!this.#o.follow) await this.#finish();
  }

  /**
   * One follow step: reads what was appended ("data"); at the end of the
   * file, moves to a recreated file or back to the start of a truncated one
   * ("data"), ends when the container no longer runs ("ended"), else
   * "idle" (poll again later).
   */
  async poll(): Promise<PollResult> {
    if (this.#stopped()) {
      this.#end();
      return "ended";
    }
    if (await this.#drain()) return this.#ended ? "ended" : "data";
    const now = await statOf(this.#path);
    if (
      now && this.#live.ino !== null && (now.ino !== this.#live.ino || now.dev !== this.#live.dev)
    ) {
      if (await this.#reopen()) return "data";
    }
    const open = await this.#live.file.stat();
    if (open.size < this.#live.pos) {
      await this.#live.file.seek(0, Deno.SeekMode.Start);
      this.#live.pos = 0;
      this.#splitter.reset();
      this.#joiner.reset();
      return "data";
    }
    if (!(await (this.#o.isRunning ?? (() => true))())) {
      await this.#drain();
      await this.#finish();
      return "ended";
    }
    return "idle";
  }

  /** Closes the live file. */
  close(): void {
    this.#end();
    try {
      this.#live.file.close();
    } catch {
      // already closed
    }
  }

  #stopped(): boolean {
    return this.#ended || (this.#o.signal?.aborted ?? false);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const bad = this.#bad + this.#splitter.dropped;
    if (bad > 0) {
      this.#logger.warn("Skipped log lines not in the CRI log format", {
        path: this.#path,
        lines: bad,
      });
    }
  }

  async #tailStart(tail: number, gz: Map<number, Uint8Array>): Promise<LogPosition> {
    const last = this.#files.length - 1;
    const opened: Deno.FsFile[] = [];
    try {
      return await findTailStart(
        this.#files.length,
        async (i) => {
          if (i === last) return fileBackward(this.#live.file, this.#live.pos);
          try {
            const { source, file, bytes } = await openBackward(this.#files[i]);
            if (file) opened.push(file);
            if (bytes) gz.set(i, bytes);
            return source;
          } catch (e) {
            this.#logger.warn("Cannot read rotated log file", {
              path: this.#files[i].path,
              err: e,
            });
            return undefined;
          }
        },
        tail,
        this.#maxLine + 256,
      );
    } finally {
      for (const f of opened) f.close();
    }
  }

  async #readRotated(i: number, offset: number, memo: Uint8Array | undefined): Promise<void> {
    let src: ChunkSource | undefined;
    try {
      src = await openRotated(this.#files[i], offset, memo);
    } catch (e) {
      this.#logger.warn("Cannot read rotated log file", { path: this.#files[i].path, err: e });
      return;
    }
    if (!src) return;
    try {
      for (let chunk = await src.read(); chunk && !this.#stopped(); chunk = await src.read()) {
        this.#splitter.push(chunk, this.#onLine);
        await this.#emit();
      }
      // A rotated file is complete: its last line ends with it.
      this.#splitter.end(this.#onLine);
      await this.#emit();
    } finally {
      src.close();
    }
  }

  /** Reads the live file to its current end; true when bytes were read. */
  async #drain(): Promise<boolean> {
    const chunks = fileChunks(this.#live.file);
    let any = false;
    while (!this.#stopped()) {
      const chunk = await chunks.read();
      if (!chunk) break;
      any = true;
      this.#live.pos += chunk.length;
      this.#splitter.push(chunk, this.#onLine);
      await this.#emit();
    }
    return any;
  }

  /** Moves to the file now at the path; false when it cannot be opened (yet). */
  async #reopen(): Promise<boolean> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.#path, { read: true });
    } catch {
      return false;
    }
    const info = await file.stat();
    // The old file ended with a whole line; a partial entry goes on in the new one.
    this.#splitter.end(this.#onLine);
    try {
      this.#live.file.close();
    } catch {
      // already closed
    }
    this.#live = { file, ino: info.ino, dev: info.dev, pos: 0 };
    await this.#emit();
    return true;
  }

  async #finish(): Promise<void> {
    this.#splitter.end(this.#onLine);
    this.#joiner.flush(this.#entries);
    await this.#emit();
    this.#end();
  }

  #onLine = (raw: Uint8Array): void => {
    const line = parseCriLogLine(raw);
    if (!line) {
      this.#bad++;
      return;
    }
    if (this.#o.stream && line.stream !== this.#o.stream) return;
    this.#joiner.push(line, this.#entries);
  };

  async #emit(): Promise<void> {
    const entries = this.#entries;
    this.#entries = [];
    for (const e of entries) {
      if (this.#ended || this.#left <= 0) break;
      const more = this.#writer.write(e);
      // Entries count when complete; pieces of an overlong line do not.
      if (e.content[e.content.length - 1] === 0x0a) this.#left--;
      if (!more || this.#left <= 0) {
        const out = this.#writer.take();
        if (out) await this.#sink(out);
        this.#end();
        return;
      }
    }
    const out = this.#writer.take();
    if (out) await this.#sink(out);
  }
}
