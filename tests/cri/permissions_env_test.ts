import assert from "node:assert/strict";
import { GRPC_ENV_VARS, GRPC_PROXY_ENV_VARS } from "../../src/cri/permissions_env.ts";
import { tempSocketDir, TestServer } from "./_test_server.ts";

const client = new URL("./_scoped_client.ts", import.meta.url).pathname;
const config = new URL("../../deno.json", import.meta.url).pathname;

async function runScopedClient(socket: string, envVars: readonly string[]) {
  const args = [
    "run",
    "--no-prompt",
    `--config=${config}`,
    `--allow-net=unix:${socket}`,
    `--allow-read=${socket}`,
    `--allow-write=${socket}`,
    ...(envVars.length > 0 ? [`--allow-env=${envVars.join(",")}`] : []),
    client,
    `unix://${socket}`,
  ];
  const output = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

Deno.test("a CRI client runs with only the socket permissions and GRPC_ENV_VARS", async () => {
  await using dir = await tempSocketDir();
  const socket = dir.path("cri.sock");
  const server = await TestServer.start(socket, {
    runtime: {
      Version: () => ({
        version: "0.1.0",
        runtimeName: "scoped",
        runtimeVersion: "1",
        runtimeApiVersion: "v1",
      }),
      ListContainers: () => ({ containers: [{ id: "c1" }] }),
    },
  });
  try {
    const ok = await runScopedClient(socket, GRPC_ENV_VARS);
    assert.equal(ok.code, 0, ok.stderr);
    const printed = JSON.parse(ok.stdout) as { runtimeName: string; containers: { id: string }[] };
    assert.equal(printed.runtimeName, "scoped");
    assert.deepStrictEqual(printed.containers.map((c) => c.id), ["c1"]);

    // Each listed name is really read: without it the client cannot start.
    const missing = await runScopedClient(socket, GRPC_ENV_VARS.slice(1));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, new RegExp(`env access to "${GRPC_ENV_VARS[0]}"`));
  } finally {
    await server.stop();
  }
});

Deno.test("GRPC_ENV_VARS and GRPC_PROXY_ENV_VARS do not overlap", () => {
  for (const name of GRPC_PROXY_ENV_VARS) assert(!GRPC_ENV_VARS.includes(name));
  assert.equal(new Set(GRPC_ENV_VARS).size, GRPC_ENV_VARS.length);
});
