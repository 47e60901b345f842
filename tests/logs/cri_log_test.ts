import assert from "node:assert/strict";
import {
  fixedTimestamp,
  fixedTimestampBytes,
  logTimeBefore,
  parseCriLogLine,
  parseRfc3339,
} from "../../src/logs/cri_log.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const parse = (s: string) => parseCriLogLine(enc.encode(s));

Deno.test("parseCriLogLine() reads a full stdout line", () => {
  const l = parse("2026-12-01T00:00:00.123456789Z stdout F hello world\n")!;
  assert.equal(l.stream, "stdout");
  assert.equal(l.partial, false);
  assert.equal(dec.decode(l.content), "hello world");
  assert.equal(dec.decode(l.stamp), "2026-12-01T00:00:00.123456789Z");
  assert.deepEqual(l.time, { ms: Date.UTC(2026, 11, 1) + 123, nanos: 456_789 });
});

Deno.test("parseCriLogLine() reads partial and stderr lines and keeps spaces in content", () => {
  const p = parse("2026-12-01T00:00:00Z stderr P  two  spaces \n")!;
  assert.equal(p.stream, "stderr");
  assert.equal(p.partial, true);
  assert.equal(dec.decode(p.content), " two  spaces ");
});

Deno.test("parseCriLogLine() reads an empty full line and a tag with extra fields", () => {
  assert.equal(parse("2026-12-01T00:00:00Z stdout F \n")!.content.length, 0);
  assert.equal(parse("2026-12-01T00:00:00Z stdout P:x rest\n")!.partial, true);
  assert.equal(parse("2026-12-01T00:00:00Z stdout F:x rest\n")!.partial, false);
  assert.equal(parse("2026-12-01T00:00:00Z stdout PX rest\n")!.partial, false);
});

Deno.test("parseCriLogLine() returns undefined for bad lines, never throws", async (t) => {
  const bad = [
    "",
    "\n",
    "no spaces at all\n",
    "2026-12-01T00:00:00Z\n",
    "2026-12-01T00:00:00Z stdout\n",
    "2026-12-01T00:00:00Z stdout F\n",
    "2026-12-01T00:00:00Z stdin F x\n",
    "2026-13-01T00:00:00Z stdout F x\n",
    "2026-02-30T00:00:00Z stdout F x\n",
    "2026-12-01T24:00:00Z stdout F x\n",
    "2026-12-01T00:00:60Z stdout F x\n",
    "2026-12-01 00:00:00Z stdout F x\n",
    "2026-12-01T00:00:00 stdout F x\n",
    "2026-12-01T00:00:00.Z stdout F x\n",
    "2026-12-01T00:00:00+0100 stdout F x\n",
    '{"log":"docker json\\n","stream":"stdout","time":"2026-12-01T00:00:00Z"}\n',
    "\u0000\u00ff garbage \u0001\n",
  ];
  for (const line of bad) {
    await t.step(JSON.stringify(line), () => assert.equal(parse(line), undefined));
  }
});

Deno.test("parseRfc3339() reads offsets, short and over-long fractions", () => {
  const base = Date.UTC(2026, 11, 1);
  assert.deepEqual(parseRfc3339(enc.encode("2026-12-01T01:30:00+01:30")), { ms: base, nanos: 0 });
  assert.deepEqual(parseRfc3339(enc.encode("2026-11-30T23:00:00-01:00")), { ms: base, nanos: 0 });
  assert.deepEqual(parseRfc3339(enc.encode("2026-12-01T00:00:00.5Z")), {
    ms: base + 500,
    nanos: 0,
  });
  assert.deepEqual(parseRfc3339(enc.encode("2026-12-01T00:00:00.0000000019Z")), {
    ms: base,
    nanos: 1,
  });
  assert.deepEqual(parseRfc3339(enc.encode("2024-02-29T00:00:00Z"))?.ms, Date.UTC(2024, 1, 29));
  // Years below 100 are not read as 19xx (2000 years are five 400-year cycles).
  const fiveCycles = 5 * 146_097 * 86_400_000;
  assert.equal(
    parseRfc3339(enc.encode("0050-01-01T00:00:00Z"))?.ms,
    Date.UTC(2050, 0, 1) - fiveCycles,
  );
});

Deno.test("logTimeBefore() compares below the millisecond", () => {
  assert.ok(logTimeBefore({ ms: 1, nanos: 5 }, { ms: 1, nanos: 6 }));
  assert.ok(!logTimeBefore({ ms: 1, nanos: 6 }, { ms: 1, nanos: 6 }));
  assert.ok(logTimeBefore({ ms: 0, nanos: 999_999 }, { ms: 1, nanos: 0 }));
});

Deno.test("fixedTimestamp() prints Go's RFC3339NanoFixed in the written zone", () => {
  const f = (s: string) => fixedTimestamp(enc.encode(s));
  assert.equal(f("2026-12-01T00:00:00Z"), "2026-12-01T00:00:00.000000000Z");
  assert.equal(f("2026-12-01T00:00:00.5Z"), "2026-12-01T00:00:00.500000000Z");
  assert.equal(f("2026-12-01T00:00:00.123456789Z"), "2026-12-01T00:00:00.123456789Z");
  assert.equal(f("2026-12-01T02:00:00.1+02:00"), "2026-12-01T02:00:00.100000000+02:00");
  assert.equal(f("2026-12-01T00:00:00+00:00"), "2026-12-01T00:00:00.000000000Z");
});

Deno.test("fixedTimestampBytes() passes a stamp already in the fixed form through, converts others", () => {
  const f = (s: string) => dec.decode(fixedTimestampBytes(enc.encode(s)));
  const same = enc.encode("2026-12-01T00:00:00.123456789Z");
  assert.equal(fixedTimestampBytes(same), same);
  const offset = enc.encode("2026-12-01T02:00:00.123456789+02:00");
  assert.equal(fixedTimestampBytes(offset), offset);
  assert.equal(f("2026-12-01T00:00:00.123456789+00:00"), "2026-12-01T00:00:00.123456789Z");
  assert.equal(f("2026-12-01T00:00:00.5Z"), "2026-12-01T00:00:00.500000000Z");
  assert.equal(f("2026-12-01T00:00:00.12345678xZ"), "2026-12-01T00:00:00.12345678xZ");
});
