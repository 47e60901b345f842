/**
 * A single-file `--pod-manifest-path` (issue 8, item 5): the file itself is watched,
 * so read access to that file is all the source needs, and a replaced file is
 * watched again.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { FileSource } from "../../src/config/file.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { fakeWatch, images, podYaml, startRun, waitFor, withTempDir } from "./_helpers.ts";

Deno.test("FileSource.run() on a single file watches that file and watches again when it is replaced", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "web.yaml");
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    const clock = new FakeClock(1_700_000_000_000);
    const watch = fakeWatch();
    const src = new FileSource(file, {
      nodeName: "node-1",
      clock,
      logger: createMemoryLogger(),
      watchFs: watch.watchFs,
      checkFrequencyMs: 3_600_000,
    });
    const { sent, stop } = startRun(src);
    await waitFor(() => sent.length === 1 && watch.calls.length === 1, "first state");
    assert.deepEqual(watch.calls, [file], "the file itself, not its directory");
    const tmp = join(dir, ".web.yaml.tmp");
    await Deno.writeTextFile(tmp, podYaml("web", "nginx:2"));
    await Deno.rename(tmp, file);
    watch.push("rename", file);
    await waitFor(() => images(sent.at(-1)).join() === "nginx:2", "the replaced file");
    await waitFor(() => watch.calls.length === 2, "the new watch");
    assert.deepEqual(watch.calls, [file, file]);
    await stop();
  });
});

/** Reads JSON lines from a child's stdout into `lines` until it closes. */
async function collect(stream: ReadableStream<Uint8Array>, lines: Record<string, unknown>[]) {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
    }
  }
}

Deno.test("FileSource on a single file works with read access to that file only (real Deno.watchFs)", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "web.yaml");
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        `--allow-read=${file}`,
        "--allow-env=LOG_TOKENS,LOG_STREAM",
        new URL("./_single_file_child.ts", import.meta.url).pathname,
        file,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines: Record<string, unknown>[] = [];
    const reading = collect(child.stdout, lines);
    const stderr = new Response(child.stderr).text();
    const latest = () => lines.filter((l) => "images" in l).at(-1)?.images;
    try {
      await waitFor(() => String(latest()) === "nginx:1", "first state", 20_000);
      await Deno.writeTextFile(file, podYaml("web", "nginx:2"));
      await waitFor(() => String(latest()) === "nginx:2", "an in-place write", 10_000);
      const tmp = join(dir, ".web.yaml.tmp");
      await Deno.writeTextFile(tmp, podYaml("web", "nginx:3"));
      await Deno.rename(tmp, file);
      await waitFor(() => String(latest()) === "nginx:3", "an atomic replace", 10_000);
      // Seen only if the replaced file is watched again.
      await Deno.writeTextFile(file, podYaml("web", "nginx:4"));
      await waitFor(() => String(latest()) === "nginx:4", "a write to the new file", 10_000);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await reading;
    }
    const logs = lines.map((l) => String(l.log ?? l.raw ?? "")).filter(Boolean);
    assert.ok(
      !logs.some((l) => /Unable to watch|NotCapable|Requires read/.test(l)),
      logs.join("\n"),
    );
    assert.equal((await stderr).includes("Requires read access"), false);
  });
});
