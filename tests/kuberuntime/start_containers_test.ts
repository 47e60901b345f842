import assert from "node:assert/strict";
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";
import type { PodSyncResult } from "../../src/container/sync_result.ts";
import type { RuntimeService } from "../../src/cri/service.ts";
import { KubeRuntimeManager } from "../../src/kuberuntime/kuberuntime_manager.ts";
import type { PodStartRamp } from "../../src/kuberuntime/pod_start_gate.ts";
import { startWaves } from "../../src/kuberuntime/start_containers.ts";
import { type FakeEnv, fakeEnv } from "./_fake_env.ts";

const IMAGE = "busybox:1.36";

function c(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: IMAGE, command: ["sleep", "1000"], ...extra };
}

const hook: Container["lifecycle"] = { postStart: { httpGet: { port: 80, path: "/" } } };

function pod(containers: Container[], initContainers?: Container[]): Pod {
  return setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: { containers, ...(initContainers ? { initContainers } : {}) },
  });
}

Deno.test("startWaves() cuts a wave after each postStart container, or one per container when off", async (t) => {
  const names = (waves: Container[][]) => waves.map((w) => w.map((x) => x.name).join(","));
  const cases: [string, Container[], boolean, string[]][] = [
    ["no hooks: one wave", [c("a"), c("b"), c("c")], true, ["a,b,c"]],
    [
      "a hook holds back the ones after it",
      [
        c("a"),
        c("b", { lifecycle: hook }),
        c("c"),
        c("d"),
      ],
      true,
      ["a,b", "c,d"],
    ],
    ["a hook last: one wave", [c("a"), c("b", { lifecycle: hook })], true, ["a,b"]],
    ["hooks in a row", [c("a", { lifecycle: hook }), c("b", { lifecycle: hook }), c("c")], true, [
      "a",
      "b",
      "c",
    ]],
    ["off: the kubelet's order", [c("a"), c("b"), c("c")], false, ["a", "b", "c"]],
    ["nothing to start", [], true, []],
  ];
  for (const [name, containers, parallel, want] of cases) {
    await t.step(name, () => assert.deepEqual(names(startWaves(containers, parallel)), want));
  }
});

/** What the recording runtime saw, in order: `create:<name>`, `start:<name>`, `started:<name>`, `hook:<path>`. */
interface Recorded {
  log: string[];
  /** Most StartContainer calls in flight at once. */
  maxStarts: number;
  /** True when the deadlock guard had to open the gate. */
  guardFired: boolean;
}

/**
 * A KubeRuntimeManager on `env`'s fake CRI whose StartContainer calls of the
 * containers in `hold` wait until all of them were made (so they can only
 * all happen when they run concurrently). A sequential start would wait
 * forever: a guard opens the gate after 10 s and marks the run failed.
 */
function recordingManager(
  env: FakeEnv,
  options: {
    hold?: string[];
    parallel?: boolean;
    hookGate?: Promise<void>;
    maxConcurrentPodStarts?: number;
    podStartRamp?: PodStartRamp;
    /** RunPodSandbox calls wait until this many were made (so only concurrent ones can all happen). */
    holdSandboxes?: number;
  } = {},
): { manager: KubeRuntimeManager; rec: Recorded; dispose(): void } {
  const rec: Recorded = { log: [], maxStarts: 0, guardFired: false };
  const inner = env.runtime;
  const names = new Map<string, string>();
  const hold = new Set(options.hold ?? []);
  const arrived = new Set<string>();
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  const open = () => waiting.splice(0).forEach((resolve) => resolve());
  const guard = setTimeout(() => {
    rec.guardFired = true;
    hold.clear();
    open();
  }, 10_000);
  const own: Partial<RuntimeService> = {};
  // Every other method is the real client's, bound to it (its fields are private).
  const runtime = new Proxy(inner, {
    get: (target, key) => {
      const mine = own[key as keyof RuntimeService];
      if (mine) return mine;
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as RuntimeService;
  let sandboxCalls = 0;
  own.runPodSandbox = async (config, handler) => {
    rec.log.push(`sandbox:${config.metadata?.name ?? ""}`);
    if (++sandboxCalls === options.holdSandboxes) open();
    else if (sandboxCalls < (options.holdSandboxes ?? 0)) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    const id = await inner.runPodSandbox(config, handler);
    rec.log.push(`sandboxed:${config.metadata?.name ?? ""}`);
    return id;
  };
  own.createContainer = async (request) => {
    const name = request.config?.metadata?.name ?? "";
    rec.log.push(`create:${name}`);
    const id = await inner.createContainer(request);
    names.set(id, name);
    return id;
  };
  own.startContainer = async (id) => {
    const name = names.get(id) ?? id;
    rec.log.push(`start:${name}`);
    inFlight++;
    rec.maxStarts = Math.max(rec.maxStarts, inFlight);
    try {
      if (hold.has(name)) {
        arrived.add(name);
        if ([...hold].every((n) => arrived.has(n))) open();
        else await new Promise<void>((resolve) => waiting.push(resolve));
      }
      await inner.startContainer(id);
      rec.log.push(`started:${name}`);
    } finally {
      inFlight--;
    }
  };
  const manager = new KubeRuntimeManager({
    runtimeService: runtime,
    imageService: env.images,
    clock: env.clock,
    rootDir: env.rootDir,
    podLogsDir: env.podLogsDir,
    recordEvent: (e) => env.events.push(e),
    parallelContainerStarts: options.parallel,
    maxConcurrentPodStarts: options.maxConcurrentPodStarts,
    podStartRamp: options.podStartRamp,
    httpGet: async (url) => {
      const path = new URL(url).pathname.slice(1);
      await options.hookGate;
      rec.log.push(`hook:${path}`);
      return { status: 200 };
    },
  });
  return { manager, rec, dispose: () => clearTimeout(guard) };
}

async function syncOnce(env: FakeEnv, manager: KubeRuntimeManager, p: Pod): Promise<PodSyncResult> {
  const m = p.metadata!;
  const status = await manager.getPodStatus(m.uid!, m.name!, m.namespace!);
  return await manager.syncPod(p, status, { backOff: env.backOff });
}

const before = (log: string[], a: string, b: string) => {
  assert.ok(log.includes(a) && log.includes(b), `${a} and ${b} in ${log}`);
  assert.ok(log.indexOf(a) < log.indexOf(b), `${a} before ${b} in ${log}`);
};

Deno.test("syncPod() starts a pod's regular containers concurrently: each StartContainer is made before any returns", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  const { manager, rec, dispose } = recordingManager(env, { hold: ["a", "b", "c"] });
  try {
    const result = await syncOnce(env, manager, pod([c("a"), c("b"), c("c")]));
    assert.equal(result.errorText(), undefined);
    assert.equal(rec.guardFired, false, `starts were not concurrent: ${rec.log}`);
    assert.equal(rec.maxStarts, 3);
    assert.deepEqual(
      result.results.filter((r) => r.action === "StartContainer").map((r) => r.target),
      ["a", "b", "c"],
      "one result per container, in spec order",
    );
  } finally {
    dispose();
  }
});

Deno.test("syncPod() with parallelContainerStarts false starts the containers one by one, as the kubelet", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  const { manager, rec, dispose } = recordingManager(env, { parallel: false });
  try {
    const result = await syncOnce(env, manager, pod([c("a"), c("b"), c("c")]));
    assert.equal(result.errorText(), undefined);
    assert.equal(rec.maxStarts, 1);
    before(rec.log, "started:a", "create:b");
    before(rec.log, "started:b", "create:c");
  } finally {
    dispose();
  }
});

Deno.test("syncPod() holds back the containers after a postStart container until its hook finished", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  let releaseHook = () => {};
  const hookGate = new Promise<void>((resolve) => releaseHook = resolve);
  // a and proxy start together; app and web only after proxy's hook, and together.
  const { manager, rec, dispose } = recordingManager(env, {
    hold: ["app", "web"],
    hookGate,
  });
  try {
    const proxyHook = { postStart: { httpGet: { port: 80, path: "proxy" } } };
    const p = pod([c("a"), c("proxy", { lifecycle: proxyHook }), c("app"), c("web")]);
    const syncing = syncOnce(env, manager, p);
    // The hook is called once proxy started; a round trip to the runtime
    // lets any start that does not wait for it reach the runtime first.
    while (!rec.log.includes("started:proxy")) await env.runtime.version();
    await env.runtime.version();
    assert.ok(!rec.log.includes("create:app"), `app waits for proxy's hook: ${rec.log}`);
    releaseHook();
    const result = await syncing;
    assert.equal(result.errorText(), undefined);
    before(rec.log, "hook:proxy", "create:app");
    before(rec.log, "hook:proxy", "create:web");
    assert.ok(rec.log.includes("started:a"));
    assert.equal(rec.guardFired, false, `app and web were not started concurrently: ${rec.log}`);
  } finally {
    dispose();
  }
});

Deno.test("syncPod() started concurrently reports each container's own failure and still starts the others", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  const { manager, rec, dispose } = recordingManager(env);
  try {
    env.fake.injectError("StartContainer", 2, "boom", { times: 1 });
    const result = await syncOnce(env, manager, pod([c("a"), c("b"), c("c")]));
    const starts = result.results.filter((r) => r.action === "StartContainer");
    assert.deepEqual(starts.map((r) => r.target), ["a", "b", "c"]);
    const failed = starts.filter((r) => r.error);
    assert.equal(failed.length, 1, JSON.stringify(starts));
    assert.equal(failed[0].error, "RunContainerError");
    assert.match(failed[0].message ?? "", /boom/);
    assert.equal(rec.log.filter((l) => l.startsWith("started:")).length, 2);
  } finally {
    dispose();
  }
});

Deno.test("syncPod() starts init containers and sidecars one at a time in order, then the regular ones together", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  const { manager, rec, dispose } = recordingManager(env, { hold: ["a", "b"] });
  try {
    const init = c("init", { command: ["sh", "-c", "exit 0"] });
    const side = c("side", { restartPolicy: "Always" });
    const p = pod([c("a"), c("b")], [init, side]);
    const creates = () => rec.log.filter((l) => l.startsWith("create:"));
    assert.equal((await syncOnce(env, manager, p)).errorText(), undefined);
    assert.deepEqual(creates(), ["create:init"], "only the first init container");
    await env.clock.advance(0);
    assert.equal((await syncOnce(env, manager, p)).errorText(), undefined);
    assert.deepEqual(creates(), ["create:init", "create:side"], "then the sidecar alone");
    // Before: a running sidecar meant "wait for it", so a and b never started.
    assert.equal((await syncOnce(env, manager, p)).errorText(), undefined);
    assert.deepEqual(creates().slice(2).sort(), ["create:a", "create:b"]);
    assert.equal(rec.guardFired, false, `a and b were not started concurrently: ${rec.log}`);
    const status = await manager.getPodStatus("uid-1", "web", "default");
    const state = (name: string) => status.containerStatuses.find((s) => s.name === name)?.state;
    assert.deepEqual(["init", "side", "a", "b"].map(state), [
      "exited",
      "running",
      "running",
      "running",
    ]);
  } finally {
    dispose();
  }
});

Deno.test("syncPod() creates a second new pod's sandbox only once the first one's is up, with maxConcurrentPodStarts 1", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  const { manager, rec, dispose } = recordingManager(env, { maxConcurrentPodStarts: 1 });
  try {
    const named = (name: string, uid: string) => {
      const p = pod([c(`${name}-a`)]);
      p.metadata = { ...p.metadata, name, uid };
      return p;
    };
    const results = await Promise.all([
      syncOnce(env, manager, named("one", "uid-1")),
      syncOnce(env, manager, named("two", "uid-2")),
    ]);
    for (const r of results) assert.equal(r.errorText(), undefined);
    const sandboxes = rec.log.filter((l) => l.startsWith("sandbox"));
    assert.equal(sandboxes.length, 4, `${rec.log}`);
    const first = sandboxes[0].slice("sandbox:".length);
    assert.equal(sandboxes[1], `sandboxed:${first}`, `one creation at a time: ${sandboxes}`);
  } finally {
    dispose();
  }
});

Deno.test("syncPod() creates new pods' sandboxes together with podStartRamp none, by default and with maxConcurrentPodStarts 0", async (t) => {
  for (const limit of [undefined, 0]) {
    await t.step(`limit ${limit}`, async () => {
      await using env = await fakeEnv({ images: [IMAGE] });
      const { manager, rec, dispose } = recordingManager(env, {
        maxConcurrentPodStarts: limit,
        podStartRamp: "none",
        holdSandboxes: 2,
      });
      try {
        const named = (name: string, uid: string) => {
          const p = pod([c(`${name}-a`)]);
          p.metadata = { ...p.metadata, name, uid };
          return p;
        };
        await Promise.all([
          syncOnce(env, manager, named("one", "uid-1")),
          syncOnce(env, manager, named("two", "uid-2")),
        ]);
        const sandboxes = rec.log.filter((l) => l.startsWith("sandbox"));
        assert.deepEqual(sandboxes.slice(0, 2).map((l) => l.split(":")[0]), ["sandbox", "sandbox"]);
        assert.equal(rec.guardFired, false, "both creations were under way at once");
      } finally {
        dispose();
      }
    });
  }
});

Deno.test("syncPod() by default (podStartRamp firstAlone) starts a new pod that arrives while another starts once the first one's containers started", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  const { manager, rec, dispose } = recordingManager(env);
  try {
    const named = (name: string, uid: string) => {
      const p = pod([c(`${name}-a`), c(`${name}-b`)]);
      p.metadata = { ...p.metadata, name, uid };
      return p;
    };
    const results = await Promise.all(
      [["one", "uid-1"], ["two", "uid-2"], ["three", "uid-3"]].map(([name, uid]) =>
        syncOnce(env, manager, named(name, uid))
      ),
    );
    for (const r of results) assert.equal(r.errorText(), undefined);
    const lead = rec.log[0].slice("sandbox:".length);
    const others = ["one", "two", "three"].filter((n) => n !== lead);
    for (const other of others) {
      for (const ctr of ["a", "b"]) before(rec.log, `started:${lead}-${ctr}`, `sandbox:${other}`);
    }
  } finally {
    dispose();
  }
});

Deno.test("syncPod() checks the images of a new pod's first containers while its sandbox is created", async () => {
  await using env = await fakeEnv({ images: [IMAGE] });
  const { manager, rec, dispose } = recordingManager(env);
  // ImageStatus calls the agent made, and how many of them before RunPodSandbox.
  let statuses = 0;
  const atSandbox: number[] = [];
  const { imageStatus } = env.images;
  let firstStatus: Promise<unknown> | undefined;
  env.images.imageStatus = (...args) => {
    statuses++;
    const answer = imageStatus.apply(env.images, args);
    firstStatus ??= answer;
    return answer;
  };
  const { runPodSandbox } = env.runtime;
  // The fake creates a sandbox in no time: like a runtime that takes longer
  // than an ImageStatus, it answers after the first check (and the checks
  // queued behind it on the same image) got their turn.
  env.runtime.runPodSandbox = async (...args) => {
    await firstStatus;
    for (let i = 0; i < 20; i++) await Promise.resolve();
    atSandbox.push(statuses);
    return await runPodSandbox.apply(env.runtime, args);
  };
  try {
    const p = pod([c("a"), c("b"), c("c", { lifecycle: hook }), c("d")]);
    const result = await syncOnce(env, manager, p);
    assert.equal(result.errorText(), undefined);
    assert.deepEqual(
      atSandbox,
      [3],
      `a, b and c (the first wave), not d (after c's hook): ${atSandbox} ${statuses} ${rec.log}`,
    );
    assert.equal(statuses, 4, "one check per container, d's after the hook");
  } finally {
    dispose();
  }
});

Deno.test("syncPod() started concurrently pulls an image the containers share once, as one by one", async () => {
  await using env = await fakeEnv({ images: [] });
  const { manager, dispose } = recordingManager(env);
  try {
    const pulled = (name: string) => c(name, { imagePullPolicy: "IfNotPresent" });
    const result = await syncOnce(env, manager, pod([pulled("a"), pulled("b"), pulled("c")]));
    assert.equal(result.errorText(), undefined);
    assert.equal(env.fake.recorder.requestsOf("PullImage").length, 1);
    const present = env.events.filter((e) => /already present on machine/.test(e.message));
    assert.deepEqual(present.map((e) => e.fieldPath).sort(), [
      "spec.containers{b}",
      "spec.containers{c}",
    ]);
  } finally {
    dispose();
  }
});
