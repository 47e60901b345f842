/**
 * The operator's local look without crictl, on a REAL containerd: a
 * standalone agent (no API server) runs a static pod, with its read-only
 * port on 127.0.0.1 and `localDebuggingHandlers`; the CLI runs as the
 * operator runs it, a separate `deno run` process whose command line (and
 * permissions: only `--allow-net=127.0.0.1:<port>`) comes from
 * scripts/run.ts's `buildRunCommand`: `denolet pods` lists the pod,
 * `denolet logs POD` prints its output, `logs -f` sees a line written
 * after it started, `denolet exec POD -- echo hi` prints hi, and the exit
 * code of `sh -c 'exit 3'` is 3. Without the handlers the CLI says to
 * enable localDebuggingHandlers.
 *
 * Every wait is a bounded poll of real state. Skipped LOUDLY when
 * containerd cannot run here (scripts/e2e_deps.sh installs it).
 */

import assert from "node:assert/strict";
import { registerSkippedE2E, startContainerd } from "./harness/containerd_harness.ts";
import {
  type AgentProcess,
  freePort,
  startAgent,
  waitFor,
  waitForHealthz,
  writeAgentConfig,
} from "./harness/agent_process.ts";
import { buildRunCommand } from "../../scripts/run.ts";

const NAME = "denolet pods, logs (-f) and exec against a standalone agent on containerd";
const NODE = "e2e-node";
const POD = `app-${NODE}`;

const harness = await startContainerd();

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `denolet <args>` as an operator would: deno run with the computed permissions. */
async function denolet(args: string[]): Promise<CliRun> {
  const cmd = await buildRunCommand(args, Deno.execPath());
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

if (typeof harness === "string") {
  registerSkippedE2E([NAME], harness);
} else {
  Deno.test({
    name: NAME,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const dir = await Deno.makeTempDir({ prefix: "denolet-local-cli-" });
      const manifestDir = `${dir}/manifests`;
      await Deno.mkdir(manifestDir, { recursive: true });
      await Deno.mkdir(`${dir}/logs`, { recursive: true });
      const port = freePort();
      const config = `${dir}/kubelet.yaml`;
      await writeAgentConfig(config, {
        podLogsDir: `${dir}/logs`,
        readOnlyPort: port,
        healthzPort: freePort(),
        extra: { localDebuggingHandlers: true },
      });
      // Prints "started", then "NEWLINE <n>" each time /tmp/go appears (made by exec).
      await Deno.writeTextFile(
        `${manifestDir}/app.json`,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "app", namespace: "default" },
          spec: {
            hostNetwork: true,
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: "main",
              image: harness.image,
              command: [
                "sh",
                "-c",
                "echo started; n=0; while true; do if [ -f /tmp/go ]; then n=$((n+1)); " +
                "echo NEWLINE $n; rm /tmp/go; fi; sleep 0.2; done",
              ],
            }],
          },
        }),
      );
      let agent: AgentProcess | undefined;
      let follow: Deno.ChildProcess | undefined;
      let failed = true;
      try {
        agent = await startAgent([
          `--container-runtime-endpoint=${harness.endpoint}`,
          `--pod-manifest-path=${manifestDir}`,
          `--root-dir=${dir}/root`,
          `--config=${config}`,
          `--hostname-override=${NODE}`,
          "--v=2",
        ]);
        await waitForHealthz(agent, 200, { timeoutMs: 60_000 });
        const cli = ["--config", config];

        await t.step("denolet pods shows the static pod Running", async () => {
          const run = await waitFor(async () => {
            const r = await denolet(["pods", ...cli]);
            return r.code === 0 && /app-e2e-node\s+1\/1\s+Running/.test(r.stdout) ? r : undefined;
          }, { timeoutMs: 60_000, what: "the pod Running in `denolet pods`" });
          assert.match(run.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
        });

        await t.step("denolet logs POD prints the container's output", async () => {
          const r = await waitFor(async () => {
            const r = await denolet(["logs", POD, ...cli]);
            return r.code === 0 && r.stdout.includes("started") ? r : undefined;
          }, { timeoutMs: 30_000, what: "'started' in `denolet logs`" });
          assert.equal(r.stdout, "started\n");
        });

        await t.step("denolet exec POD -- echo hi prints hi; sh -c 'exit 3' exits 3", async () => {
          const hi = await denolet(["exec", POD, ...cli, "--", "echo", "hi"]);
          assert.equal(hi.code, 0, hi.stderr);
          assert.equal(hi.stdout, "hi\n");
          const three = await denolet([
            "exec",
            POD,
            ...cli,
            "--",
            "sh",
            "-c",
            "echo bad >&2; exit 3",
          ]);
          assert.equal(three.code, 3, three.stderr);
          assert.equal(three.stderr, "bad\n");
        });

        await t.step("denolet logs -f sees a line written after it started", async () => {
          const cmd = await buildRunCommand(["logs", "-f", POD, ...cli], Deno.execPath());
          follow = new Deno.Command(cmd[0], {
            args: cmd.slice(1),
            stdin: "null",
            stdout: "piped",
            stderr: "inherit",
          }).spawn();
          const reader = follow.stdout.pipeThrough(new TextDecoderStream()).getReader();
          let seen = "";
          const readUntil = async (needle: string) => {
            while (!seen.includes(needle)) {
              const { value, done } = await reader.read();
              if (done) throw new Error(`logs -f ended before ${needle}: ${seen}`);
              seen += value;
            }
          };
          await readUntil("started\n");
          const touch = await denolet(["exec", POD, ...cli, "--", "touch", "/tmp/go"]);
          assert.equal(touch.code, 0, touch.stderr);
          await readUntil("NEWLINE 1\n");
          follow.kill("SIGTERM");
          await follow.status;
          follow = undefined;
        });

        await t.step("without localDebuggingHandlers the CLI says to enable them", async () => {
          const plain = `${dir}/plain.yaml`;
          const plainPort = freePort();
          await writeAgentConfig(plain, {
            podLogsDir: `${dir}/logs`,
            readOnlyPort: plainPort,
            healthzPort: freePort(),
          });
          const second = await startAgent([
            `--container-runtime-endpoint=${harness.endpoint}`,
            `--root-dir=${dir}/root2`,
            `--config=${plain}`,
            `--hostname-override=${NODE}-2`,
          ]);
          try {
            await waitForHealthz(second, 200, { timeoutMs: 60_000 });
            const r = await denolet(["logs", POD, "-c", "main", "--config", plain]);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /enable localDebuggingHandlers \(--local-debugging-handlers\)/);
            await second.stop();
            const down = await denolet(["pods", "--config", plain]);
            assert.equal(down.code, 1);
            assert.match(
              down.stderr,
              new RegExp(`is denolet running with readOnlyPort ${plainPort}`),
            );
          } finally {
            await second.stop();
          }
        });
        failed = false;
      } finally {
        try {
          follow?.kill("SIGKILL");
        } catch {
          // already gone
        }
        if (failed && agent) console.log(agent.logTail(80));
        await Deno.remove(`${manifestDir}/app.json`).catch(() => {});
        await agent?.stop();
        await harness.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
