import assert from "node:assert/strict";
import { buildRunCommand } from "../../scripts/run.ts";
import { DEFAULT_ENV_VARS, OptionsError } from "../../src/options/mod.ts";

const SCRIPT = new URL("../../scripts/run.ts", import.meta.url).pathname;
const LAUNCHER_FLAGS = [
  "--no-prompt",
  "--allow-read",
  `--allow-run=${Deno.execPath()}`,
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
    cmd.includes(
      "--allow-net=unix:/run/containerd/containerd.sock,127.0.0.1:10248,127.0.0.1,10.88.0.0/16",
    ),
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

const FAKE_LAUNCHER = new URL("./_fake_launcher.ts", import.meta.url).pathname;

/**
 * Starts the launcher (with the fake agent), waits until the agent is ready,
 * sends `sig` to the launcher only, and returns what happened. An agent still
 * running once the launcher has exited is orphaned: it is killed (so the test
 * ends) and reported.
 */
async function signalLauncher(sig: Deno.Signal) {
  const launcher = new Deno.Command(Deno.execPath(), {
    args: ["run", ...LAUNCHER_FLAGS, FAKE_LAUNCHER],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(launcher.stderr).text();
  const reader = launcher.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  while (!/ready \d+\n/.test(stdout)) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += value;
  }
  const agentPid = Number(/ready (\d+)/.exec(stdout)?.[1]);
  Deno.kill(launcher.pid, sig); // not its process group: the agent only hears what is forwarded
  const { code } = await launcher.status;
  let orphaned = false;
  try {
    Deno.kill(agentPid, "SIGKILL");
    orphaned = true;
  } catch {
    // gone, as it should be: the launcher waited for it
  }
  for (let r = await reader.read(); !r.done; r = await reader.read()) stdout += r.value;
  return { code, orphaned, stdout: stdout.replace(/ready \d+/, "ready"), stderr: await stderr };
}

Deno.test("scripts/run.ts forwards SIGHUP, SIGTERM and SIGINT to the agent and exits with its code", async (t) => {
  const cases: [Deno.Signal, number][] = [["SIGHUP", 41], ["SIGTERM", 55], ["SIGINT", 42]];
  for (const [sig, code] of cases) {
    await t.step(sig, async () => {
      const got = await signalLauncher(sig);
      assert.equal(got.orphaned, false, "the agent outlived its launcher");
      assert.equal(got.stdout, `ready\nagent got ${sig}\n`, got.stderr);
      assert.equal(got.code, code, "the launcher exits with the agent's code, after it");
    });
  }
});

Deno.test("scripts/run.ts gives up its read permission before it runs the agent", async () => {
  const got = await signalLauncher("SIGTERM");
  assert.match(got.stderr, /launcher read permission: (prompt|denied)/);
});

Deno.test("deno.json runs the launchers with --allow-run for the Deno binary only", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  const computed = `--allow-run="$(deno eval 'console.log(Deno.execPath())')"`;
  for (const task of ["start", "demo", "compile"]) {
    const command: string = config.tasks[task].command;
    assert.ok(command.includes(computed), `${task}: ${command}`);
    assert.doesNotMatch(command, /--allow-run(\s|$)|--allow-write|--allow-net|(^|\s)-A\b/, task);
    assert.match(command, /--no-prompt/, `${task} cannot stop on a prompt once read is revoked`);
  }
  // The computed --allow-run really lets the launcher start the agent.
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "start", "--version"],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.match(new TextDecoder().decode(out.stdout), /^denolet v\d+\.\d+\.\d+/);
});

Deno.test("examples/denolet.service restarts always, kills its control group, and runs the launcher as deno.json does", async () => {
  const unit = await Deno.readTextFile(new URL("../../examples/denolet.service", import.meta.url));
  const lines = unit.split("\n");
  assert.ok(lines.includes("Restart=always"));
  assert.ok(lines.includes("KillMode=control-group"));
  assert.ok(lines.includes("ExecStart=/usr/local/bin/denolet --config=/etc/denolet/config.yaml"));
  const launcherLine = lines.find((l) =>
    l.startsWith("#ExecStart=") && l.includes("scripts/run.ts")
  );
  assert.ok(launcherLine, "a commented launcher alternative");
  const flags = (command: string) =>
    command.split(" ").filter((w) => w.startsWith("--allow-") || w === "--no-prompt")
      .map((w) => w.startsWith("--allow-run=") ? "--allow-run=<deno>" : w);
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const task: string = config.tasks.start.command;
  assert.deepEqual(
    flags(launcherLine.split(" scripts/run.ts")[0]),
    flags(task.split(" scripts/run.ts")[0]),
  );
});
