/**
 * Small measuring helpers of bench/cluster_bench.ts: a TCP connect poll, the
 * counters of a Prometheus text page, the agent's own PID and its resident
 * set sampled over time, and the warnings and errors in its log.
 *
 * Needs `--allow-net=127.0.0.1` (connects) and `--allow-run=cat,ps` (Deno wants
 * --allow-all to read another process's /proc files, so `cat` reads them).
 *
 * @module
 */

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Whether a TCP connect to 127.0.0.1:`port` succeeds (the connection is closed at once). */
export async function tcpConnects(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Tries a TCP connect to `port` every `intervalMs` until one succeeds and
 * resolves with `performance.now()` of that success; rejects after `timeoutMs`.
 */
export async function firstConnect(
  port: number,
  options: { intervalMs?: number; timeoutMs?: number; what?: string } = {},
): Promise<number> {
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  while (true) {
    if (await tcpConnects(port)) return performance.now();
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for a TCP connect to ${options.what ?? `port ${port}`}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
}

/** One sample of a counter: its labels and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of counter `name` in a Prometheus text page (`name{a="b",...} value`). */
export function counterSamples(page: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of page.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf("}");
    const labelText = line.startsWith(`${name}{`) ? line.slice(name.length + 1, close) : "";
    const labels: Record<string, string> = {};
    for (const m of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[m[1]] = m[2];
    }
    const value = Number(line.slice(close + 1).trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) out.push({ labels, value });
  }
  return out;
}

/**
 * `after - before` per key, where `key` names a sample by some of its labels;
 * keys with no change are left out.
 */
export function counterDelta(
  before: Sample[],
  after: Sample[],
  key: (labels: Record<string, string>) => string | undefined,
): Map<string, number> {
  const sum = (samples: Sample[]) => {
    const m = new Map<string, number>();
    for (const s of samples) {
      const k = key(s.labels);
      if (k !== undefined) m.set(k, (m.get(k) ?? 0) + s.value);
    }
    return m;
  };
  const b = sum(before);
  const delta = new Map<string, number>();
  for (const [k, v] of sum(after)) {
    const d = v - (b.get(k) ?? 0);
    if (d !== 0) delta.set(k, d);
  }
  return delta;
}

async function output(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  return new TextDecoder().decode(out.stdout);
}

/**
 * The PID of the agent itself: the process (`launcher` or one of its
 * descendants) whose command line runs main.ts (or the bundle's main.js) with
 * `--root-dir=<rootDir>`.
 * `startAgent` spawns `deno run ... main.ts` directly, but a launcher in
 * between (scripts/run.ts) would be skipped. Needs `--allow-run=cat,ps`.
 */
export async function agentPid(launcher: number, rootDir: string): Promise<number> {
  const queue = [launcher];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const args = (await output("cat", [`/proc/${pid}/cmdline`])).split("\0");
    // main.ts from source, main.js from the agent's bundle (scripts/bundle.ts).
    if (args.some((a) => /\/main\.(ts|js)$/.test(a)) && args.includes(`--root-dir=${rootDir}`)) {
      return pid;
    }
    const children = await output("ps", ["-o", "pid=", "--ppid", String(pid)]);
    queue.push(...children.split(/\s+/).filter((s) => s !== "").map(Number));
  }
  throw new Error(`No process running main.ts --root-dir=${rootDir} under PID ${launcher}`);
}

/** `VmRSS` and `VmHWM` of `pid` from `/proc/<pid>/status`, in KiB. Needs `--allow-run=cat`. */
export async function residentKiB(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await output("cat", [`/proc/${pid}/status`]);
  const field = (name: string) => {
    const m = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
    if (!m) throw new Error(`No ${name} in /proc/${pid}/status (is the process gone?)`);
    return Number(m[1]);
  };
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** How often the resident set is sampled while idle. */
export const RSS_EVERY_MS = 5_000;

/** One VmRSS sample, KiB, `atMs` after the first. */
export interface RssSample {
  atMs: number;
  rss: number;
  hwm: number;
}

/** Samples the agent's VmRSS every {@linkcode RSS_EVERY_MS} from now until `totalMs`. */
export async function rssOver(pid: number, totalMs: number): Promise<RssSample[]> {
  const t0 = performance.now();
  const out: RssSample[] = [];
  for (let at = 0; at <= totalMs; at += RSS_EVERY_MS) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + at - performance.now())));
    out.push({ atMs: at, ...(await residentKiB(pid)) });
  }
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + totalMs - performance.now())));
  return out;
}

/** Median, min and max VmRSS (KiB) of the samples up to `untilMs`, and the last peak. */
export function rssSummary(samples: RssSample[], untilMs: number) {
  const kib = samples.filter((s) => s.atMs <= untilMs).map((s) => s.rss);
  return {
    median: median(kib),
    min: Math.min(...kib),
    max: Math.max(...kib),
    peak: samples.filter((s) => s.atMs <= untilMs).at(-1)!.hwm,
    count: kib.length,
  };
}

/** KiB as MiB with one decimal. */
export const mib = (kib: number): number => Number((kib / 1024).toFixed(1));

/**
 * The agent's warning and error lines (text format: `W0102 ...`, `E0102 ...`),
 * grouped by their message without the time stamp and fields, with counts.
 */
export function warningsAndErrors(log: string): { line: string; count: number }[] {
  const seen = new Map<string, { line: string; count: number }>();
  for (const line of log.split("\n")) {
    if (!/^[WE]\d{4} /.test(line)) continue;
    // The severity letter and the message: up to the first ` key=` field.
    const message = line.slice(0, 1) + line.replace(/^\S+ \S+ /, " ").replace(/ \w+=.*$/, "");
    const entry = seen.get(message);
    if (entry) entry.count++;
    else seen.set(message, { line, count: 1 });
  }
  return [...seen.values()];
}
