import assert from "node:assert/strict";
import {
  buildCompileCommand,
  DENORT_MESSAGE,
  explainCompileFailure,
} from "../../scripts/compile.ts";
import { AGENT_V8_FLAGS } from "../../scripts/run.ts";
import { defaultBundleCacheDir } from "../../scripts/bundle.ts";
import {
  computePermissions,
  type KubeletOptions,
  loadKubeletOptions,
  TLS_ENV_VARS,
  YAML_ENV_VARS,
} from "../../src/options/mod.ts";
import { GRPC_ENV_VARS } from "../../src/cri/permissions_env.ts";

const ENV = [...GRPC_ENV_VARS, ...YAML_ENV_VARS, ...TLS_ENV_VARS].join(",");
const SCRIPT = new URL("../../scripts/compile.ts", import.meta.url).pathname;

async function optionsFor(args: string[]): Promise<KubeletOptions> {
  const r = await loadKubeletOptions(args, { hostname: () => "host" });
  if (r.kind !== "run") throw new Error("expected a run result");
  return r.options;
}

Deno.test("buildCompileCommand() builds deno compile with the default permission set", async () => {
  const permissions = computePermissions(await optionsFor([]));
  assert.deepEqual(buildCompileCommand({ permissions }), [
    "deno",
    "compile",
    "--output",
    "dist/denolet",
    `--v8-flags=${AGENT_V8_FLAGS.join(",")}`,
    "--allow-read=/var/lib/kubelet,/var/log/pods,/run/containerd/containerd.sock",
    "--allow-write=/var/lib/kubelet,/var/log/pods,/run/containerd/containerd.sock",
    "--allow-net=unix:/run/containerd/containerd.sock,127.0.0.1:10248,127.0.0.1:10255,127.0.0.1,10.88.0.0/16",
    `--allow-env=${ENV}`,
    "--allow-sys",
    "--allow-run=ln,mount,umount",
    "main.ts",
  ]);
});

Deno.test("buildCompileCommand() takes the deno path, target, output and entry", async () => {
  const permissions = computePermissions(
    await optionsFor([
      "--container-runtime-endpoint=embedded",
      "--root-dir=/tmp/denolet",
      "--hostname-override=demo",
      "--healthz-port=0",
      "--read-only-port=0",
    ]),
  );
  assert.deepEqual(
    buildCompileCommand({
      permissions,
      deno: "/opt/deno",
      target: "aarch64-unknown-linux-gnu",
      output: "/out/denolet-arm64",
      entry: "./main.ts",
    }),
    [
      "/opt/deno",
      "compile",
      "--target",
      "aarch64-unknown-linux-gnu",
      "--output",
      "/out/denolet-arm64",
      `--v8-flags=${AGENT_V8_FLAGS.join(",")}`,
      "--allow-read=/tmp/denolet,/var/log/pods",
      "--allow-write=/tmp/denolet,/var/log/pods",
      "--allow-net=unix:/tmp/denolet/embedded-cri.sock,127.0.0.1,10.88.0.0/16",
      `--allow-env=${ENV}`,
      "--allow-sys",
      "--allow-run=ln,mount,umount",
      "./main.ts",
    ],
  );
});

Deno.test("explainCompileFailure() recognises a missing denort base binary", () => {
  const download = "\x1b[1m\x1b[31merror\x1b[0m: Writing deno compile executable to temporary " +
    "file 'dist/denolet.tmp'\n\nCaused by:\n    0: Setting up base binary.\n    1: error " +
    "sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-" +
    "linux-gnu.zip): client error (Connect): dns error";
  const missing = "error: Writing deno compile executable\n\nCaused by:\n    0: Could not " +
    "find denort at '/nonexistent'\n    1: No such file or directory (os error 2)";
  assert.equal(explainCompileFailure(download), DENORT_MESSAGE);
  assert.equal(explainCompileFailure(missing), DENORT_MESSAGE);
  assert.equal(explainCompileFailure('error: Module not found "file:///main.ts"'), undefined);
  assert.equal(
    DENORT_MESSAGE,
    "deno compile needs the denort base binary: set DENORT_BIN=/path/to/denort (download blocked here)",
  );
});

async function runScript(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      `--allow-run=${Deno.execPath()}`,
      `--allow-write=${defaultBundleCacheDir()}`,
      "--allow-env=DENORT_BIN,LOG_TOKENS,LOG_STREAM,DENOLET_BUNDLE_CACHE,XDG_CACHE_HOME,HOME",
      SCRIPT,
      ...args,
    ],
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("scripts/compile.ts fails clearly when DENORT_BIN names a missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-compile-" });
  try {
    const { code, stderr } = await runScript(
      ["--output", `${dir}/denolet`],
      { DENORT_BIN: "/nonexistent/denort" },
    );
    assert.equal(code, 1);
    assert.equal(
      stderr.trim(),
      `DENORT_BIN=/nonexistent/denort is not a file: ${DENORT_MESSAGE}`,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no binary written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scripts/compile.ts reports a bad kubelet flag as one line", async () => {
  const { code, stderr } = await runScript(["--", "--bogus"], { DENORT_BIN: "/nonexistent" });
  assert.equal(code, 1);
  assert.equal(stderr.trim(), "unknown flag: --bogus");
});

Deno.test("scripts/compile.ts compiles the agent's bundle, the main.js scripts/run.ts runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-compile-" });
  try {
    // Not a denort: deno compile fails after the command is printed, or writes a useless file.
    await Deno.writeTextFile(`${dir}/denort`, "not a denort\n");
    const { stderr } = await runScript(["--output", `${dir}/denolet`], {
      DENORT_BIN: `${dir}/denort`,
    });
    const command = stderr.split("\n").find((l) => l.startsWith("$ deno compile "));
    assert.ok(command !== undefined, stderr);
    // `<cache>/<key>/main.js` (not compared with a fresh ensureBundle(): an edit meanwhile gives a new key)
    const entry = command.split(" ").at(-1)!;
    assert.ok(entry.startsWith(`${defaultBundleCacheDir()}/`), command);
    assert.match(entry, /\/[0-9a-f]{32}\/main\.js$/);
    assert.ok(Deno.statSync(entry).isFile, entry);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
