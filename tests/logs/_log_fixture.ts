/** Helpers of the container log tests: CRI log lines, temp log dirs, collecting sinks. */

import { flush } from "../../src/util/clock.ts";

/** A CRI log line at second `s` (plus `nanos`) of 2026-12-01T00:00 UTC. */
export function criLine(
  s: number,
  stream: "stdout" | "stderr",
  tag: "F" | "P",
  content: string,
  nanos = 0,
): string {
  const ss = String(s).padStart(2, "0");
  const frac = nanos ? `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}` : "";
  return `2026-12-01T00:00:${ss}${frac}Z ${stream} ${tag} ${content}\n`;
}

/** Full stdout lines `prefix0`..`prefix(n-1)` at seconds `from`.. . */
export function fullLines(n: number, prefix = "line", from = 0): string {
  let out = "";
  for (let i = 0; i < n; i++) out += criLine((from + i) % 60, "stdout", "F", `${prefix}${i}`);
  return out;
}

/** The ms of second `s` of 2026-12-01T00:00 UTC. */
export function msAt(s: number): number {
  return Date.UTC(2026, 11, 1, 0, 0, s);
}

/** A temp dir removed when disposed. */
export async function tempLogDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "denolet-logs-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A sink that keeps what it got as text. */
export function textSink(): { sink: (c: Uint8Array) => void; text: () => string } {
  const parts: Uint8Array[] = [];
  const dec = new TextDecoder();
  return {
    sink: (c) => void parts.push(c.slice()),
    text: () => parts.map((p) => dec.decode(p, { stream: true })).join(""),
  };
}

/** Waits (in event-loop turns, not time) until `cond()` holds; throws after `turns`. */
export async function until(cond: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await flush();
  }
  throw new Error("condition not reached");
}

/** Gzip-compresses `text`. */
export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
