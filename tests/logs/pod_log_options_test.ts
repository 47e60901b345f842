import assert from "node:assert/strict";
import { parsePodLogOptions, readLogsOptionsOf } from "../../src/logs/pod_log_options.ts";
import { msAt } from "./_log_fixture.ts";

const parse = (q: string) => parsePodLogOptions(new URLSearchParams(q));

Deno.test("parsePodLogOptions() decodes the kubelet's parameters", () => {
  const r = parse(
    "follow=true&previous=1&timestamps=TRUE&tailLines=10&limitBytes=500&sinceSeconds=60&stream=All&container=x&insecureSkipTLSVerifyBackend=true&other=1",
  );
  assert.ok(r.ok);
  assert.deepEqual(r.options, {
    follow: true,
    previous: true,
    timestamps: true,
    tailLines: 10,
    limitBytes: 500,
    sinceSeconds: 60,
    sinceTime: undefined,
    stream: "All",
  });
});

Deno.test("parsePodLogOptions() reads booleans as the API machinery does", async (t) => {
  const cases: [string, boolean][] = [
    ["", false],
    ["follow", true],
    ["follow=", true],
    ["follow=yes", true],
    ["follow=0", false],
    ["follow=false", false],
    ["follow=False", false],
    ["follow=true&follow=false", true],
  ];
  for (const [q, want] of cases) {
    await t.step(q || "(absent)", () => {
      const r = parse(q);
      assert.ok(r.ok);
      assert.equal(r.options.follow, want);
    });
  }
});

Deno.test("parsePodLogOptions() reads the legacy tail parameter", () => {
  const a = parse("tail=5&tailLines=9");
  assert.ok(a.ok && a.options.tailLines === 5);
  const all = parse("tail=all&tailLines=9");
  assert.ok(all.ok && all.options.tailLines === undefined);
});

Deno.test("parsePodLogOptions() reads sinceTime as RFC 3339, empty as the zero time", () => {
  const r = parse("sinceTime=2026-12-01T00:00:05Z");
  assert.ok(r.ok);
  assert.deepEqual(r.options.sinceTime, { ms: msAt(5), nanos: 0 });
  const offset = parse("sinceTime=2026-12-01T01:00:05%2B01:00");
  assert.ok(offset.ok);
  assert.deepEqual(offset.options.sinceTime, { ms: msAt(5), nanos: 0 });
  const empty = parse("sinceTime=");
  assert.ok(empty.ok && empty.options.sinceTime !== undefined);
});

Deno.test("parsePodLogOptions() answers 400 'Unable to decode query.' for values it cannot decode", async (t) => {
  for (
    const q of [
      "tailLines=abc",
      "tailLines=",
      "tailLines=1.5",
      "tail=ten",
      "limitBytes=1e3",
      "sinceSeconds=5s",
      "tailLines=99999999999999999999",
      "sinceTime=yesterday",
      "sinceTime=2026-12-01",
      // '+' is a space in a query, as for Go
      "tailLines=+5",
    ]
  ) {
    await t.step(q, () => {
      const r = parse(q);
      assert.ok(!r.ok);
      assert.equal(r.status, 400);
      assert.equal(r.body, `{"message": "Unable to decode query."}`);
      assert.match(r.reason, /^(tailLines|limitBytes|sinceSeconds|sinceTime): /);
    });
  }
});

Deno.test("parsePodLogOptions() answers 422 'Invalid request.' for options that fail validation", async (t) => {
  const cases: [string, RegExp][] = [
    ["tailLines=-1", /tailLines/],
    ["limitBytes=0", /limitBytes/],
    ["sinceSeconds=0", /sinceSeconds/],
    [
      "sinceSeconds=5&sinceTime=2026-12-01T00:00:00Z",
      /at most one of `sinceTime` or `sinceSeconds`/,
    ],
    ["stream=Both", /stream: Unsupported value/],
    ["stream=Stdout&tailLines=1", /mutually exclusive/],
  ];
  for (const [q, reason] of cases) {
    await t.step(q, () => {
      const r = parse(q);
      assert.ok(!r.ok);
      assert.equal(r.status, 422);
      assert.equal(r.body, `{"message": "Invalid request."}`);
      assert.match(r.reason, reason);
    });
  }
});

Deno.test("readLogsOptionsOf() puts sinceSeconds before now on the given clock", () => {
  const r = parse("sinceSeconds=10&timestamps=true&stream=Stderr&limitBytes=3");
  assert.ok(r.ok);
  assert.deepEqual(readLogsOptionsOf(r.options, msAt(30)), {
    tailLines: -1,
    limitBytes: 3,
    since: { ms: msAt(20), nanos: 0 },
    timestamps: true,
    follow: false,
    stream: "stderr",
  });
  const none = parse("");
  assert.ok(none.ok);
  assert.deepEqual(readLogsOptionsOf(none.options, msAt(30)), {
    tailLines: -1,
    timestamps: false,
    follow: false,
  });
});
