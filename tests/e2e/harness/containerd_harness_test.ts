import assert from "node:assert/strict";
import { containerdUnavailableReason, startContainerd } from "./containerd_harness.ts";

const unavailable = await containerdUnavailableReason();
if (unavailable) console.error(`\n!!! E2E SKIPPED: containerd unavailable: ${unavailable}\n`);

async function harnessDirs(): Promise<Set<string>> {
  const dirs = new Set<string>();
  for await (const e of Deno.readDir(Deno.env.get("TMPDIR") ?? "/tmp")) {
    if (e.name.startsWith("denolet-containerd-")) dirs.add(e.name);
  }
  return dirs;
}

Deno.test({
  name:
    "startContainerd() returns the reason and leaves nothing behind when containerd does not answer in time",
  ignore: unavailable !== undefined,
  async fn() {
    const before = await harnessDirs();
    const result = await startContainerd({ readyTimeoutMs: 1, importBusybox: false });
    assert.equal(typeof result, "string");
    assert.match(result as string, /did not answer|exited at startup/);
    const after = await harnessDirs();
    assert.deepEqual([...after].filter((d) => !before.has(d)), []);
  },
});

Deno.test({
  name: "ContainerdHarness.kill() stops the daemon; restart() brings it back on the same dirs",
  ignore: unavailable !== undefined,
  async fn() {
    const harness = await startContainerd({ importBusybox: false });
    assert.equal(typeof harness, "object", String(harness));
    if (typeof harness === "string") return;
    try {
      const pid = harness.pid;
      await harness.kill();
      assert.equal(harness.pid, -1);
      assert.throws(() => Deno.kill(pid, "SIGCONT"));
      await harness.restart();
      assert.ok(harness.pid > 0);
      assert.match(await harness.ctr(["version"]), /Server:/);
    } finally {
      await harness.stop();
    }
    await assert.rejects(Deno.lstat(harness.dir), Deno.errors.NotFound);
    await harness.stop(); // idempotent
  },
});
