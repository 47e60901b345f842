/**
 * Container log benchmark (src/logs). Prints:
 * 1. lines/s reading a 100,000-line CRI log (10% of the entries split into
 *    partial lines) whole, with timestamps, and through the ReadableStream an
 *    HTTP body uses; and the time of `tailLines=100` of it;
 * 2. lines/s a follow delivers while a writer appends 100,000 lines in
 *    batches, and the latency from a line appended to an idle follow to its
 *    delivery (p50/max over 20 lines; at most the poll interval).
 *
 * Run: deno run --allow-read --allow-write bench/logs_bench.ts
 * (read/write for the temp directory it creates and removes).
 *
 * @module
 */

import { copyContainerLogs, readContainerLogs } from "../src/logs/read_logs.ts";
import { RealClock } from "../src/util/clock.ts";
import { reportFigure } from "./_figures.ts";

const LINES = 100_000;
const clock = new RealClock();

function stamp(i: number): string {
  const ms = Date.UTC(2026, 11, 1) + i;
  return new Date(ms).toISOString().replace("Z", "123456Z");
}

/** `count` entries from `from`, every tenth split into two partial parts. */
function entries(from: number, count: number): string {
  let out = "";
  for (let i = from; i < from + count; i++) {
    const text = `line ${i} of the benchmark log, with some words to make it realistic`;
    if (i % 10 === 0) {
      out += `${stamp(i)} stdout P ${text.slice(0, 20)}\n${stamp(i)} stdout F ${text.slice(20)}\n`;
    } else {
      out += `${stamp(i)} ${i % 7 === 0 ? "stderr" : "stdout"} F ${text}\n`;
    }
  }
  return out;
}

function rate(lines: number, ms: number): string {
  return `${Math.round(lines / (ms / 1000)).toLocaleString("en-US")} lines/s (${ms.toFixed(0)} ms)`;
}

async function timeCopy(path: string, options: Parameters<typeof copyContainerLogs>[1]) {
  let bytes = 0;
  const t0 = performance.now();
  await copyContainerLogs(path, options, (c) => void (bytes += c.length));
  return { ms: performance.now() - t0, bytes };
}

async function countLines(stream: ReadableStream<Uint8Array>, want: number, onLine?: () => void) {
  const reader = stream.getReader();
  let lines = 0;
  while (lines < want) {
    const r = await reader.read();
    if (r.done) break;
    for (const b of r.value) {
      if (b === 0x0a) {
        lines++;
        onLine?.();
      }
    }
  }
  await reader.cancel();
  return lines;
}

const dir = await Deno.makeTempDir({ prefix: "denolet-logs-bench-" });
try {
  const path = `${dir}/0.log`;
  await Deno.writeTextFile(path, entries(0, LINES));
  const size = (await Deno.stat(path)).size;
  console.log(`log file: ${LINES.toLocaleString("en-US")} entries, ${(size / 1e6).toFixed(1)} MB`);

  await timeCopy(path, {}); // warm-up
  const whole = await timeCopy(path, {});
  console.log(
    `read whole:            ${rate(LINES, whole.ms)}, ${(whole.bytes / 1e6).toFixed(1)} MB out`,
  );
  reportFigure({
    figure: "container log read (CRI format, 10% partial lines)",
    now: LINES / (whole.ms / 1000),
    unit: "lines/s",
  });
  const ts = await timeCopy(path, { timestamps: true });
  console.log(`read with timestamps:  ${rate(LINES, ts.ms)}`);
  const t0 = performance.now();
  const streamed = await countLines(readContainerLogs(path), LINES);
  console.log(`read as a stream:      ${rate(streamed, performance.now() - t0)}`);
  const tail = await timeCopy(path, { tailLines: 100 });
  console.log(`tailLines=100:         ${tail.ms.toFixed(2)} ms`);

  for (const pollIntervalMs of [100, 250]) {
    const live = `${dir}/follow-${pollIntervalMs}.log`;
    await Deno.writeTextFile(live, "");
    const abort = new AbortController();
    const stream = readContainerLogs(live, {
      follow: true,
      clock,
      pollIntervalMs,
      signal: abort.signal,
    });
    const f0 = performance.now();
    const got = countLines(stream, LINES);
    for (let i = 0; i < LINES; i += 1000) {
      await Deno.writeTextFile(live, entries(i, 1000), { append: true });
    }
    const delivered = await got;
    const followMs = performance.now() - f0;
    if (pollIntervalMs === 250) {
      reportFigure({
        figure: "logs -f throughput (follow, default 250 ms poll)",
        now: delivered / (followMs / 1000),
        unit: "lines/s",
      });
    }
    console.log(
      `follow (poll ${pollIntervalMs} ms), appended in 1,000-line batches: ${
        rate(delivered, followMs)
      }`,
    );

    const lat: number[] = [];
    const live2 = `${dir}/latency-${pollIntervalMs}.log`;
    await Deno.writeTextFile(live2, "");
    const reader = readContainerLogs(live2, { follow: true, clock, pollIntervalMs }).getReader();
    for (let i = 0; i < 20; i++) {
      // Let the follow go idle first, as a quiet container's does.
      await clock.sleep(pollIntervalMs + 7 * i);
      const w0 = performance.now();
      await Deno.writeTextFile(live2, entries(i, 1), { append: true });
      await reader.read();
      lat.push(performance.now() - w0);
    }
    await reader.cancel();
    abort.abort();
    lat.sort((a, b) => a - b);
    if (pollIntervalMs === 250) {
      reportFigure({
        figure: "logs -f idle line → delivery p50 (250 ms poll)",
        now: lat[10],
        unit: "ms",
        note: `max ${lat[19].toFixed(0)} ms`,
      });
    }
    console.log(
      `  append → delivery latency: p50 ${lat[10].toFixed(1)} ms, max ${lat[19].toFixed(1)} ms`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
