import assert from "node:assert/strict";
import { withFakeRuntime } from "./_with_fake.ts";
import type { FakeClock } from "../../src/util/clock.ts";
import { criLogLines, type FakeRuntimeServer, rfc3339Nano } from "../../src/cri/fake/mod.ts";
import type { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../src/cri/types.ts";

interface Fixture {
  fake: FakeRuntimeServer;
  runtime: RemoteRuntimeService;
  clock: FakeClock;
  dir: string;
  sandbox: { id: string; config: PodSandboxConfig };
  /** Creates and starts a container; returns its id and log path. */
  run(name: string, extra?: Partial<ContainerConfig>): Promise<{ id: string; log: string }>;
  state(id: string): Promise<string>;
}

function withFake(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const images = [
    "busybox",
    { name: "example.com/entry:1", entrypoint: ["sh", "-c"], cmd: ["exit 5"] },
  ];
  return withFakeRuntime({ images }, async ({ fake, runtime, clock, dir }) => {
    const config: PodSandboxConfig = {
      metadata: { name: "web", uid: "uid-web", namespace: "default", attempt: 0 },
      logDirectory: `${dir}/logs/default_web_uid-web`,
    };
    const sandbox = { id: await runtime.runPodSandbox(config), config };
    const run = async (name: string, extra: Partial<ContainerConfig> = {}) => {
      const id = await runtime.createContainer({
        podSandboxId: sandbox.id,
        config: {
          metadata: { name, attempt: 0 },
          image: { image: "busybox" },
          logPath: `${name}/0.log`,
          ...extra,
        },
        sandboxConfig: config,
      });
      await runtime.startContainer(id);
      return { id, log: `${config.logDirectory}/${name}/0.log` };
    };
    const state = async (id: string) => (await runtime.containerStatus(id)).status.state;
    await fn({ fake, runtime, clock, dir, sandbox, run, state });
  });
}

Deno.test("rfc3339Nano() and criLogLines() write the CRI log format", () => {
  assert.equal(rfc3339Nano(1_700_000_000_000), "2023-11-14T22:13:20Z");
  assert.equal(rfc3339Nano(1_700_000_000_120), "2023-11-14T22:13:20.12Z");
  assert.equal(rfc3339Nano(1_700_000_000_000.5), "2023-11-14T22:13:20.0005Z");
  assert.equal(
    criLogLines("stderr", "a\nb\n\ntail", 1_700_000_000_000),
    "2023-11-14T22:13:20Z stderr F a\n2023-11-14T22:13:20Z stderr F b\n" +
      "2023-11-14T22:13:20Z stderr F \n2023-11-14T22:13:20Z stderr P tail\n",
  );
  assert.equal(criLogLines("stdout", "", 0), "");
});

Deno.test("an unscripted `sleep 5` exits 0 after 5 s on the fake's clock, not before", async () => {
  await withFake(async ({ run, state, clock, runtime }) => {
    const started = clock.now();
    const { id } = await run("sleeper", { command: ["sleep", "5"] });
    await clock.advance(4999);
    assert.equal(await state(id), "CONTAINER_RUNNING");
    await clock.advance(1);
    const { status } = await runtime.containerStatus(id);
    assert.deepEqual([status.state, status.exitCode, status.reason], [
      "CONTAINER_EXITED",
      0,
      "Completed",
    ]);
    assert.equal(status.finishedAt, (started + 5000) * 1e6);
  });
});

Deno.test("an unscripted `sh -c` script writes CRI log lines as it runs and exits with its code", async () => {
  await withFake(async ({ run, state, clock, runtime }) => {
    const t0 = rfc3339Nano(clock.now());
    const { id, log } = await run("script", {
      command: ["sh", "-c"],
      args: ["echo a; sleep 2; echo b >&2; exit 4"],
    });
    assert.equal(await Deno.readTextFile(log), `${t0} stdout F a\n`);
    assert.equal(await state(id), "CONTAINER_RUNNING");
    await clock.advance(2000);
    const t2 = rfc3339Nano(clock.now());
    assert.equal(await Deno.readTextFile(log), `${t0} stdout F a\n${t2} stderr F b\n`);
    const { status } = await runtime.containerStatus(id);
    assert.deepEqual([status.state, status.exitCode, status.reason], [
      "CONTAINER_EXITED",
      4,
      "Error",
    ]);
  });
});

Deno.test("the image's entrypoint and cmd run when the config has no command; args replace cmd", async () => {
  await withFake(async ({ run, runtime }) => {
    const image = { image: "example.com/entry:1" };
    const cases: [string, Partial<ContainerConfig>, number][] = [
      ["cmd", { image }, 5],
      ["args", { image, args: ["exit 6"] }, 6],
      ["command", { image, command: ["false"] }, 1],
    ];
    for (const [name, extra, code] of cases) {
      const { id } = await run(name, extra);
      const { status } = await runtime.containerStatus(id);
      assert.deepEqual([name, status.state, status.exitCode], [name, "CONTAINER_EXITED", code]);
    }
  });
});

Deno.test("a script's exitAfterMs overrides the command; a script without one prints and follows it", async () => {
  await withFake(async ({ fake, run, state, clock, runtime }) => {
    fake.script({
      match: { containerName: "timed" },
      stdout: "hi\n",
      exitAfterMs: 100,
      exitCode: 2,
    });
    fake.script({ match: { containerName: "printing" }, stderr: "warn\n" });
    const timed = await run("timed", { command: ["true"] });
    assert.equal(await state(timed.id), "CONTAINER_RUNNING");
    await clock.advance(100);
    assert.equal((await runtime.containerStatus(timed.id)).status.exitCode, 2);
    assert.match(await Deno.readTextFile(timed.log), / stdout F hi\n$/);
    const printing = await run("printing", { command: ["sh", "-c", "exit 7"] });
    assert.equal((await runtime.containerStatus(printing.id)).status.exitCode, 7);
    assert.match(await Deno.readTextFile(printing.log), / stderr F warn\n$/);
  });
});

Deno.test("writeOutput() and exitContainer() print into the container's log", async () => {
  await withFake(async ({ fake, run }) => {
    const { id, log } = await run("server", { command: ["httpd", "-f"] });
    fake.runtime.writeOutput(id, "listening\n");
    fake.exitContainer(id, 1, { stderr: "crashed\n" });
    const lines = (await Deno.readTextFile(log)).split("\n").map((l) =>
      l.split(" ").slice(1).join(" ")
    );
    assert.deepEqual(lines, ["stdout F listening", "stderr F crashed", ""]);
    assert.throws(() => fake.runtime.writeOutput(id, "late"), /it is CONTAINER_EXITED/);
  });
});

Deno.test("StartContainer fails with StartError 128 when the log file cannot be created", async () => {
  await withFake(async ({ runtime, sandbox, dir }) => {
    await Deno.mkdir(`${dir}/logs/default_web_uid-web`, { recursive: true });
    await Deno.writeTextFile(`${dir}/logs/default_web_uid-web/blocked`, "a file, not a directory");
    const id = await runtime.createContainer({
      podSandboxId: sandbox.id,
      config: {
        metadata: { name: "c", attempt: 0 },
        image: { image: "busybox" },
        logPath: "blocked/0.log",
      },
      sandboxConfig: sandbox.config,
    });
    await assert.rejects(runtime.startContainer(id), /failed to create and open log file/);
    const { status } = await runtime.containerStatus(id);
    assert.deepEqual([status.state, status.exitCode, status.reason], [
      "CONTAINER_EXITED",
      128,
      "StartError",
    ]);
  });
});

Deno.test("createContainer() checks seccomp like containerd: a missing absolute profile is refused, privileged skips", async () => {
  await withFake(async ({ runtime, sandbox, dir }) => {
    const create = (name: string, privileged: boolean, localhostRef: string) =>
      runtime.createContainer({
        podSandboxId: sandbox.id,
        config: {
          metadata: { name, attempt: 0 },
          image: { image: "busybox" },
          linux: {
            securityContext: { privileged, seccomp: { profileType: "Localhost", localhostRef } },
          },
        },
        sandboxConfig: sandbox.config,
      });
    await assert.rejects(
      create("missing", false, `${dir}/none.json`),
      /cannot load seccomp profile/,
    );
    await Deno.writeTextFile(`${dir}/audit.json`, "{}");
    await create("present", false, `${dir}/audit.json`);
    await create("privileged", true, "relative.json");
  });
});

Deno.test("portForward() of a stopped sandbox and exec() with tty and stderr fail like containerd", async () => {
  await withFake(async ({ runtime, run, sandbox }) => {
    const { id } = await run("app", { command: ["sleep", "3600"] });
    await assert.rejects(
      runtime.exec({ containerId: id, cmd: ["sh"], tty: true, stderr: true }),
      /tty and stderr cannot both be true/,
    );
    await runtime.stopPodSandbox(sandbox.id);
    await assert.rejects(
      runtime.portForward({ podSandboxId: sandbox.id, port: [80] }),
      /sandbox container is not running/,
    );
  });
});
