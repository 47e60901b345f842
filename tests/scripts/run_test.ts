import assert from "node:assert/strict";
import { buildRunCommand } from "../../scripts/run.ts";
import { OptionsError } from "../../src/options/options_error.ts";
import { DEFAULT_ENV_VARS } from "../../src/options/permissions.ts";

const SCRIPT = new URL("../../scripts/run.ts", import.meta.url).pathname;
const LAUNCHER_FLAGS = [
  "--allow-read",
  "--allow-run",
  "--allow-sys=hostname",
  "--allow-env=LOG_TOKENS,LOG_STREAM",
];

Deno.test("buildRunCommand() runs main.ts with the permissions computed from the flags, never -A", async () => {
  const cmd = await buildRunCommand([
    "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
    "--pod-manifest-path=/etc/kubernetes/manifests",
    "--hostname-override=node-1",
    "--read-only-port=0",
  ], "/opt/deno");
  assert.deepEqual(cmd.slice(0, 3), ["/opt/deno", "run", "--no-prompt"]);
  assert.ok(
    cmd.includes(
      "--allow-read=/etc/kubernetes/manifests,/var/lib/kubelet,/var/log/pods,/run/containerd/containerd.sock",
    ),
  );
  assert.ok(
    cmd.includes("--allow-net=unix:/run/containerd/containerd.sock,127.0.0.1:10248,127.0.0.1"),
  );
  assert.ok(!cmd.includes("-A") && !cmd.includes("--allow-all"));
  assert.ok(cmd.some((a) => a.endsWith("/main.ts")));
  assert.equal(cmd.at(-1), "--read-only-port=0", "the agent gets the same flags");
});

Deno.test("buildRunCommand() grants only the import-time env names for --version, and throws OptionsError for bad flags", async () => {
  const cmd = await buildRunCommand(["--version"], "/opt/deno");
  assert.deepEqual(cmd.slice(3, 4), [`--allow-env=${DEFAULT_ENV_VARS.join(",")}`]);
  await assert.rejects(buildRunCommand(["--max-pods=zero"], "/opt/deno"), OptionsError);
});

Deno.test("scripts/run.ts prints one line for bad flags and exits 1, and prints --version", async (t) => {
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", ...LAUNCHER_FLAGS, SCRIPT, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  await t.step("bad flag", async () => {
    const out = await run(["--image-gc-high-threshold=90x"]);
    assert.equal(out.code, 1);
    assert.equal(
      new TextDecoder().decode(out.stderr).trim(),
      'denolet: invalid value "90x" for flag --image-gc-high-threshold: not an integer',
    );
  });
  await t.step("--version", async () => {
    const out = await run(["--version"]);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /^denolet v\d+\.\d+\.\d+/);
  });
});

Deno.test("the agent reports a dead runtime socket clearly, exits 1, and never falls back to the fake", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-dead-socket-" });
  try {
    await Deno.writeTextFile(
      `${dir}/kubelet.yaml`,
      `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\npodLogsDir: ${dir}/logs\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...LAUNCHER_FLAGS,
        SCRIPT,
        `--container-runtime-endpoint=unix://${dir}/none.sock`,
        `--root-dir=${dir}/root`,
        `--config=${dir}/kubelet.yaml`,
        "--hostname-override=n1",
        "--healthz-port=0",
        "--read-only-port=0",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, text);
    assert.match(
      text,
      new RegExp(`Cannot connect to the container runtime at unix://${dir}/none.sock`),
    );
    assert.match(text, /--container-runtime-endpoint=embedded/);
    assert.doesNotMatch(text, /Started the embedded fake CRI runtime/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
