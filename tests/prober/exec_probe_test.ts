import assert from "node:assert/strict";
import { CommandTimedOutError } from "../../src/cri/errors.ts";
import { execProbe, type ExecSyncRunner } from "../../src/prober/exec_probe.ts";

function runner(
  reply: (cmd: string[]) => { exitCode: number; stdout?: string; stderr?: string },
  calls: { id: string; cmd: string[]; timeout?: number }[] = [],
): ExecSyncRunner {
  return {
    execSync(containerId, cmd, options) {
      calls.push({ id: containerId, cmd, timeout: options?.timeoutSeconds });
      const r = reply(cmd);
      const enc = new TextEncoder();
      return Promise.resolve({
        exitCode: r.exitCode,
        stdout: enc.encode(r.stdout ?? ""),
        stderr: enc.encode(r.stderr ?? ""),
      });
    },
  };
}

Deno.test("execProbe() passes the container, command and timeout to execSync", async () => {
  const calls: { id: string; cmd: string[]; timeout?: number }[] = [];
  const out = await execProbe(runner(() => ({ exitCode: 0, stdout: "fine\n" }), calls), {
    containerId: "c1",
    cmd: ["cat", "/tmp/healthy"],
    timeoutSeconds: 5,
  });
  assert.deepEqual(out, { result: "success", output: "fine\n" });
  assert.deepEqual(calls, [{ id: "c1", cmd: ["cat", "/tmp/healthy"], timeout: 5 }]);
});

Deno.test("execProbe() maps exit codes and errors to outcomes", async (t) => {
  const request = { containerId: "c1", cmd: ["check"], timeoutSeconds: 1 };
  await t.step("non-zero exit is a failure with stdout and stderr", async () => {
    const out = await execProbe(
      runner(() => ({ exitCode: 1, stdout: "out ", stderr: "no such file" })),
      request,
    );
    assert.deepEqual(out, { result: "failure", output: "out no such file" });
  });
  await t.step("non-zero exit without output names the code", async () => {
    const out = await execProbe(runner(() => ({ exitCode: 3 })), request);
    assert.deepEqual(out, { result: "failure", output: "command exited with code 3" });
  });
  await t.step("a timeout is a failure, not an error", async () => {
    const out = await execProbe({
      execSync: () => Promise.reject(new CommandTimedOutError()),
    }, request);
    assert.equal(out.result, "failure");
    assert.equal(out.error, undefined);
    assert.match(out.output, /timed out after 1s/);
  });
  await t.step("any other error is an error outcome", async () => {
    const out = await execProbe({
      execSync: () => Promise.reject(new Error("runtime unavailable")),
    }, request);
    assert.equal(out.result, "unknown");
    assert.equal(out.error?.message, "runtime unavailable");
  });
  await t.step("output is capped at 10 KiB", async () => {
    const out = await execProbe(
      runner(() => ({ exitCode: 0, stdout: "y".repeat(50_000) })),
      request,
    );
    assert.equal(out.output.length, 10 * 1024);
  });
});
