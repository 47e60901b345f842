import assert from "node:assert/strict";
import { createLogger, MAX_LOG_VALUE_BYTES } from "../../src/util/logger.ts";

Deno.test("createLogger() writes klog-style text lines and honours --v", () => {
  const lines: string[] = [];
  const log = createLogger({
    verbosity: 2,
    now: () => Date.UTC(2026, 10, 23, 17, 40, 58, 123),
    sink: (l) => lines.push(l),
  });
  log.info("Pod added", { pod: "default/web", containers: 2 });
  log.debug(2, "shown");
  log.debug(3, "hidden");
  log.warn("Bad file", { path: "/etc/k 8s/a.yaml" });
  assert.deepEqual(lines, [
    "I1123 17:40:58.123 Pod added pod=default/web containers=2",
    "I1123 17:40:58.123 shown",
    'W1123 17:40:58.123 Bad file path="/etc/k 8s/a.yaml"',
  ]);
});

Deno.test("createLogger() writes one JSON object per line in json format", () => {
  const lines: string[] = [];
  const log = createLogger({ format: "json", now: () => 1_000, sink: (l) => lines.push(l) });
  log.error("Sync failed", { err: new Error("boom") });
  assert.deepEqual(JSON.parse(lines[0]), {
    ts: 1,
    level: "error",
    v: 0,
    msg: "Sync failed",
    err: "boom",
  });
});

const CONTROLS: [string, string][] = [
  ["newline", "\n"],
  ["carriage return", "\r"],
  ["tab", "\t"],
  ["NUL", "\u0000"],
  ["escape (C0)", "\u001b"],
  ["DEL", "\u007f"],
  ["NEL (C1)", "\u0085"],
  ["CSI (C1)", "\u009b"],
  ["line separator", "\u2028"],
  ["paragraph separator", "\u2029"],
];
// deno-lint-ignore no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function textLines(fn: (log: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  fn(createLogger({ verbosity: 10, now: () => 0, sink: (l) => lines.push(l) }));
  return lines;
}

function jsonLines(fn: (log: ReturnType<typeof createLogger>) => void): string[] {
  const lines: string[] = [];
  fn(createLogger({ verbosity: 10, format: "json", now: () => 0, sink: (l) => lines.push(l) }));
  return lines;
}

Deno.test("createLogger() text: a newline in a file name cannot forge a log line", () => {
  const name = "a\nE1201 00:00:00.000 FORGED LOG LINE.yaml";
  const [line] = textLines((log) => log.error("Cannot parse manifest", { path: name }));
  assert.equal(
    line,
    'E0101 00:00:00.000 Cannot parse manifest path="a\\nE1201 00:00:00.000 FORGED LOG LINE.yaml"',
  );
});

Deno.test("createLogger() escapes every control character in message, keys and values", async (t) => {
  for (const [name, c] of CONTROLS) {
    await t.step(`text: ${name}`, () => {
      const lines = textLines((log) => {
        log.info(`msg${c}x`, {
          [`k${c}`]: `v${c}x`,
          err: new Error(`e${c}x`),
          obj: { s: `o${c}` },
        });
        log.warn("plain", { pod: `p${c}` });
        log.debug(1, `debug${c}`, { n: 1 });
      });
      assert.equal(lines.length, 3);
      for (const l of lines) assert.doesNotMatch(l, RAW_CONTROL, JSON.stringify(l));
      // A value with a control character is quoted, with JSON's escapes.
      assert.match(lines[0], /="v\\[ntru]/, lines[0]);
    });
    await t.step(`json: ${name}`, () => {
      const lines = jsonLines((log) => {
        log.error(`msg${c}x`, {
          [`k${c}`]: `v${c}x`,
          err: new Error(`e${c}x`),
          obj: { s: `o${c}` },
        });
      });
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0], RAW_CONTROL, lines[0]);
      // Still valid JSON with the original text.
      const parsed = JSON.parse(lines[0]);
      assert.equal(parsed.msg, `msg${c}x`);
      assert.equal(parsed[`k${c}`], `v${c}x`);
      assert.equal(parsed.err, `e${c}x`);
      assert.deepEqual(parsed.obj, { s: `o${c}` });
    });
  }
});

Deno.test("createLogger() text: the exact escapes of a value and of the message", () => {
  const lines = textLines((log) => {
    log.info("line1\nline2\ttab", { v: "a\r\n\u0000\u007f\u0085\u2028b" });
  });
  assert.equal(
    lines[0],
    'I0101 00:00:00.000 line1\\nline2\\ttab v="a\\r\\n\\u0000\\u007f\\u0085\\u2028b"',
  );
});

Deno.test("createLogger() cuts a value over 1 KiB and says how many bytes were cut", async (t) => {
  const long = "x".repeat(70_000);
  await t.step("text", () => {
    const [line] = textLines((log) => log.error("Error syncing pod, skipping", { err: long }));
    assert.ok(line.length < 1200, `line of ${line.length} chars`);
    assert.ok(line.endsWith(` err="${"x".repeat(MAX_LOG_VALUE_BYTES)}...[68976 bytes cut]"`));
  });
  await t.step("json", () => {
    const [line] = jsonLines((log) => log.error("failed", { err: new Error(long) }));
    const parsed = JSON.parse(line);
    assert.equal(parsed.err, `${"x".repeat(1024)}...[68976 bytes cut]`);
  });
  await t.step("the message too", () => {
    const [line] = textLines((log) => log.info(long));
    assert.ok(line.endsWith("...[68976 bytes cut]"), line.slice(-40));
  });
  await t.step("a long object value becomes cut JSON text", () => {
    const [line] = jsonLines((log) => log.info("m", { list: Array(1000).fill("abc") }));
    const parsed = JSON.parse(line);
    assert.equal(typeof parsed.list, "string");
    assert.match(parsed.list, /^\["abc","abc".*\.\.\.\[\d+ bytes cut\]$/);
  });
  await t.step("never inside a multi-byte character", () => {
    const [line] = textLines((log) => log.info("m", { v: "é".repeat(600) })); // 1200 bytes
    assert.ok(line.endsWith(` v="${"é".repeat(512)}...[176 bytes cut]"`), line.slice(-40));
  });
  await t.step("short values are untouched", () => {
    const [line] = textLines((log) => log.info("m", { v: "y".repeat(1024) }));
    assert.ok(line.endsWith(` v=${"y".repeat(1024)}`));
  });
});

Deno.test("createLogger() never throws on values JSON cannot write", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const format of ["text", "json"] as const) {
    const lines: string[] = [];
    const log = createLogger({ format, now: () => 0, sink: (l) => lines.push(l) });
    log.info("odd values", { big: 10n, cyclic, none: undefined, n: NaN });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /10/);
  }
});
