/**
 * The agent process as a supervisor sees it: a loop that cannot run ends it
 * with exit 1, and every stop signal ends it cleanly. Runs main.ts on the
 * embedded fake runtime with its computed permissions (no containerd needed).
 */
import assert from "node:assert/strict";
import { freePort, startAgent, waitForHealthz } from "./e2e/harness/agent_process.ts";

async function agentArgs(dir: string, healthzPort: number): Promise<string[]> {
  return [
    "--container-runtime-endpoint=embedded",
    `--root-dir=${dir}/root`,
    `--pod-manifest-path=${dir}/manifests`,
    "--hostname-override=node-main",
    "--read-only-port=0",
    `--healthz-port=${healthzPort}`,
    "--healthz-bind-address=127.0.0.1",
    `--config=${await config(dir)}`,
  ];
}

async function config(dir: string): Promise<string> {
  const path = `${dir}/config.yaml`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      podLogsDir: `${dir}/logs`,
    }),
  );
  return path;
}

Deno.test("main: a healthz port already in use ends the agent with exit 1 and one clear line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-main-" });
  const port = freePort();
  const taken = Deno.listen({ hostname: "127.0.0.1", port });
  try {
    await Deno.mkdir(`${dir}/manifests`);
    const agent = await startAgent(await agentArgs(dir, port));
    const status = await agent.status;
    assert.equal(status.code, 1, agent.logTail(20));
    assert.match(agent.log(), /The healthz loop failed; stopping denolet \(exit 1\)/);
    assert.match(agent.log(), /denolet stopped/);
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main: SIGHUP stops the agent cleanly (exit 0, 'denolet stopped')", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-main-" });
  try {
    await Deno.mkdir(`${dir}/manifests`);
    const agent = await startAgent(await agentArgs(dir, freePort()));
    try {
      await waitForHealthz(agent, 200, { timeoutMs: 20_000 });
      Deno.kill(agent.pid, "SIGHUP");
      const status = await agent.status;
      assert.equal(status.code, 0, agent.logTail(20));
      assert.match(agent.log(), /denolet stopped/);
    } finally {
      await agent.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
