import assert from "node:assert/strict";
import http2 from "node:http2";
import { guardHttp2SessionDestroy } from "../../src/util/guard_http2_session_destroy.ts";

Deno.test("guardHttp2SessionDestroy() is in place on this Deno and idempotent", () => {
  // False would mean Deno's node:http2 changed shape and the agent runs unguarded.
  assert.equal(guardHttp2SessionDestroy(), true);
  assert.equal(guardHttp2SessionDestroy(), true);
});

Deno.test("a guarded session still closes its socket and emits 'close' on both ends", async () => {
  guardHttp2SessionDestroy();
  const dir = await Deno.makeTempDir({ prefix: "denolet-h2-" });
  const path = `${dir}/h2.sock`;
  const server = http2.createServer();
  const serverSessionClosed = Promise.withResolvers<void>();
  server.on("session", (session) => session.on("close", () => serverSessionClosed.resolve()));
  server.on("stream", (stream: http2.ServerHttp2Stream) => {
    stream.respond({ ":status": 200 });
    stream.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    const client = http2.connect("http://localhost", {
      path,
    } as http2.SecureClientSessionOptions);
    const body = await new Promise<string>((resolve, reject) => {
      const req = client.request({ ":path": "/" });
      let text = "";
      req.on("data", (d) => text += d);
      req.on("end", () => resolve(text));
      req.on("error", reject);
      req.end();
    });
    assert.equal(body, "ok");
    const clientClosed = new Promise<void>((resolve) => client.on("close", resolve));
    client.destroy();
    assert.equal(client.destroyed, true, "destroyed at once for JS, freed a macrotask later");
    await clientClosed;
    await serverSessionClosed.promise;
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a GOAWAY on an idle channel crashes neither the CRI client nor the server (denoland/deno#36788)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-goaway-" });
  try {
    const child = new URL("./_goaway_child.ts", import.meta.url).pathname;
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--config=${config}`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        `--allow-net=unix:${dir}/cri.sock`,
        "--allow-env",
        child,
        dir,
      ],
      // glibc fills freed memory: the use-after-free then crashes every time.
      env: { MALLOC_PERTURB_: "165" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.signal, null, `child died of ${output.signal}: ${stderr}`);
    assert.equal(output.code, 0, stderr);
    assert.equal(new TextDecoder().decode(output.stdout).trim(), "survived");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
