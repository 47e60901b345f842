import assert from "node:assert/strict";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../src/cri/types.ts";
import { type FakeEnv, fakeEnv } from "./_fake_env.ts";

function pod(containers: Container[], spec: Partial<NonNullable<Pod["spec"]>> = {}): Pod {
  return setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "uid-1", labels: { app: "web" } },
    spec: { containers, ...spec },
  });
}

const a: Container = { name: "a", image: "busybox:1.36", command: ["sleep", "1000"] };
const b: Container = { name: "b", image: "busybox:1.36", command: ["sleep", "2000"] };

/** Lets real socket I/O settle until `cond` holds (bounded: at most 500 turns). */
async function until(cond: () => boolean, env: FakeEnv): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await env.clock.advance(0);
  assert.ok(cond(), "condition not reached");
}

async function sync(env: FakeEnv, p: Pod) {
  const status = await env.manager.getPodStatus(
    p.metadata!.uid!,
    p.metadata!.name!,
    p.metadata!.namespace!,
  );
  return await env.manager.syncPod(p, status, { backOff: env.backOff });
}

Deno.test("syncPod() creates the sandbox and containers with the kubelet's labels", async () => {
  await using env = await fakeEnv();
  const p = pod([a, b]);
  const result = await sync(env, p);
  assert.equal(result.errorText(), undefined);

  const [sb] = env.fake.runtime.sandboxes();
  const sbConfig = sb.config as PodSandboxConfig;
  assert.deepEqual(sbConfig.labels, {
    app: "web",
    "io.kubernetes.pod.name": "web",
    "io.kubernetes.pod.namespace": "default",
    "io.kubernetes.pod.uid": "uid-1",
  });
  assert.equal(sbConfig.hostname, "web");
  assert.equal(sbConfig.logDirectory, `${env.podLogsDir}/default_web_uid-1`);

  const containers = env.fake.runtime.containers();
  assert.equal(containers.length, 2);
  for (const c of containers) {
    const cfg = c.config;
    assert.equal(c.state, "CONTAINER_RUNNING");
    assert.equal(cfg.labels?.["io.kubernetes.pod.name"], "web");
    assert.equal(cfg.labels?.["io.kubernetes.container.name"], cfg.metadata?.name);
    assert.equal(cfg.annotations?.["io.kubernetes.container.restartCount"], "0");
    assert.equal(cfg.annotations?.["io.kubernetes.container.type"], "container");
    assert.equal(cfg.logPath, `${cfg.metadata?.name}/0.log`);
  }
  // a and b start in parallel (parallelContainerStarts): either may be reported first.
  assert.deepEqual(
    env.events.filter((e) => e.reason === "Started").map((e) => e.message).sort(),
    ["Started container a", "Started container b"],
  );

  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  assert.equal(status.sandboxStatuses.length, 1);
  assert.equal(status.containerStatuses.length, 2);
  assert.ok(status.ips.length > 0);

  env.takeMethods();
  const again = await env.manager.syncPod(p, status, { backOff: env.backOff });
  assert.equal(again.results.length, 0);
  assert.deepEqual(env.takeMethods(), []);
});

Deno.test("getPods() groups sandboxes and containers by the pod UID label", async () => {
  await using env = await fakeEnv();
  await sync(env, pod([a, b]));
  // A sandbox not made by the agent (no kubelet labels) is left out.
  await env.runtime.runPodSandbox({
    metadata: { name: "foreign", namespace: "x", uid: "foreign-uid", attempt: 0 },
  });
  const pods = await env.manager.getPods(true);
  assert.equal(pods.length, 1);
  assert.equal(pods[0].uid, "uid-1");
  assert.equal(pods[0].name, "web");
  assert.equal(pods[0].namespace, "default");
  assert.equal(pods[0].sandboxes.length, 1);
  assert.deepEqual(pods[0].containers.map((c) => c.name).sort(), ["a", "b"]);
  assert.ok(pods[0].containers.every((c) => c.state === "running" && c.hash !== ""));
});

Deno.test("syncPod() restarts only the container whose spec was edited", async () => {
  await using env = await fakeEnv();
  await sync(env, pod([a, b]));
  const before = new Map(env.fake.runtime.containers().map((c) => [c.id, c.config.metadata?.name]));
  const idOfA = [...before].find(([, n]) => n === "a")![0];
  const idOfB = [...before].find(([, n]) => n === "b")![0];

  const edited = pod([a, { ...b, env: [{ name: "MODE", value: "new" }] }]);
  env.takeMethods();
  const result = await sync(env, edited);
  assert.equal(result.errorText(), undefined);
  const calls = env.fake.calls;
  const stopped = env.fake.recorder.requestsOf("StopContainer") as { containerId: string }[];
  assert.deepEqual(stopped.map((s) => s.containerId), [idOfB]);
  assert.equal(env.fake.runtime.getContainer(idOfA)?.state, "CONTAINER_RUNNING");
  const created = env.fake.recorder.requestsOf("CreateContainer") as { config: ContainerConfig }[];
  assert.equal(created.length, 1, JSON.stringify(calls.map((c) => c.method)));
  assert.equal(created[0].config.metadata?.name, "b");
  assert.equal(created[0].config.metadata?.attempt, 1);
  assert.deepEqual(created[0].config.envs, [{ key: "MODE", value: "new" }]);
  assert.ok(
    env.events.some((e) =>
      e.reason === "Killing" && e.message === "Container b definition changed, will be restarted"
    ),
  );
});

Deno.test("syncPod() backs off a crashing container 10s, 20s, 40s (CrashLoopBackOff)", async () => {
  await using env = await fakeEnv();
  env.fake.runtime.script({ match: { containerName: "crash" }, exitAfterMs: 100, exitCode: 1 });
  const p = pod([{ name: "crash", image: "busybox:1.36" }]);
  assert.ok((await sync(env, p)).ok());
  await env.clock.advance(100); // first crash
  assert.ok((await sync(env, p)).ok(), "the first restart is immediate");

  const delays: number[] = [];
  for (let round = 0; round < 3; round++) {
    await env.clock.advance(100); // crashes again
    const crashedAt = env.clock.now();
    const r = await sync(env, p);
    const [failure] = r.failures();
    assert.equal(failure?.error, "CrashLoopBackOff");
    assert.match(
      failure.message!,
      /^back-off \d+s restarting failed container=crash pod=web_default\(uid-1\)$/,
    );
    const until = r.minBackOffExpiry()!;
    delays.push(until - crashedAt);
    await env.clock.advance(until - crashedAt - 1);
    assert.equal((await sync(env, p)).failures()[0]?.error, "CrashLoopBackOff");
    await env.clock.advance(1);
    assert.ok((await sync(env, p)).ok(), `restart after ${until - crashedAt} ms`);
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000]);
  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  assert.equal(status.containerStatuses[0].restartCount, 4);
  assert.ok(env.events.some((e) =>
    e.reason === "BackOff" &&
    e.message === "Back-off restarting failed container crash in pod web_default(uid-1)"
  ));
});

Deno.test("syncPod() follows the image pull policy", async (t) => {
  await t.step("Never with the image missing: ErrImageNeverPull", async () => {
    await using env = await fakeEnv({ images: [] });
    const r = await sync(env, pod([{ ...a, imagePullPolicy: "Never" }]));
    assert.equal(r.failures()[0].error, "ErrImageNeverPull");
    assert.equal(
      r.failures()[0].message,
      'Container image "busybox:1.36" is not present with pull policy of Never',
    );
    assert.equal(env.fake.recorder.requestsOf("PullImage").length, 0);
  });
  await t.step("IfNotPresent with the image present: no pull", async () => {
    await using env = await fakeEnv();
    const r = await sync(env, pod([{ ...a, imagePullPolicy: "IfNotPresent" }]));
    assert.ok(r.ok());
    assert.equal(env.fake.recorder.requestsOf("PullImage").length, 0);
    assert.ok(
      env.events.some((e) =>
        e.message === 'Container image "busybox:1.36" already present on machine'
      ),
    );
  });
  await t.step("Always: pulls even when present", async () => {
    await using env = await fakeEnv();
    const r = await sync(env, pod([{ ...a, imagePullPolicy: "Always" }]));
    assert.ok(r.ok());
    assert.equal(env.fake.recorder.requestsOf("PullImage").length, 1);
    assert.ok(
      env.events.some((e) => e.reason === "Pulled" && /^Successfully pulled/.test(e.message)),
    );
  });
  await t.step("a failing pull backs off per image", async () => {
    await using env = await fakeEnv({ images: [] });
    env.fake.images.failPull("busybox:1.36", "registry unreachable");
    const p = pod([a]);
    const first = await sync(env, p);
    assert.equal(first.failures()[0].error, "ErrImagePull");
    assert.match(first.failures()[0].message!, /registry unreachable/);
    const second = await sync(env, p);
    assert.equal(second.failures()[0].error, "ImagePullBackOff");
    assert.equal(second.failures()[0].message, 'Back-off pulling image "busybox:1.36"');
    assert.equal(env.fake.recorder.requestsOf("PullImage").length, 1);
    await env.clock.advance(10_000);
    assert.equal((await sync(env, p)).failures()[0].error, "ErrImagePull");
    await env.clock.advance(10_000);
    assert.equal((await sync(env, p)).failures()[0].error, "ImagePullBackOff", "now 20s");
    await env.clock.advance(10_000);
    assert.equal((await sync(env, p)).failures()[0].error, "ErrImagePull", "after 20s");
    assert.equal(env.fake.recorder.requestsOf("PullImage").length, 3);
  });
});

Deno.test("killPod() stops containers with the pod's grace period and runs preStop", async (t) => {
  await t.step("terminationGracePeriodSeconds is passed to StopContainer", async () => {
    await using env = await fakeEnv();
    const p = pod([a], { terminationGracePeriodSeconds: 45 });
    await sync(env, p);
    const running = (await env.manager.getPods(false))[0];
    const r = await env.manager.killPod(p, running);
    assert.ok(r.ok(), r.errorText() ?? "");
    const stops = env.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
    assert.deepEqual(stops.map((s) => s.timeout), [45]);
    assert.equal(env.fake.recorder.requestsOf("StopPodSandbox").length, 1);
    assert.ok(
      env.events.some((e) => e.reason === "Killing" && e.message === "Stopping container a"),
    );
  });
  await t.step("a small grace period is floored at 2s; an override wins", async () => {
    await using env = await fakeEnv();
    const p = pod([a, b], { terminationGracePeriodSeconds: 1 });
    await sync(env, p);
    const running = (await env.manager.getPods(false))[0];
    await env.manager.killPod(p, { ...running, containers: running.containers.slice(0, 1) });
    await env.manager.killPod(p, { ...running, containers: running.containers.slice(1) }, 7);
    const stops = env.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
    assert.deepEqual(stops.map((s) => s.timeout), [2, 7]);
  });
  await t.step("preStop exec runs first and its time is subtracted", async () => {
    await using env = await fakeEnv();
    const withHook: Container = {
      ...a,
      lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
    };
    const p = pod([withHook], { terminationGracePeriodSeconds: 30 });
    await sync(env, p);
    const running = (await env.manager.getPods(false))[0];
    const killing = env.manager.killPod(p, running);
    await until(() => env.fake.recorder.requestsOf("ExecSync").length > 0, env);
    await env.clock.advance(5_000);
    assert.ok((await killing).ok());
    const exec = env.fake.recorder.requestsOf("ExecSync") as { cmd: string[] }[];
    assert.deepEqual(exec[0].cmd, ["sleep", "5"]);
    const stops = env.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
    assert.deepEqual(stops.map((s) => s.timeout), [25]);
  });
  await t.step("a preStop hook longer than the grace period is cut off", async () => {
    await using env = await fakeEnv();
    const withHook: Container = {
      ...a,
      lifecycle: { preStop: { exec: { command: ["sleep", "100"] } } },
    };
    const p = pod([withHook], { terminationGracePeriodSeconds: 10 });
    await sync(env, p);
    const running = (await env.manager.getPods(false))[0];
    const killing = env.manager.killPod(p, running);
    await until(() => env.fake.recorder.requestsOf("ExecSync").length > 0, env);
    await env.clock.advance(10_000);
    assert.ok((await killing).ok());
    const stops = env.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
    assert.deepEqual(stops.map((s) => s.timeout), [2]);
  });
  await t.step("preStop httpGet goes to the injected GET", async () => {
    const urls: string[] = [];
    await using env = await fakeEnv({
      httpGet: (url, headers) => {
        urls.push(`${url} ${headers["X-Why"]}`);
        return Promise.resolve({ status: 200 });
      },
    });
    const withHook: Container = {
      ...a,
      ports: [{ name: "http", containerPort: 8080 }],
      lifecycle: {
        preStop: {
          httpGet: {
            port: "http",
            path: "shutdown",
            host: "127.0.0.1",
            httpHeaders: [{ name: "X-Why", value: "stop" }],
          },
        },
      },
    };
    const p = pod([withHook]);
    await sync(env, p);
    await env.manager.killPod(p, (await env.manager.getPods(false))[0]);
    assert.deepEqual(urls, ["http://127.0.0.1:8080/shutdown stop"]);
  });
  await t.step("an orphan (no pod spec) is killed with its recorded grace period", async () => {
    await using env = await fakeEnv();
    await sync(env, pod([a], { terminationGracePeriodSeconds: 12 }));
    const r = await env.manager.killPod(undefined, (await env.manager.getPods(false))[0]);
    assert.ok(r.ok());
    const stops = env.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
    assert.deepEqual(stops.map((s) => s.timeout), [12]);
  });
});

Deno.test("syncPod() runs init containers one at a time before the app containers", async () => {
  await using env = await fakeEnv();
  env.fake.runtime.script({ match: { containerName: "init1" }, exitAfterMs: 50, exitCode: 0 });
  env.fake.runtime.script({ match: { containerName: "init2" }, exitAfterMs: 50, exitCode: 0 });
  const p = pod([a], {
    initContainers: [
      { name: "init1", image: "busybox:1.36" },
      { name: "init2", image: "busybox:1.36" },
    ],
  });
  const names = () =>
    (env.fake.recorder.requestsOf("CreateContainer") as { config: ContainerConfig }[])
      .map((r) => r.config.metadata?.name);
  await sync(env, p);
  assert.deepEqual(names(), ["init1"]);
  await sync(env, p);
  assert.deepEqual(names(), ["init1"], "waits while init1 runs");
  await env.clock.advance(50);
  await sync(env, p);
  assert.deepEqual(names(), ["init1", "init2"]);
  await env.clock.advance(50);
  await sync(env, p);
  assert.deepEqual(names(), ["init1", "init2", "a"]);
});

Deno.test("syncPod() kills the container when its postStart hook fails", async () => {
  await using env = await fakeEnv();
  const p = pod([{ ...a, lifecycle: { postStart: { exec: { command: ["false"] } } } }]);
  const r = await sync(env, p);
  assert.equal(r.failures()[0].error, "PostStartHookError");
  assert.equal(
    r.failures()[0].message,
    'Exec lifecycle hook ([false]) for Container "a" in Pod "web_default(uid-1)" failed - ' +
      `error: command 'false' exited with 1: , message: ""`,
  );
  assert.ok(env.events.some((e) => e.reason === "FailedPostStartHook"));
  assert.equal(env.fake.recorder.requestsOf("StopContainer").length, 1);
});

Deno.test("syncPod() re-creates a dead sandbox with the next attempt", async () => {
  await using env = await fakeEnv();
  const p = pod([a]);
  await sync(env, p);
  const [sb] = env.fake.runtime.sandboxes();
  env.fake.runtime.setSandboxNotReady(sb.id);
  const r = await sync(env, p);
  assert.ok(r.ok(), r.errorText() ?? "");
  const runs = env.fake.recorder.requestsOf("RunPodSandbox") as { config: PodSandboxConfig }[];
  assert.deepEqual(runs.map((x) => x.config.metadata?.attempt), [0, 1]);
  assert.ok(env.events.some((e) => e.reason === "SandboxChanged"));
});

Deno.test("syncPod() with host networking sets no hostname and namespace NODE", async () => {
  await using env = await fakeEnv({ env: { hostIps: ["192.168.1.5"] } });
  const p = pod([{
    ...a,
    env: [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
  }], {
    hostNetwork: true,
  });
  assert.ok((await sync(env, p)).ok());
  const [run] = env.fake.recorder.requestsOf("RunPodSandbox") as { config: PodSandboxConfig }[];
  assert.equal(run.config.hostname, "");
  assert.equal(run.config.linux?.securityContext?.namespaceOptions?.network, "NODE");
  const [created] = env.fake.recorder.requestsOf("CreateContainer") as {
    config: ContainerConfig;
  }[];
  assert.deepEqual(created.config.envs, [{ key: "IP", value: "192.168.1.5" }]);
  assert.ok((await sync(env, p)).results.length === 0, "a host-network sandbox needs no IP");
});

Deno.test("syncPod() mounts emptyDir volumes and the termination message file", async () => {
  await using env = await fakeEnv();
  const p = pod([{ ...a, volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }], {
    volumes: [{ name: "scratch", emptyDir: {} }],
  });
  assert.ok((await sync(env, p)).ok());
  const [created] = env.fake.recorder.requestsOf("CreateContainer") as {
    config: ContainerConfig;
  }[];
  const mounts = created.config.mounts ?? [];
  const scratch = mounts.find((m) => m.containerPath === "/scratch");
  assert.equal(
    scratch?.hostPath,
    `${env.rootDir}/pods/uid-1/volumes/kubernetes.io~empty-dir/scratch`,
  );
  const term = mounts.find((m) => m.containerPath === "/dev/termination-log");
  assert.match(term?.hostPath ?? "", /\/pods\/uid-1\/containers\/a\/[0-9a-f]{8}$/);
  assert.ok((await Deno.stat(`${env.podLogsDir}/default_web_uid-1/a`)).isDirectory);
});

Deno.test("syncPod() reports FailedMount and starts nothing when a volume fails", async () => {
  await using env = await fakeEnv({
    mount: {
      mountTmpfs: () => Promise.reject(new Error("operation not permitted")),
      unmount: () => Promise.resolve(),
      isMountPoint: () => Promise.resolve(false),
    },
  });
  const p = pod([a], { volumes: [{ name: "mem", emptyDir: { medium: "Memory" } }] });
  const r = await sync(env, p);
  assert.match(
    r.errorText()!,
    /MountVolume.SetUp failed for volume "mem" : operation not permitted/,
  );
  assert.ok(env.events.some((e) => e.type === "Warning" && e.reason === "FailedMount"));
  assert.equal(env.fake.recorder.requestsOf("RunPodSandbox").length, 0);
});

Deno.test("syncPod() continues the restart count from the log directory", async () => {
  await using env = await fakeEnv();
  await Deno.mkdir(`${env.podLogsDir}/default_web_uid-1/a`, { recursive: true });
  await Deno.writeTextFile(`${env.podLogsDir}/default_web_uid-1/a/4.log`, "");
  await Deno.writeTextFile(`${env.podLogsDir}/default_web_uid-1/a/2.log`, "");
  assert.ok((await sync(env, pod([a]))).ok());
  const [created] = env.fake.recorder.requestsOf("CreateContainer") as {
    config: ContainerConfig;
  }[];
  assert.equal(created.config.metadata?.attempt, 5);
  assert.equal(created.config.logPath, "a/5.log");
});

Deno.test("getPodStatus() reads the termination message of an exited container", async () => {
  await using env = await fakeEnv();
  await sync(env, pod([a]));
  const [c] = env.fake.runtime.containers();
  const file = c.config.mounts.find((m) => m.containerPath === "/dev/termination-log")!.hostPath;
  await Deno.writeTextFile(file, "bye");
  env.fake.runtime.exitContainer(c.id, 2);
  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  assert.equal(status.containerStatuses[0].state, "exited");
  assert.equal(status.containerStatuses[0].exitCode, 2);
  assert.equal(status.containerStatuses[0].message, "bye");
});

Deno.test("syncPod() reports FailedCreatePodSandBox when the runtime refuses the sandbox", async () => {
  await using env = await fakeEnv();
  env.fake.injectError("RunPodSandbox", 2, "no network", { times: 1 });
  const r = await sync(env, pod([a]));
  const [f] = r.failures();
  assert.equal(f.action, "CreatePodSandbox");
  assert.equal(f.error, "CreatePodSandboxError");
  assert.equal(f.target, "web_default");
  assert.ok(env.events.some((e) => e.reason === "FailedCreatePodSandBox"));
  assert.ok((await sync(env, pod([a]))).ok(), "the next sync retries");
});

Deno.test("version() answers the runtime's versions and type() its name", async () => {
  await using env = await fakeEnv();
  assert.equal(env.manager.type(), "unknown");
  const v = await env.manager.version();
  assert.equal(v.version, "0.1.0");
  assert.equal(await env.manager.apiVersion(), "v1");
  assert.equal(env.manager.type(), v.runtimeName);
  const st = await env.manager.status();
  assert.ok(st.conditions.some((c) => c.type === "RuntimeReady" && c.status));
  const imgs = await env.manager.listImages();
  assert.equal(imgs.length, 1);
  const ref = await env.manager.pullImage("alpine:3");
  assert.match(ref, /^sha256:/);
  await env.manager.removeImage(ref);
  assert.equal((await env.manager.listImages()).length, 1);
  assert.ok((await env.manager.imageStats()).length >= 1);
});

Deno.test("syncPod() stops the sandbox of a restartPolicy Never pod once all containers exit", async () => {
  await using env = await fakeEnv();
  env.fake.runtime.script({ match: { containerName: "job" }, exitAfterMs: 10, exitCode: 0 });
  const p = pod([{ name: "job", image: "busybox:1.36" }], { restartPolicy: "Never" });
  await sync(env, p);
  await env.clock.advance(10);
  const r = await sync(env, p);
  assert.ok(r.ok(), r.errorText() ?? "");
  assert.equal(env.fake.recorder.requestsOf("StopPodSandbox").length, 1);
  assert.equal(env.fake.recorder.requestsOf("CreateContainer").length, 1);
  const again = await sync(env, p);
  assert.ok(again.ok());
  assert.equal(env.fake.recorder.requestsOf("RunPodSandbox").length, 1, "no new sandbox");
  assert.equal(env.fake.recorder.requestsOf("CreateContainer").length, 1);
});

Deno.test("syncPod() restarts a container whose liveness probe fails", async () => {
  const failing = new Set<string>();
  await using env = await fakeEnv({
    livenessResults: { get: (id) => (failing.has(id) ? "failure" : undefined) },
  });
  const p = pod([{ ...a, livenessProbe: { exec: { command: ["true"] } } }]);
  await sync(env, p);
  const [first] = env.fake.runtime.containers();
  failing.add(first.id);
  assert.ok((await sync(env, p)).ok());
  assert.deepEqual(
    (env.fake.recorder.requestsOf("StopContainer") as { containerId: string }[]).map((s) =>
      s.containerId
    ),
    [first.id],
  );
  assert.ok(
    env.events.some((e) =>
      e.reason === "Killing" && e.message === "Container a failed liveness probe, will be restarted"
    ),
  );
  const created = env.fake.recorder.requestsOf("CreateContainer") as { config: ContainerConfig }[];
  assert.equal(created.at(-1)?.config.metadata?.attempt, 1);
});

Deno.test("syncPod() checks the first image while the sandbox is created, and skips a host-network sandbox's status", async (t) => {
  await t.step(
    "the image check starts before the sandbox exists (seen when creating it fails)",
    async () => {
      await using env = await fakeEnv();
      env.fake.injectError("RunPodSandbox", 14, "runtime busy", { times: 1 });
      env.takeMethods();
      const result = await sync(env, pod([a]));
      assert.match(result.errorText() ?? "", /CreatePodSandboxError/);
      await until(() => env.fake.calls.some((c) => c.method === "ImageStatus"), env);
      assert.ok(!env.takeMethods().includes("CreateContainer"));
    },
  );
  await t.step("host network: no PodSandboxStatus on the start path", async () => {
    await using env = await fakeEnv();
    env.takeMethods();
    assert.equal((await sync(env, pod([a], { hostNetwork: true }))).errorText(), undefined);
    const calls = env.takeMethods();
    const upToCreate = calls.slice(0, calls.indexOf("CreateContainer"));
    assert.ok(!upToCreate.includes("PodSandboxStatus"), upToCreate.join(","));
    assert.ok(upToCreate.includes("RunPodSandbox") && upToCreate.includes("ImageStatus"));
  });
});
