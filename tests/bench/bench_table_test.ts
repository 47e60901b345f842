import assert from "node:assert/strict";
import { figureMet, parseFigureLine, reportFigure } from "../../bench/_figures.ts";
import { renderTable, tableRows, taskCommand } from "../../bench/all.ts";

Deno.test("a BENCH_FIGURE line round-trips and other lines are not figures", () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    reportFigure({ figure: "rss", now: 60.5, unit: "MiB", goal: { op: "<=", value: 64 } });
  } finally {
    console.log = log;
  }
  assert.deepEqual(parseFigureLine(lines[0]), {
    figure: "rss",
    now: 60.5,
    unit: "MiB",
    goal: { op: "<=", value: 64 },
  });
  assert.equal(parseFigureLine("rss 60 MiB"), undefined);
  assert.equal(parseFigureLine("BENCH_FIGURE {not json"), undefined);
  assert.equal(
    parseFigureLine('BENCH_FIGURE {"figure":"x"}'),
    undefined,
    "no number: not a figure",
  );
});

Deno.test("a figure meets its goal only when the value and the bare ratio both do", () => {
  assert.equal(figureMet({ figure: "x", now: 1, unit: "s" }), undefined);
  assert.equal(
    figureMet({ figure: "x", now: 64, unit: "MiB", goal: { op: "<=", value: 64 } }),
    true,
  );
  assert.equal(
    figureMet({ figure: "x", now: 65, unit: "MiB", goal: { op: "<=", value: 64 } }),
    false,
  );
  assert.equal(
    figureMet({ figure: "x", now: 9, unit: "/s", goal: { op: ">=", value: 10 } }),
    false,
  );
  assert.equal(
    figureMet({ figure: "x", now: 1, unit: "s", bareRatio: 1.2, ratioGoal: 1.1 }),
    false,
  );
  assert.equal(
    figureMet({
      figure: "x",
      now: 1,
      unit: "s",
      goal: { op: "<=", value: 2 },
      bareRatio: 1.04,
      ratioGoal: 1.05,
    }),
    true,
  );
});

Deno.test("the table shows each figure, and a failed or silent benchmark as a row of its own", () => {
  const rows = tableRows([
    {
      bench: "memory",
      code: 0,
      seconds: 1,
      figures: [{ figure: "rss", now: 70, unit: "MiB", goal: { op: "<=", value: 64 } }],
    },
    { bench: "starts", code: 1, seconds: 1, figures: [] },
    { bench: "quiet", code: 0, seconds: 1, figures: [] },
  ]);
  assert.deepEqual(rows[0], ["memory", "rss", "70.0 MiB", "<= 64.0 MiB", "NO", "", ""]);
  assert.equal(rows[1][1], "FAILED (exit 1)");
  assert.equal(rows[2][1], "no figures printed");
  const table = renderTable(["bench", "figure", "now", "goal", "met", "ratio"], rows).split("\n");
  assert.equal(table.length, 5);
  assert.match(table[1], /^-+ {2}-+/);
});

Deno.test("a benchmark's command is its bench:<name> task, string or object form", () => {
  const tasks = { "bench:a": "deno run a.ts", "bench:b": { command: "deno run b.ts" } };
  assert.equal(taskCommand(tasks, "a"), "deno run a.ts");
  assert.equal(taskCommand(tasks, "b"), "deno run b.ts");
  assert.equal(taskCommand(tasks, "c"), undefined);
});
