import assert from "node:assert/strict";
import {
  cpuToQuota,
  cpuToShares,
  memoryBytes,
  parseQuantity,
  Quantity,
} from "../../src/api/quantity.ts";

Deno.test("parseQuantity() reads every suffix and number form exactly", async (t) => {
  const cases: [text: string, nanos: bigint, canonical: string][] = [
    ["0", 0n, "0"],
    ["1", 1_000_000_000n, "1"],
    ["500m", 500_000_000n, "500m"],
    ["0.5", 500_000_000n, "500m"],
    [".5", 500_000_000n, "500m"],
    ["5.", 5_000_000_000n, "5"],
    ["+2", 2_000_000_000n, "2"],
    ["-2", -2_000_000_000n, "-2"],
    ["-0.5", -500_000_000n, "-500m"],
    ["100n", 100n, "100n"],
    ["100u", 100_000n, "100u"],
    ["1k", 1_000_000_000_000n, "1k"],
    ["100M", 100_000_000n * 1_000_000_000n, "100M"],
    ["1G", 10n ** 18n, "1G"],
    ["2T", 2n * 10n ** 21n, "2T"],
    ["3P", 3n * 10n ** 24n, "3P"],
    ["4E", 4n * 10n ** 27n, "4E"],
    ["1Ki", 1024n * 10n ** 9n, "1Ki"],
    ["1Mi", 1024n ** 2n * 10n ** 9n, "1Mi"],
    ["1Gi", 1024n ** 3n * 10n ** 9n, "1Gi"],
    ["1.5Gi", 1536n * 1024n ** 2n * 10n ** 9n, "1536Mi"],
    ["1Ti", 1024n ** 4n * 10n ** 9n, "1Ti"],
    ["1Pi", 1024n ** 5n * 10n ** 9n, "1Pi"],
    ["1Ei", 1024n ** 6n * 10n ** 9n, "1Ei"],
    ["0.5Ki", 512n * 10n ** 9n, "512"],
    ["0.1Ki", 102_400_000_000n, "102400m"],
    ["1e3", 1000n * 10n ** 9n, "1e3"],
    ["1E3", 1000n * 10n ** 9n, "1e3"],
    ["1e+3", 1000n * 10n ** 9n, "1e3"],
    ["1E-3", 1_000_000n, "1e-3"],
    ["1.5e3", 1500n * 10n ** 9n, "1500"],
    ["1500", 1500n * 10n ** 9n, "1500"],
    ["1000", 1000n * 10n ** 9n, "1k"],
    ["1.5k", 1500n * 10n ** 9n, "1500"],
    ["0.1m", 100_000n, "100u"],
  ];
  for (const [text, nanos, canonical] of cases) {
    await t.step(`'${text}'`, () => {
      const quantity = parseQuantity(text);
      assert.equal(quantity.nanos, nanos);
      assert.equal(quantity.toString(), canonical);
      assert.equal(parseQuantity(canonical).nanos, nanos, "canonical form parses back");
    });
  }
});

Deno.test("parseQuantity() rounds amounts finer than 1n up, away from zero", () => {
  assert.equal(parseQuantity("0.1n").nanos, 1n);
  assert.equal(parseQuantity("1.5n").nanos, 2n);
  assert.equal(parseQuantity("-1.5n").nanos, -2n);
  assert.equal(parseQuantity("1e-12").nanos, 1n);
  assert.equal(parseQuantity("1e-99999999999").nanos, 1n);
  assert.equal(parseQuantity("0e-99").nanos, 0n);
});

Deno.test("parseQuantity() caps magnitudes above 2^63-1", () => {
  const max = (1n << 63n) - 1n;
  assert.equal(parseQuantity("1e100").value(), max);
  assert.equal(parseQuantity("-1e100").value(), -max);
  assert.equal(parseQuantity("16Ei").value(), max);
  assert.equal(parseQuantity("1e99999999999999999999").value(), max);
});

Deno.test("parseQuantity() accepts numbers as YAML gives them", () => {
  assert.equal(parseQuantity(2).toString(), "2");
  assert.equal(parseQuantity(0.25).toString(), "250m");
  assert.equal(parseQuantity(1e-7).nanos, 100n);
  assert.equal(parseQuantity(1e21).value(), (1n << 63n) - 1n, "capped");
});

Deno.test("parseQuantity() rejects malformed text with a RangeError naming it", async (t) => {
  for (
    const text of [
      "",
      ".",
      "+",
      "-",
      "abc",
      "1.2.3",
      "1e",
      "1e1.5",
      "1Kb",
      "1ki",
      "1 Gi",
      " 1",
      "1 ",
      "--1",
      "+-1",
      "1Gi3",
      "0x10",
      "1_000",
      "e3",
    ]
  ) {
    await t.step(`'${text}'`, () => {
      assert.throws(() => parseQuantity(text), (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.ok(error.message.includes(`'${text}'`), error.message);
        return true;
      });
    });
  }
});

Deno.test("parseQuantity() rejects non-strings with a TypeError", () => {
  assert.throws(() => parseQuantity(undefined as unknown as string), TypeError);
  assert.throws(() => parseQuantity({} as unknown as string), TypeError);
  assert.throws(() => parseQuantity(Infinity), RangeError);
});

Deno.test("Quantity arithmetic is exact", async (t) => {
  await t.step("0.1 + 0.2 = 0.3", () => {
    const sum = parseQuantity("0.1").add(parseQuantity("0.2"));
    assert.equal(sum.toString(), "300m");
    assert.ok(sum.equals(parseQuantity("0.3")));
  });
  await t.step("1Gi - 512Mi = 512Mi", () => {
    assert.equal(parseQuantity("1Gi").sub(parseQuantity("512Mi")).toString(), "512Mi");
  });
  await t.step("adding mixed formats keeps the receiver's format", () => {
    assert.equal(parseQuantity("1Gi").add(parseQuantity("1M")).format, "BinarySI");
    assert.equal(parseQuantity("0").add(parseQuantity("1Ki")).toString(), "1Ki");
  });
  await t.step("sub below zero and neg", () => {
    const diff = parseQuantity("100m").sub(parseQuantity("250m"));
    assert.equal(diff.toString(), "-150m");
    assert.equal(diff.sign(), -1);
    assert.equal(diff.neg().toString(), "150m");
  });
  await t.step("adding 0.1 ten times gives exactly 1", () => {
    let total = parseQuantity("0");
    for (let i = 0; i < 10; i++) total = total.add(parseQuantity("0.1"));
    assert.equal(total.toString(), "1");
  });
});

Deno.test("Quantity.cmp() orders by amount whatever the format", async (t) => {
  const cases: [a: string, b: string, expected: -1 | 0 | 1][] = [
    ["1", "1000m", 0],
    ["1Ki", "1024", 0],
    ["1k", "1Ki", -1],
    ["1Gi", "1G", 1],
    ["-1", "0", -1],
    ["1e3", "1k", 0],
  ];
  for (const [a, b, expected] of cases) {
    await t.step(`${a} vs ${b}`, () => {
      assert.equal(parseQuantity(a).cmp(parseQuantity(b)), expected);
      assert.equal(parseQuantity(b).cmp(parseQuantity(a)), expected === 0 ? 0 : -expected);
    });
  }
});

Deno.test("Quantity.value() and milliValue() round up away from zero", async (t) => {
  const cases: [text: string, value: bigint, milli: bigint][] = [
    ["1", 1n, 1000n],
    ["500m", 1n, 500n],
    ["1500m", 2n, 1500n],
    ["0.1m", 1n, 1n],
    ["1n", 1n, 1n],
    ["-500m", -1n, -500n],
    ["-1.5n", -1n, -1n],
    ["1Gi", 1073741824n, 1073741824000n],
    ["0", 0n, 0n],
    ["1.5Gi", 1610612736n, 1610612736000n],
  ];
  for (const [text, value, milli] of cases) {
    await t.step(text, () => {
      assert.equal(parseQuantity(text).value(), value);
      assert.equal(parseQuantity(text).milliValue(), milli);
    });
  }
});

Deno.test("Quantity constructors and JSON", () => {
  assert.equal(Quantity.fromMilli(250n).toString(), "250m");
  assert.equal(Quantity.fromValue(2048n, "BinarySI").toString(), "2Ki");
  assert.equal(Quantity.fromValue(3n, "DecimalExponent").toString(), "3");
  assert.equal(Quantity.fromValue(3000n, "DecimalExponent").toString(), "3e3");
  assert.equal(JSON.stringify({ cpu: Quantity.fromMilli(100n) }), '{"cpu":"100m"}');
  assert.ok(new Quantity(0n).isZero());
  assert.throws(() => new Quantity(1 as unknown as bigint), TypeError);
});

Deno.test("cpuToShares() matches the kubelet's MilliCPUToShares", async (t) => {
  const cases: [milli: bigint, shares: bigint][] = [
    [0n, 2n],
    [1n, 2n],
    [2n, 2n],
    [3n, 3n],
    [100n, 102n],
    [250n, 256n],
    [500n, 512n],
    [1000n, 1024n],
    [1500n, 1536n],
    [256000n, 262144n],
    [1000000n, 262144n],
  ];
  for (const [milli, shares] of cases) {
    await t.step(`${milli}m -> ${shares}`, () => assert.equal(cpuToShares(milli), shares));
  }
});

Deno.test("cpuToQuota() matches the kubelet's MilliCPUToQuota", async (t) => {
  const cases: [milli: bigint, period: bigint | undefined, quota: bigint][] = [
    [0n, undefined, 0n],
    [1n, undefined, 1000n],
    [5n, undefined, 1000n],
    [10n, undefined, 1000n],
    [11n, undefined, 1100n],
    [250n, undefined, 25000n],
    [1000n, undefined, 100000n],
    [2500n, undefined, 250000n],
    [500n, 50000n, 25000n],
    [1n, 50000n, 1000n],
  ];
  for (const [milli, period, quota] of cases) {
    await t.step(`${milli}m over ${period ?? "default"} -> ${quota}`, () => {
      assert.equal(cpuToQuota(milli, period), quota);
    });
  }
});

Deno.test("memoryBytes() converts a memory quantity to whole bytes", () => {
  assert.equal(memoryBytes("128Mi"), 134217728n);
  assert.equal(memoryBytes("1G"), 1000000000n);
  assert.equal(memoryBytes(parseQuantity("1.5Ki")), 1536n);
  assert.equal(memoryBytes("100m"), 1n);
  // A YAML number such as `memory: 1000` (it once threw "value is not a function").
  assert.equal(memoryBytes(1000), 1000n);
  assert.equal(memoryBytes(9223372036854775807), 9223372036854775807n, "capped at 2^63-1");
});
