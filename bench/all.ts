/**
 * `deno task bench`: runs every benchmark, one after another (they measure
 * time and CPU, so never two at once), each as its own child process with
 * the permissions its `bench:<name>` task gives it, collects the
 * `BENCH_FIGURE` lines they print (bench/_figures.ts) and prints one table:
 * figure, now, goal, whether it is met, and the ratio to the bare CRI
 * sequence measured in the same run where one applies.
 *
 * A benchmark's own output goes to stderr as it runs (so a long run shows
 * progress); a benchmark that fails or prints no figure is a row saying so,
 * and the exit code is 1 — a goal not met is shown, not an error.
 *
 * ```sh
 * deno task bench [--only memory,starts] [--skip cluster] [--json out.json]
 * ```
 *
 * Each benchmark stays runnable alone (`deno task bench:<name>`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Figure, figureMet, parseFigureLine } from "./_figures.ts";

/** One benchmark: its task name in deno.json and the arguments `deno task bench` gives it. */
interface Bench {
  name: string;
  args?: string[];
}

/** Every benchmark, in the order they run (cheap library ones first). */
export const BENCHES: readonly Bench[] = [
  { name: "logs" },
  { name: "config" },
  { name: "probe" },
  { name: "cri" },
  { name: "memory" },
  { name: "starts" },
  { name: "reaction" },
  { name: "pods" },
  { name: "exec" },
  { name: "kubectl-logs" },
  { name: "cluster" },
];

interface Outcome {
  bench: string;
  figures: Figure[];
  code: number;
  seconds: number;
}

/** The `deno run ...` command of a `bench:<name>` task, from deno.json. */
export function taskCommand(tasks: Record<string, unknown>, name: string): string | undefined {
  const task = tasks[`bench:${name}`];
  const command = typeof task === "string"
    ? task
    : (task as { command?: unknown } | undefined)?.command;
  return typeof command === "string" ? command : undefined;
}

async function runBench(command: string, extra: readonly string[]): Promise<Outcome> {
  const started = performance.now();
  const child = new Deno.Command("sh", {
    args: ["-c", `${command} "$@"`, "bench", ...extra],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const figures: Figure[] = [];
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const figure = parseFigureLine(line);
      if (figure) figures.push(figure);
      else console.error(line);
    }
  }
  const status = await child.status;
  return { bench: "", figures, code: status.code, seconds: (performance.now() - started) / 1000 };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 100
    ? n.toFixed(0)
    : abs >= 10
    ? n.toFixed(1)
    : abs >= 1
    ? n.toFixed(2)
    : n.toFixed(3);
}

/** The table's rows: one per figure, and one per benchmark that failed or printed none. */
export function tableRows(outcomes: readonly Outcome[]): string[][] {
  const rows: string[][] = [];
  for (const o of outcomes) {
    if (o.code !== 0 || o.figures.length === 0) {
      rows.push([
        o.bench,
        o.code !== 0 ? `FAILED (exit ${o.code})` : "no figures printed",
        "",
        "",
        "",
        "",
        "",
      ]);
    }
    for (const f of o.figures) {
      const met = figureMet(f);
      const goal = f.goal ? `${f.goal.op} ${fmt(f.goal.value)} ${f.unit}` : "";
      const ratio = f.bareRatio === undefined
        ? ""
        : `${fmt(f.bareRatio)}×${f.ratioGoal !== undefined ? ` (≤ ${fmt(f.ratioGoal)})` : ""}`;
      rows.push([
        o.bench,
        f.figure,
        `${fmt(f.now)} ${f.unit}`,
        goal,
        met === undefined ? "" : met ? "yes" : "NO",
        ratio,
        f.note ?? "",
      ]);
    }
  }
  return rows;
}

/** `rows` under `header` as an aligned text table. */
export function renderTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (c ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      only: { type: "string" },
      skip: { type: "string" },
      json: { type: "string" },
    },
  });
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { tasks: Record<string, unknown> };
  const only = values.only ? new Set(values.only.split(",")) : undefined;
  const skip = new Set(values.skip ? values.skip.split(",") : []);
  const selected = BENCHES.filter((b) => (!only || only.has(b.name)) && !skip.has(b.name));
  const unknown = [...(only ?? []), ...skip].filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark(s): ${unknown.join(", ")}; known: ${BENCHES.map((b) => b.name)}`,
    );
    Deno.exit(1);
  }
  const outcomes: Outcome[] = [];
  for (const b of selected) {
    const command = taskCommand(config.tasks, b.name);
    if (!command) {
      outcomes.push({ bench: b.name, figures: [], code: 127, seconds: 0 });
      console.error(`== bench:${b.name}: no such task in deno.json`);
      continue;
    }
    console.error(`== bench:${b.name}`);
    const o = await runBench(command.replace(/^deno /, `${Deno.execPath()} `), b.args ?? []);
    o.bench = b.name;
    console.error(`== bench:${b.name}: exit ${o.code}, ${o.seconds.toFixed(0)} s`);
    outcomes.push(o);
  }
  console.log(
    renderTable(
      ["bench", "figure", "now", "goal", "met", "bare ratio (goal)"],
      tableRows(outcomes),
    ),
  );
  const all = outcomes.flatMap((o) => o.figures);
  const met = all.filter((f) => figureMet(f) === true).length;
  const missed = all.filter((f) => figureMet(f) === false).length;
  console.log(
    `\n${all.length} figures: ${met} goals met, ${missed} missed; ` +
      `${outcomes.filter((o) => o.code !== 0).length} benchmark(s) failed; ` +
      `${outcomes.reduce((s, o) => s + o.seconds, 0).toFixed(0)} s`,
  );
  if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(outcomes, null, 2));
  Deno.exit(outcomes.some((o) => o.code !== 0) ? 1 : 0);
}
