/**
 * Byte access to log files: positional reads of an open file (for the
 * backward tail search), whole gzip files decompressed in memory, and
 * forward chunk reads from an offset. Needs `--allow-read` for the files.
 *
 * @module
 */

import type { BackwardSource } from "./_tail.ts";
import type { LogFile } from "./log_files.ts";

/** Bytes per forward read. */
export const CHUNK_BYTES = 64 * 1024;

/** Reads `length` bytes at `position` of `file` (fewer at its end). */
export async function readAt(
  file: Deno.FsFile,
  position: number,
  length: number,
): Promise<Uint8Array> {
  await file.seek(position, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await file.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return out.subarray(0, got);
}

/** An open file read backwards. */
export function fileBackward(file: Deno.FsFile, size: number): BackwardSource {
  return { size, readAt: (p, l) => readAt(file, p, l) };
}

/** Bytes in memory read backwards. */
export function bytesBackward(bytes: Uint8Array): BackwardSource {
  return {
    size: bytes.length,
    readAt: (p, l) => Promise.resolve(bytes.subarray(p, p + l)),
  };
}

/**
 * A rotated file opened to be read backwards: the open file (for the caller
 * to close) or, for a compressed one, its decompressed bytes.
 */
export async function openBackward(
  log: LogFile,
): Promise<{ source: BackwardSource; file?: Deno.FsFile; bytes?: Uint8Array }> {
  if (log.compressed) {
    const bytes = await gunzipFile(log.path);
    return { source: bytesBackward(bytes), bytes };
  }
  const file = await Deno.open(log.path, { read: true });
  try {
    return { source: fileBackward(file, (await file.stat()).size), file };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** The decompressed content of a gzip file. */
export async function gunzipFile(path: string): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  const stream = file.readable.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Forward reads of one file: chunks until null at its (current) end. */
export interface ChunkSource {
  read(): Promise<Uint8Array | null>;
  close(): void;
}

/** Chunks of an open file from its current position; never closes it. */
export function fileChunks(file: Deno.FsFile): ChunkSource {
  return {
    async read() {
      const buf = new Uint8Array(CHUNK_BYTES);
      const n = await file.read(buf);
      return n === null ? null : buf.subarray(0, n);
    },
    close() {},
  };
}

/**
 * Chunks of a rotated file from `offset` (of the decompressed content for
 * a compressed one); undefined when the file is gone (rotated files are
 * compressed and removed behind a reader).
 */
export async function openRotated(
  log: LogFile,
  offset: number,
  memo?: Uint8Array,
): Promise<ChunkSource | undefined> {
  if (log.compressed) {
    let bytes = memo;
    if (!bytes) {
      try {
        bytes = await gunzipFile(log.path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    }
    let done = false;
    return {
      read() {
        if (done) return Promise.resolve(null);
        done = true;
        return Promise.resolve(bytes.subarray(offset));
      },
      close() {},
    };
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(log.path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
  const chunks = fileChunks(file);
  return { read: () => chunks.read(), close: () => file.close() };
}
