import assert from "node:assert/strict";
import { buildRunCommand } from "../../scripts/run.ts";

Deno.test("buildRunCommand() gives the CLI only the agent's loopback port", async () => {
  const cmd = await buildRunCommand(["exec", "p", "--read-only-port=12345", "--", "ls"], "deno");
  const flags = cmd.filter((a) => a.startsWith("--allow") || a.startsWith("--v8"));
  assert.deepEqual(flags, ["--allow-net=127.0.0.1:12345"]);
  assert.deepEqual(cmd.slice(-5), ["exec", "p", "--read-only-port=12345", "--", "ls"]);
  const bad = await buildRunCommand(["logs"], "deno");
  assert.deepEqual(bad.filter((a) => a.startsWith("--allow")), [], "bad CLI input: no permission");
});

Deno.test("`deno run main.ts pods` with only --allow-net loads none of the agent and prints the table", async () => {
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  }, () =>
    Response.json({
      kind: "PodList",
      items: [{
        metadata: { name: "web-n", namespace: "default" },
        spec: { containers: [{ name: "c" }] },
        status: { phase: "Pending" },
      }],
    }));
  try {
    const port = server.addr.port;
    // Without the fix, main.ts loaded gRPC and YAML first: NotCapable for their env names.
    const cmd = await buildRunCommand(["pods", `--read-only-port=${port}`], Deno.execPath());
    const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), stdin: "null" }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.equal(stderr, "");
    assert.equal(
      new TextDecoder().decode(out.stdout),
      "NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE\n" +
        "default     web-n   0/1     Pending   0          <unknown>\n",
    );
  } finally {
    ac.abort();
    await server.finished;
  }
});
