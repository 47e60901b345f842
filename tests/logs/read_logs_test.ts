import assert from "node:assert/strict";
import { logTimeOfMs } from "../../src/logs/cri_log.ts";
import {
  copyContainerLogs,
  readContainerLogs,
  type ReadLogsOptions,
} from "../../src/logs/read_logs.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { criLine, fullLines, gzip, msAt, tempLogDir, textSink, until } from "./_log_fixture.ts";

async function read(path: string | string[], options: ReadLogsOptions = {}): Promise<string> {
  const out = textSink();
  await copyContainerLogs(path, options, out.sink);
  return out.text();
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

Deno.test("copyContainerLogs() gives the content of every line, partial lines joined", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(
    path,
    criLine(1, "stdout", "F", "one") + criLine(2, "stderr", "P", "tw") +
      criLine(3, "stderr", "F", "o") + criLine(4, "stdout", "F", "three"),
  );
  assert.equal(await read(path), "one\ntwo\nthree\n");
});

Deno.test("copyContainerLogs() skips bad lines, reads on and logs them once", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(
    path,
    criLine(1, "stdout", "F", "a") + "garbage\n" + "2026-12-01T00:00:02Z stdin F x\n" +
      criLine(3, "stdout", "F", "b"),
  );
  const logger = createMemoryLogger();
  assert.equal(await read(path, { logger }), "a\nb\n");
  const warned = logger.records.filter((r) => r.severity === "warn");
  assert.equal(warned.length, 1);
  assert.equal(warned[0].fields?.lines, 2);
});

Deno.test("copyContainerLogs() ends a dangling partial line without a newline", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, criLine(1, "stdout", "F", "a") + criLine(2, "stdout", "P", "b"));
  assert.equal(await read(path), "a\nb");
});

Deno.test("copyContainerLogs() with timestamps prefixes RFC3339NanoFixed, off by default", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(
    path,
    criLine(1, "stdout", "F", "a", 5_000) + criLine(2, "stdout", "F", "b"),
  );
  assert.equal(await read(path), "a\nb\n");
  assert.equal(
    await read(path, { timestamps: true }),
    "2026-12-01T00:00:01.000005000Z a\n2026-12-01T00:00:02.000000000Z b\n",
  );
});

Deno.test("copyContainerLogs() with tailLines counts from the end across rotated files", async (t) => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeFile(`${dir.path}/0.log.20261201-000000.gz`, await gzip(fullLines(3, "gz")));
  await Deno.writeTextFile(`${dir.path}/0.log.20261201-000100`, fullLines(3, "old"));
  await Deno.writeTextFile(path, fullLines(3, "new"));
  await t.step("all lines, oldest file first", async () => {
    assert.deepEqual(lines(await read(path)), [
      "gz0",
      "gz1",
      "gz2",
      "old0",
      "old1",
      "old2",
      "new0",
      "new1",
      "new2",
    ]);
  });
  await t.step("within the live file", async () => {
    assert.deepEqual(lines(await read(path, { tailLines: 2 })), ["new1", "new2"]);
  });
  await t.step("reaching into the rotated file", async () => {
    assert.deepEqual(lines(await read(path, { tailLines: 4 })), ["old2", "new0", "new1", "new2"]);
  });
  await t.step("reaching into the compressed file", async () => {
    assert.deepEqual(lines(await read(path, { tailLines: 7 })), [
      "gz2",
      "old0",
      "old1",
      "old2",
      "new0",
      "new1",
      "new2",
    ]);
  });
  await t.step("more than there are", async () => {
    assert.equal(lines(await read(path, { tailLines: 100 })).length, 9);
  });
  await t.step("zero", async () => {
    assert.equal(await read(path, { tailLines: 0 }), "");
  });
  await t.step("explicit paths instead of the ones found", async () => {
    const only = [`${dir.path}/0.log.20261201-000100`, path];
    assert.deepEqual(lines(await read(only, { tailLines: 4 })), ["old2", "new0", "new1", "new2"]);
  });
});

Deno.test("copyContainerLogs() with tailLines counts joined entries, not file lines", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(
    path,
    criLine(1, "stdout", "F", "first") + criLine(2, "stdout", "P", "sec") +
      criLine(3, "stdout", "P", "o") + criLine(4, "stdout", "F", "nd") +
      "not a log line\n" + criLine(5, "stderr", "F", "third"),
  );
  assert.equal(await read(path, { tailLines: 2 }), "second\nthird\n");
});

Deno.test("copyContainerLogs() with tailLines reads a big file from near its end", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, fullLines(20_000, "x"));
  assert.deepEqual(lines(await read(path, { tailLines: 3 })), ["x19997", "x19998", "x19999"]);
});

Deno.test("copyContainerLogs() with limitBytes cuts the output, prefixes counted", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, fullLines(3, "abc"));
  assert.equal(await read(path, { limitBytes: 7 }), "abc0\nab");
  assert.equal(await read(path, { limitBytes: 5 }), "abc0\n");
  assert.equal(await read(path, { limitBytes: 10, timestamps: true }), "2026-12-01");
});

Deno.test("copyContainerLogs() with since leaves older entries out, below the millisecond", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(
    path,
    criLine(1, "stdout", "F", "a") + criLine(2, "stdout", "F", "b", 1) +
      criLine(2, "stdout", "F", "c", 2) + criLine(3, "stdout", "F", "d"),
  );
  assert.equal(await read(path, { since: logTimeOfMs(msAt(2)) }), "b\nc\nd\n");
  assert.equal(await read(path, { since: { ms: msAt(2), nanos: 2 } }), "c\nd\n");
  assert.equal(await read(path, { since: logTimeOfMs(msAt(2)), tailLines: 2 }), "c\nd\n");
});

Deno.test("copyContainerLogs() with stream gives only that stream", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(
    path,
    criLine(1, "stdout", "F", "out") + criLine(2, "stderr", "F", "err"),
  );
  assert.equal(await read(path, { stream: "stderr" }), "err\n");
  assert.equal(await read(path, { stream: "stdout" }), "out\n");
});

Deno.test("copyContainerLogs() rejects with the kubelet's message when the live file is missing", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await assert.rejects(() => read(path), (e: Error) => {
    assert.match(e.message, new RegExp(`^failed to open log file "${path}": `));
    return true;
  });
});

const dec = new TextDecoder();

async function next(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string | undefined> {
  const r = await reader.read();
  return r.done ? undefined : dec.decode(r.value);
}

Deno.test("readContainerLogs() with follow streams appended lines on the clock and ends when the container stops", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, criLine(1, "stdout", "F", "a"));
  const clock = new FakeClock();
  let running = true;
  const stream = readContainerLogs(path, {
    follow: true,
    clock,
    pollIntervalMs: 100,
    isRunning: () => running,
  });
  const reader = stream.getReader();
  assert.equal(await next(reader), "a\n");
  await until(() => clock.pendingTimers === 1); // the follow sleeps
  await Deno.writeTextFile(path, criLine(2, "stdout", "F", "b"), { append: true });
  const got = next(reader);
  await clock.advance(100);
  assert.equal(await got, "b\n");
  await until(() => clock.pendingTimers === 1);
  running = false;
  const end = next(reader);
  await clock.advance(100);
  assert.equal(await end, undefined, "the stream ends");
});

Deno.test("readContainerLogs() with follow ends when the client cancels or the signal aborts", async (t) => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, criLine(1, "stdout", "F", "a"));
  await t.step("cancel", async () => {
    const clock = new FakeClock();
    const reader = readContainerLogs(path, { follow: true, clock }).getReader();
    assert.equal(await next(reader), "a\n");
    await until(() => clock.pendingTimers === 1);
    await reader.cancel();
    await until(() => clock.pendingTimers === 0); // the sleep was abandoned, the file closed
  });
  await t.step("signal", async () => {
    const clock = new FakeClock();
    const abort = new AbortController();
    const reader = readContainerLogs(path, { follow: true, clock, signal: abort.signal })
      .getReader();
    assert.equal(await next(reader), "a\n");
    await until(() => clock.pendingTimers === 1);
    abort.abort();
    assert.equal(await next(reader), undefined);
    assert.equal(clock.pendingTimers, 0);
  });
});

Deno.test("readContainerLogs() gives a large log whole, chunk by chunk as the client reads", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, fullLines(60_000, "some longer line content "));
  const stream = readContainerLogs(path);
  const reader = stream.getReader();
  const first = await reader.read();
  assert.ok(!first.done);
  let bytes = first.value.length;
  for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
  const expected =
    (await Deno.readTextFile(path)).split("\n").filter((l) => l).map((l) =>
      l.slice(l.indexOf(" F ") + 3) + "\n"
    ).join("").length;
  assert.equal(bytes, expected);
});

Deno.test("readContainerLogs() ends the body with the kubelet's message when the file cannot be opened", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  const body = await new Response(readContainerLogs(path)).text();
  assert.match(body, new RegExp(`^failed to open log file "${path}": `));
});
