/**
 * The one figure format every benchmark prints for `deno task bench`
 * (bench/all.ts): besides its own human tables, a benchmark calls
 * {@linkcode reportFigure} once per figure, which prints one line
 * `BENCH_FIGURE {json}`; bench/all.ts runs every benchmark as a child
 * process, collects those lines and prints one table (figure, now, goal,
 * met, bare-CRI ratio). A benchmark run alone prints the same lines, so
 * its figures read the same either way.
 *
 * @module
 */

/** One measured figure. */
export interface Figure {
  /** What was measured, e.g. "agent RSS idle, 30 pods (containerd)". */
  figure: string;
  /** The measured value, in `unit`. */
  now: number;
  /** e.g. "MiB", "s", "ms", "%", "lines/s", "×". */
  unit: string;
  /** The goal, when there is one: `now` must be `<=` (or `>=`) `value`. */
  goal?: { op: "<=" | ">="; value: number };
  /** The ratio to the bare CRI sequence measured in the same run, when one applies. */
  bareRatio?: number;
  /** Goal on the bare ratio (e.g. ≤ 1.05), when the goal is a ratio. */
  ratioGoal?: number;
  /** Short free text: samples, percentile, what limits it. */
  note?: string;
}

/** The prefix bench/all.ts looks for. */
export const FIGURE_PREFIX = "BENCH_FIGURE ";

/** Whether `f` meets its goals (undefined when it has none). */
export function figureMet(f: Figure): boolean | undefined {
  const checks: boolean[] = [];
  if (f.goal) checks.push(f.goal.op === "<=" ? f.now <= f.goal.value : f.now >= f.goal.value);
  if (f.ratioGoal !== undefined && f.bareRatio !== undefined) {
    checks.push(f.bareRatio <= f.ratioGoal);
  }
  return checks.length === 0 ? undefined : checks.every(Boolean);
}

/** Prints `f` as one `BENCH_FIGURE` line on stdout. */
export function reportFigure(f: Figure): void {
  console.log(FIGURE_PREFIX + JSON.stringify(f));
}

/** The figure of a `BENCH_FIGURE` line, or undefined for any other line. */
export function parseFigureLine(line: string): Figure | undefined {
  if (!line.startsWith(FIGURE_PREFIX)) return undefined;
  try {
    const f = JSON.parse(line.slice(FIGURE_PREFIX.length));
    return typeof f?.figure === "string" && typeof f?.now === "number" ? f as Figure : undefined;
  } catch {
    return undefined;
  }
}
