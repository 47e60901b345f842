import assert from "node:assert/strict";
import { AGENT_V8_FLAGS, buildRunCommand, FROM_SOURCE_ENV, shellQuote } from "../../scripts/run.ts";
import { BUNDLE_CACHE_ENV, defaultBundleCacheDir } from "../../scripts/bundle.ts";
import { DEFAULT_ENV_VARS, OptionsError } from "../../src/options/mod.ts";

const SCRIPT = new URL("../../scripts/run.ts", import.meta.url).pathname;
/** run.ts's documented permissions (its module doc), with the bundle cache the tests use. */
const LAUNCHER_FLAGS = [
  "--no-prompt",
  "--allow-read",
  `--allow-run=${Deno.execPath()}`,
  "--allow-sys=hostname",
  `--allow-write=${defaultBundleCacheDir()}`,
  `--allow-env=LOG_TOKENS,LOG_STREAM,${FROM_SOURCE_ENV},${BUNDLE_CACHE_ENV},XDG_CACHE_HOME,HOME`,
];

/**
 * `entry` is main.js of a complete bundle in `cache` (`<cache>/<key>/main.js`).
 * Not compared with a fresh ensureBundle(): sources edited meanwhile give a new key.
 */
function assertBundleEntry(entry: string | undefined, cache: string): void {
  assert.ok(
    entry?.startsWith(`${cache}/`) && /\/[0-9a-f]{32}\/main\.js$/.test(entry),
    String(entry),
  );
  assert.ok(entry !== undefined && Deno.statSync(entry).isFile, String(entry));
}

Deno.test("buildRunCommand() runs the agent's bundle with the permissions computed from the flags, never -A", async () => {
  const cmd = await buildRunCommand([
    "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
    "--pod-manifest-path=/etc/kubernetes/manifests",
    "--hostname-override=node-1",
    "--read-only-port=0",
  ], "/opt/deno");
  assert.deepEqual(cmd.slice(0, 4), [
    "/opt/deno",
    "run",
    `--v8-flags=${AGENT_V8_FLAGS.join(",")}`,
    "--no-prompt",
  ]);
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
  assertBundleEntry(cmd.at(-5), defaultBundleCacheDir());
  assert.ok(!cmd.some((a) => a.endsWith("/main.ts")));
  assert.equal(cmd.at(-1), "--read-only-port=0", "the agent gets the same flags");
});

Deno.test("buildRunCommand() runs main.ts from source when asked (option or DENOLET_FROM_SOURCE=1) and when bundling fails, saying why", async (t) => {
  const args = ["--container-runtime-endpoint=embedded", "--root-dir=/tmp/denolet-x"];
  const main = new URL("../../main.ts", import.meta.url).pathname;
  await t.step("fromSource", async () => {
    const cmd = await buildRunCommand(args, "/opt/deno", { fromSource: true });
    assert.equal(cmd.at(-3), main);
  });
  await t.step(`${FROM_SOURCE_ENV}=1`, async () => {
    Deno.env.set(FROM_SOURCE_ENV, "1");
    try {
      assert.equal((await buildRunCommand(args, "/opt/deno")).at(-3), main);
    } finally {
      Deno.env.delete(FROM_SOURCE_ENV);
    }
  });
  await t.step("bundling fails", async () => {
    const root = await Deno.makeTempDir({ prefix: "denolet-bad-repo-" });
    const cacheDir = await Deno.makeTempDir({ prefix: "denolet-bad-cache-" });
    try {
      await Deno.mkdir(`${root}/src`);
      await Deno.writeTextFile(`${root}/deno.json`, "{}\n");
      await Deno.writeTextFile(`${root}/main.ts`, `import "./src/missing.ts";\n`);
      const lines: string[] = [];
      const cmd = await buildRunCommand(args, "/opt/deno", {
        bundle: { root, cacheDir },
        warn: (l) => lines.push(l),
      });
      assert.equal(cmd.at(-3), main);
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(
        lines[0],
        /^denolet: running main\.ts from source: cannot bundle the agent: deno bundle failed/,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(cacheDir, { recursive: true });
    }
  });
});

Deno.test("buildRunCommand() grants only the import-time env names for --version, and throws OptionsError for bad flags", async () => {
  const cmd = await buildRunCommand(["--version"], "/opt/deno");
  assert.deepEqual(cmd.slice(4, 5), [`--allow-env=${DEFAULT_ENV_VARS.join(",")}`]);
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

Deno.test("deno.json starts the agent through scripts/start.sh, whose print step may run only deno and write only the bundle cache, and compiles with --allow-run for the Deno binary only", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  const denoPath = `"$(deno eval 'console.log(Deno.execPath())')"`;
  for (const task of ["start", "demo"]) {
    const command: string = config.tasks[task].command;
    assert.ok(command.startsWith(`DENO=${denoPath} sh scripts/start.sh`), `${task}: ${command}`);
  }
  const startSh = await Deno.readTextFile(new URL("../../scripts/start.sh", import.meta.url));
  const lines = startSh.replaceAll("\\\n", " ").split("\n").filter((l) => !l.startsWith("#"));
  // Both print steps (the launcher bundle's and run.ts from source) only print.
  const calls = lines.filter((l) => l.includes("print_command ") && !l.includes("()"));
  assert.equal(calls.length, 2, calls.join("\n"));
  for (const call of calls) assert.match(call, /print_command "[^"]+" --print-command "\$@"/);
  const printStep = lines.find((l) => l.includes('"$deno" run'));
  if (printStep === undefined) throw new Error(`no print step in scripts/start.sh:\n${startSh}`);
  const flags = printStep.split(/\s+/).filter((w) => /^--allow-(run|write)/.test(w)).sort();
  assert.deepEqual(flags, ['--allow-run="$deno"', '--allow-write="$DENOLET_BUNDLE_CACHE"']);
  assert.doesNotMatch(printStep, /--allow-net|(^|\s)-A\b/);
  assert.match(printStep, /--no-prompt/);
  const compile: string = config.tasks.compile.command;
  assert.ok(compile.includes(`--allow-run=${denoPath}`), compile);
  assert.ok(compile.includes(`--allow-write="$HOME/.cache/denolet/bundle"`), compile);
  assert.doesNotMatch(compile, /--allow-run(\s|$)|--allow-write(\s|$)|--allow-net|(^|\s)-A\b/);
  assert.match(compile, /--no-prompt/, "compile cannot stop on a prompt once read is revoked");
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

Deno.test("examples/denolet.service restarts always, kills its control group, and runs scripts/start.sh as deno.json does", async () => {
  const unit = await Deno.readTextFile(new URL("../../examples/denolet.service", import.meta.url));
  const lines = unit.split("\n");
  assert.ok(lines.includes("Restart=always"));
  assert.ok(lines.includes("KillMode=control-group"));
  assert.ok(lines.includes("ExecStart=/usr/local/bin/denolet --config=/etc/denolet/config.yaml"));
  assert.ok(
    lines.includes(
      "#ExecStart=/bin/sh /opt/denolet/scripts/start.sh --config=/etc/denolet/config.yaml",
    ),
    "a commented from-source alternative",
  );
  assert.ok(lines.includes("#Environment=DENO=/usr/local/bin/deno"), "it names the deno binary");
});

const START_SH = new URL("../../scripts/start.sh", import.meta.url).pathname;

Deno.test("shellQuote() gives a line that sh's eval splits back into the same words", async () => {
  const words = [
    "plain",
    "with space",
    "it's",
    "$HOME",
    "`id`",
    "back\\slash",
    "new\nline",
    "",
    "'",
  ];
  const out = await new Deno.Command("sh", {
    args: ["-c", `eval "set -- ${"$"}1"; printf '%s\\0' "$@"`, "sh", shellQuote(words)],
    stdout: "piped",
  }).output();
  assert.deepEqual(new TextDecoder().decode(out.stdout).split("\0").slice(0, -1), words);
});

Deno.test("scripts/start.sh prints one line for bad flags and exits 1, and answers --version through the agent", async (t) => {
  const run = (args: string[]) =>
    new Deno.Command("sh", {
      args: [START_SH, ...args],
      env: { DENO: Deno.execPath() },
      stdout: "piped",
      stderr: "piped",
    }).output();
  await t.step("bad flag", async () => {
    const out = await run(["--max-pods=zero"]);
    assert.equal(out.code, 1);
    assert.equal(
      new TextDecoder().decode(out.stderr).trim(),
      'denolet: invalid value "zero" for flag --max-pods: not an integer',
    );
  });
  await t.step("--version", async () => {
    const out = await run(["--version"]);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /^denolet v\d+\.\d+\.\d+/);
  });
});

/** The NUL-separated command line of `pid`, read by `cat` (Deno opens /proc only with every permission). */
async function cmdline(pid: number): Promise<string[]> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/cmdline`], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\0").filter((a) => a !== "");
}

Deno.test("scripts/start.sh replaces itself with the agent: the process it started runs the bundle it built (DENO a symlink), stops on SIGTERM and exits with the agent's code", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-start-sh-" });
  try {
    // An empty bundle cache: the print step must run `deno bundle`, which its
    // --allow-run allows only when it names the binary itself, not the symlink.
    await Deno.symlink(Deno.execPath(), `${dir}/deno-link`);
    const cache = `${dir}/bundle-cache`;
    await Deno.mkdir(`${dir}/manifests`);
    await Deno.writeTextFile(
      `${dir}/kubelet.yaml`,
      `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\npodLogsDir: ${dir}/logs\n`,
    );
    const child = new Deno.Command("sh", {
      args: [
        START_SH,
        "--container-runtime-endpoint=embedded",
        `--root-dir=${dir}/root`,
        `--config=${dir}/kubelet.yaml`,
        `--pod-manifest-path=${dir}/manifests`,
        "--hostname-override=n1",
        "--healthz-port=0",
        "--read-only-port=0",
      ],
      env: { DENO: `${dir}/deno-link`, DENOLET_BUNDLE_CACHE: cache },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new Response(child.stdout).text();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    while (!/Started the embedded fake CRI runtime/.test(log)) {
      const { value, done } = await reader.read();
      if (done) break;
      log += value;
    }
    const args = await cmdline(child.pid);
    assert.equal(args[0], Deno.execPath(), log);
    assert.equal(args[1], "run");
    // The agent's bundle, and the launcher's (scripts/launcher_bundle.ts) in its own dir.
    const built = [...Deno.readDirSync(cache)].map((e) => e.name).filter((n) =>
      n !== "launcher" && n !== "source-stats"
    );
    assert.equal(built.length, 1, `one bundle in the cache: ${built.join(" ")}`);
    assert.ok(args.includes(`${cache}/${built[0]}/main.js`), `${args.join(" ")}\n${log}`);
    assert.ok(args.includes(`--v8-flags=${AGENT_V8_FLAGS.join(",")}`));
    Deno.kill(child.pid, "SIGTERM");
    for (let r = await reader.read(); !r.done; r = await reader.read()) log += r.value;
    const { code } = await child.status;
    await stdout;
    assert.match(log, /denolet stopped/);
    assert.equal(code, 0, log);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AGENT_V8_FLAGS exposes gc, so the agent's memory trim (src/util/memory_trim.ts) runs", () => {
  assert.ok(AGENT_V8_FLAGS.includes("--expose-gc"), AGENT_V8_FLAGS.join(","));
});
