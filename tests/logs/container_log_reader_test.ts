import assert from "node:assert/strict";
import { ContainerLogReader, type ReadLogsOptions } from "../../src/logs/container_log_reader.ts";
import { criLine, fullLines, tempLogDir, textSink } from "./_log_fixture.ts";

async function follower(path: string, options: ReadLogsOptions = {}) {
  const out = textSink();
  const reader = await ContainerLogReader.open(path, { follow: true, ...options }, out.sink);
  await reader.start();
  return { reader, out };
}

Deno.test("ContainerLogReader.poll() gives appended lines, then ends after the container stops", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, criLine(1, "stdout", "F", "a"));
  let running = true;
  const { reader, out } = await follower(path, { isRunning: () => running });
  try {
    assert.equal(out.text(), "a\n");
    assert.equal(await reader.poll(), "idle");
    await Deno.writeTextFile(path, criLine(2, "stdout", "P", "b"), { append: true });
    assert.equal(await reader.poll(), "data");
    assert.equal(out.text(), "a\n", "a partial line waits for its end");
    await Deno.writeTextFile(path, criLine(3, "stdout", "F", "c"), { append: true });
    assert.equal(await reader.poll(), "data");
    assert.equal(out.text(), "a\nbc\n");
    // The container writes its last words and exits before the next poll.
    await Deno.writeTextFile(path, criLine(4, "stdout", "P", "bye"), { append: true });
    running = false;
    assert.equal(await reader.poll(), "data");
    assert.equal(await reader.poll(), "ended");
    assert.equal(out.text(), "a\nbc\nbye");
    assert.ok(reader.ended);
  } finally {
    reader.close();
  }
});

Deno.test("ContainerLogReader.poll() drains what is left when it finds the container stopped", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, "");
  let appended = false;
  const isRunning = async () => {
    // The last line lands between the reader's end of file and its check.
    if (!appended) {
      await Deno.writeTextFile(path, criLine(1, "stdout", "F", "last"), { append: true });
    }
    appended = true;
    return false;
  };
  const { reader, out } = await follower(path, { isRunning });
  try {
    assert.equal(await reader.poll(), "ended");
    assert.equal(out.text(), "last\n");
  } finally {
    reader.close();
  }
});

Deno.test("ContainerLogReader.poll() reads a truncated file again from its start", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, fullLines(3, "before"));
  const { reader, out } = await follower(path);
  try {
    await Deno.truncate(path, 0);
    await Deno.writeTextFile(path, criLine(9, "stdout", "F", "after"), { append: true });
    assert.equal(await reader.poll(), "data");
    assert.equal(await reader.poll(), "data");
    assert.equal(out.text(), "before0\nbefore1\nbefore2\nafter\n");
  } finally {
    reader.close();
  }
});

Deno.test("ContainerLogReader.poll() follows a rotation: the old file to its end, then the new one", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, criLine(1, "stdout", "F", "a"));
  const { reader, out } = await follower(path);
  try {
    // The kubelet renames the file; the runtime writes on to it until it reopens.
    await Deno.rename(path, `${path}.20261201-000002`);
    await Deno.writeTextFile(`${path}.20261201-000002`, criLine(2, "stdout", "P", "b"), {
      append: true,
    });
    assert.equal(await reader.poll(), "data");
    assert.equal(await reader.poll(), "idle", "no new file yet");
    await Deno.writeTextFile(path, criLine(3, "stdout", "F", "c"));
    assert.equal(await reader.poll(), "data");
    assert.equal(await reader.poll(), "data");
    assert.equal(out.text(), "a\nbc\n");
  } finally {
    reader.close();
  }
});

Deno.test("ContainerLogReader.poll() ends when the signal aborts", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, criLine(1, "stdout", "F", "a"));
  const abort = new AbortController();
  const { reader } = await follower(path, { signal: abort.signal });
  try {
    assert.equal(await reader.poll(), "idle");
    abort.abort();
    assert.equal(await reader.poll(), "ended");
  } finally {
    reader.close();
  }
});

Deno.test("ContainerLogReader with follow and tailLines=0 gives only new lines", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, fullLines(3));
  const { reader, out } = await follower(path, { tailLines: 0 });
  try {
    assert.equal(out.text(), "");
    await Deno.writeTextFile(path, criLine(5, "stdout", "F", "new"), { append: true });
    assert.equal(await reader.poll(), "data");
    assert.equal(out.text(), "new\n");
  } finally {
    reader.close();
  }
});

Deno.test("ContainerLogReader with follow stops at limitBytes", async () => {
  await using dir = await tempLogDir();
  const path = `${dir.path}/0.log`;
  await Deno.writeTextFile(path, criLine(1, "stdout", "F", "abc"));
  const { reader, out } = await follower(path, { limitBytes: 6 });
  try {
    await Deno.writeTextFile(path, criLine(2, "stdout", "F", "defgh"), { append: true });
    assert.equal(await reader.poll(), "ended");
    assert.equal(out.text(), "abc\nde");
  } finally {
    reader.close();
  }
});
