import assert from "node:assert/strict";
import { parseCriLogLine } from "../../src/logs/cri_log.ts";
import { CriLogJoiner, type LogEntry } from "../../src/logs/cri_log_joiner.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const parse = (s: string) => parseCriLogLine(enc.encode(s));

function join(
  lines: string[],
  maxLineBytes?: number,
): { entries: LogEntry[]; joiner: CriLogJoiner } {
  const joiner = new CriLogJoiner({ maxLineBytes });
  const entries: LogEntry[] = [];
  for (const l of lines) joiner.push(parse(l)!, entries);
  return { entries, joiner };
}

const text = (e: LogEntry) => dec.decode(e.content);

Deno.test("CriLogJoiner joins P lines with the F line that ends them, with the first part's time", () => {
  const { entries } = join([
    "2026-12-01T00:00:01Z stdout P hel",
    "2026-12-01T00:00:02Z stdout P lo ",
    "2026-12-01T00:00:03Z stdout F world",
    "2026-12-01T00:00:04Z stdout F next",
  ]);
  assert.deepEqual(entries.map(text), ["hello world\n", "next\n"]);
  assert.equal(dec.decode(entries[0].stamp), "2026-12-01T00:00:01Z");
});

Deno.test("CriLogJoiner keeps the partial lines of stdout and stderr apart", () => {
  const { entries, joiner } = join([
    "2026-12-01T00:00:01Z stdout P out-",
    "2026-12-01T00:00:02Z stderr P err-",
    "2026-12-01T00:00:03Z stderr F done",
    "2026-12-01T00:00:04Z stdout F done",
    "2026-12-01T00:00:05Z stderr P tail",
  ]);
  assert.deepEqual(entries.map((e) => [e.stream, text(e)]), [
    ["stderr", "err-done\n"],
    ["stdout", "out-done\n"],
  ]);
  assert.ok(joiner.holding);
  const rest: LogEntry[] = [];
  assert.equal(joiner.flush(rest), 1);
  assert.deepEqual(rest.map(text), ["tail"]);
  assert.ok(!joiner.holding);
});

Deno.test("CriLogJoiner gives an overlong line out in pieces, later pieces marked continued", () => {
  const { entries } = join([
    "2026-12-01T00:00:01Z stdout P aaaa",
    "2026-12-01T00:00:02Z stdout P bbbb",
    "2026-12-01T00:00:03Z stdout P cc",
    "2026-12-01T00:00:04Z stdout F d",
  ], 8);
  assert.deepEqual(entries.map((e) => [text(e), e.continued]), [
    ["aaaabbbb", false],
    ["ccd\n", true],
  ]);
});

Deno.test("CriLogJoiner copies what it holds: reusing the line buffer does not change output", () => {
  const joiner = new CriLogJoiner();
  const buf = enc.encode("2026-12-01T00:00:01Z stdout P abc\n");
  const out: LogEntry[] = [];
  joiner.push(parseCriLogLine(buf)!, out);
  buf.fill(0x78);
  joiner.push(parse("2026-12-01T00:00:02Z stdout F def\n")!, out);
  assert.equal(text(out[0]), "abcdef\n");
  assert.equal(dec.decode(out[0].stamp), "2026-12-01T00:00:01Z");
});
