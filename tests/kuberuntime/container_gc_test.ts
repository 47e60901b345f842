import assert from "node:assert/strict";
import type { RecordEvent, SimpleEvent } from "../../src/container/events.ts";
import type {
  Container,
  ContainerState,
  PodSandbox,
  PodSandboxState,
} from "../../src/cri/types.ts";
import type { ValidContainerStatusResponse } from "../../src/cri/service.ts";
import {
  ContainerGC,
  type ContainerGCInput,
  type ContainerGCRuntime,
  containerIdFromLegacyLog,
  decideContainerGC,
  podUidFromLogDirectory,
} from "../../src/kuberuntime/container_gc.ts";
import {
  DEFAULT_GC_POLICY,
  type GCPolicy,
  validateGCPolicy,
} from "../../src/kuberuntime/gc_policy.ts";
import {
  CONTAINER_NAME_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
} from "../../src/kuberuntime/labels.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { startFakeRuntime } from "../../src/cri/fake/mod.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { imageSpec } from "../cri/_messages.ts";

const NOW = 1_700_000_000_000;
const MIN = 60_000;

const STATE: Record<string, ContainerState> = {
  running: "CONTAINER_RUNNING",
  exited: "CONTAINER_EXITED",
  created: "CONTAINER_CREATED",
  unknown: "CONTAINER_UNKNOWN",
};

/** A container of pod `uid`: `ageMin` minutes old, in sandbox `sb-<uid>` unless told. */
function ctr(
  id: string,
  uid: string,
  name: string,
  state: keyof typeof STATE,
  options: { attempt?: number; ageMin?: number; sandbox?: string } = {},
): Container {
  return {
    id,
    podSandboxId: options.sandbox ?? `sb-${uid}`,
    metadata: { name, attempt: options.attempt ?? 0 },
    image: imageSpec({ image: "busybox" }),
    imageRef: "sha256:busybox",
    state: STATE[state],
    createdAt: (NOW - (options.ageMin ?? 10) * MIN) * 1e6,
    labels: {
      [POD_UID_LABEL]: uid,
      [POD_NAME_LABEL]: `pod-${uid}`,
      [POD_NAMESPACE_LABEL]: "default",
      [CONTAINER_NAME_LABEL]: name,
    },
    annotations: {},
    imageId: "sha256:busybox",
  };
}

function sb(id: string, uid: string, state: "ready" | "notready", ageMin: number): PodSandbox {
  const s: PodSandboxState = state === "ready" ? "SANDBOX_READY" : "SANDBOX_NOTREADY";
  return {
    id,
    metadata: { name: `pod-${uid}`, uid, namespace: "default", attempt: 0 },
    state: s,
    createdAt: (NOW - ageMin * MIN) * 1e6,
    labels: { [POD_UID_LABEL]: uid },
    annotations: {},
    runtimeHandler: "",
  };
}

function input(partial: Partial<ContainerGCInput> & { deleted?: string[] }): ContainerGCInput {
  const deleted = new Set(partial.deleted ?? []);
  return {
    containers: [],
    sandboxes: [],
    policy: DEFAULT_GC_POLICY,
    now: NOW,
    allSourcesReady: true,
    isPodDeleted: (uid) => deleted.has(uid),
    ...partial,
  };
}

function removedIds(i: ContainerGCInput): string[] {
  return decideContainerGC(i).containersToRemove.map((r) => r.id).sort();
}

const policy = (p: Partial<GCPolicy>): GCPolicy => ({ ...DEFAULT_GC_POLICY, ...p });

Deno.test("decideContainerGC() chooses containers as the kubelet does", async (t) => {
  const cases: { name: string; in: ContainerGCInput; want: string[] }[] = [
    {
      name: "a running container is never removed, even of a deleted pod",
      in: input({
        containers: [ctr("r", "p1", "web", "running"), ctr("d", "p1", "web", "exited")],
        policy: policy({ maxPerPodContainer: 0, maxContainers: 0 }),
        deleted: ["p1"],
      }),
      want: ["d"],
    },
    {
      name: "containers younger than MinAge are kept",
      in: input({
        containers: [
          ctr("old0", "p1", "web", "exited", { attempt: 0, ageMin: 30 }),
          ctr("old1", "p1", "web", "exited", { attempt: 1, ageMin: 20 }),
          ctr("young", "p1", "web", "exited", { attempt: 2, ageMin: 1 }),
        ],
        policy: policy({ minAgeMs: 5 * MIN, maxPerPodContainer: 1 }),
      }),
      want: ["old0"],
    },
    {
      name: "each unit keeps its newest MaxPerPodContainer",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0, ageMin: 30 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1, ageMin: 20 }),
          ctr("a2", "p1", "web", "exited", { attempt: 2, ageMin: 10 }),
          ctr("b0", "p1", "sidecar", "exited", { attempt: 0, ageMin: 30 }),
          ctr("c0", "p2", "web", "exited", { attempt: 0, ageMin: 30 }),
        ],
        policy: policy({ maxPerPodContainer: 2 }),
      }),
      want: ["a0"],
    },
    {
      name: "newest means highest attempt first, then creation time",
      in: input({
        containers: [
          ctr("att2-older", "p1", "web", "exited", { attempt: 2, ageMin: 50 }),
          ctr("att1-newer", "p1", "web", "exited", { attempt: 1, ageMin: 5 }),
        ],
      }),
      want: ["att1-newer"],
    },
    {
      name: "the last dead instance is kept even with MaxPerPodContainer 0",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0, ageMin: 30 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1, ageMin: 20 }),
        ],
        policy: policy({ maxPerPodContainer: 0 }),
      }),
      want: ["a0"],
    },
    {
      name: "with a newer running instance no dead one is protected",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0, ageMin: 30 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1, ageMin: 20 }),
          ctr("a2", "p1", "web", "running", { attempt: 2, ageMin: 10 }),
        ],
        policy: policy({ maxPerPodContainer: 0 }),
      }),
      want: ["a0", "a1"],
    },
    {
      name: "a deleted pod's units are removed entirely once sources are ready",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1 }),
          ctr("keep", "p2", "web", "exited"),
        ],
        deleted: ["p1"],
      }),
      want: ["a0", "a1"],
    },
    {
      name: "a deleted pod's units follow the normal policy before sources are ready",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1 }),
        ],
        deleted: ["p1"],
        allSourcesReady: false,
      }),
      want: ["a0"],
    },
    {
      name: "the global cap first cuts every unit to max(1, cap / units)",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0, ageMin: 30 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1, ageMin: 20 }),
          ctr("a2", "p1", "web", "exited", { attempt: 2, ageMin: 10 }),
          ctr("b0", "p2", "web", "exited", { attempt: 0, ageMin: 40 }),
          ctr("b1", "p2", "web", "exited", { attempt: 1, ageMin: 35 }),
          ctr("b2", "p2", "web", "running", { attempt: 2, ageMin: 5 }),
        ],
        policy: policy({ maxPerPodContainer: -1, maxContainers: 2 }),
      }),
      want: ["a0", "a1", "b0"],
    },
    {
      name: "then the oldest across units go, never a protected last instance",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0, ageMin: 30 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1, ageMin: 20 }),
          ctr("a2", "p1", "web", "exited", { attempt: 2, ageMin: 50 }),
          ctr("b0", "p2", "web", "exited", { attempt: 0, ageMin: 40 }),
          ctr("b1", "p2", "web", "exited", { attempt: 1, ageMin: 35 }),
          ctr("b2", "p2", "web", "running", { attempt: 2, ageMin: 5 }),
        ],
        policy: policy({ maxPerPodContainer: -1, maxContainers: 1 }),
      }),
      want: ["a0", "a1", "b0", "b1"],
    },
    {
      name: "no limits removes nothing",
      in: input({
        containers: [
          ctr("a0", "p1", "web", "exited", { attempt: 0 }),
          ctr("a1", "p1", "web", "exited", { attempt: 1 }),
        ],
        policy: policy({ maxPerPodContainer: -1, maxContainers: -1 }),
      }),
      want: [],
    },
    {
      name: "containers without the kubelet's labels are left alone",
      in: input({
        containers: [{ ...ctr("foreign", "p1", "web", "exited"), labels: {} }],
        policy: policy({ maxPerPodContainer: 0, maxContainers: 0 }),
        deleted: ["p1"],
      }),
      want: [],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => assert.deepEqual(removedIds(c.in), c.want));
  }
});

Deno.test("decideContainerGC() marks UNKNOWN containers to be stopped first", () => {
  const d = decideContainerGC(input({
    containers: [ctr("u", "p1", "web", "unknown"), ctr("e", "p1", "other", "exited")],
    deleted: ["p1"],
  }));
  const byId = Object.fromEntries(d.containersToRemove.map((r) => [r.id, r]));
  assert.equal(byId.u.killFirst, true);
  assert.equal(byId.e.killFirst, false);
  assert.deepEqual(
    { uid: byId.u.podUid, name: byId.u.podName, ns: byId.u.podNamespace, c: byId.u.containerName },
    { uid: "p1", name: "pod-p1", ns: "default", c: "web" },
  );
});

Deno.test("decideContainerGC() chooses sandboxes as the kubelet does", async (t) => {
  const cases: { name: string; in: ContainerGCInput; want: string[] }[] = [
    {
      name: "a live pod keeps its newest sandbox and loses older inactive ones",
      in: input({
        sandboxes: [
          sb("new", "p1", "notready", 1),
          sb("old-ready", "p1", "ready", 20),
          sb("old-dead", "p1", "notready", 30),
          sb("old-used", "p1", "notready", 40),
        ],
        containers: [ctr("r", "p1", "web", "running", { sandbox: "old-used" })],
      }),
      want: ["old-dead"],
    },
    {
      name: "a sandbox whose last container is removed in the same pass goes too",
      in: input({
        sandboxes: [sb("new", "p1", "ready", 1), sb("old", "p1", "notready", 30)],
        containers: [
          ctr("x0", "p1", "web", "exited", { attempt: 0, sandbox: "old" }),
          ctr("x1", "p1", "web", "exited", { attempt: 1, sandbox: "new" }),
        ],
      }),
      want: ["old"],
    },
    {
      name: "a deleted pod loses every inactive sandbox once sources are ready",
      in: input({
        sandboxes: [sb("new", "p1", "notready", 1), sb("old", "p1", "notready", 30)],
        deleted: ["p1"],
      }),
      want: ["new", "old"],
    },
    {
      name: "a deleted pod keeps its ready sandbox",
      in: input({
        sandboxes: [sb("new", "p1", "ready", 1), sb("old", "p1", "notready", 30)],
        deleted: ["p1"],
      }),
      want: ["old"],
    },
    {
      name: "before sources are ready a deleted pod keeps its newest sandbox",
      in: input({
        sandboxes: [sb("new", "p1", "notready", 1), sb("old", "p1", "notready", 30)],
        deleted: ["p1"],
        allSourcesReady: false,
      }),
      want: ["old"],
    },
    {
      name: "count limits never apply to sandboxes",
      in: input({
        sandboxes: [sb("a", "p1", "notready", 1), sb("b", "p2", "notready", 1)],
        policy: policy({ maxContainers: 0, maxPerPodContainer: 0 }),
      }),
      want: [],
    },
  ];
  for (const c of cases) {
    await t.step(
      c.name,
      () => assert.deepEqual(decideContainerGC(c.in).sandboxesToRemove.sort(), c.want),
    );
  }
});

Deno.test("decideContainerGC() chooses log directories and dangling log links", async (t) => {
  const dirs = ["default_web_p1", "default_db_p2", "kube-system_a_b_p3"];
  await t.step("pod log directories of deleted pods, once sources are ready", () => {
    const d = decideContainerGC(input({ podLogDirs: dirs, deleted: ["p1", "p3"] }));
    assert.deepEqual(d.logDirsToRemove, ["default_web_p1", "kube-system_a_b_p3"]);
    const early = decideContainerGC(
      input({ podLogDirs: dirs, deleted: ["p1"], allSourcesReady: false }),
    );
    assert.deepEqual(early.logDirsToRemove, []);
  });
  await t.step("dangling links unless their container is still there and not exited", () => {
    const d = decideContainerGC(input({
      containers: [
        ctr("live", "p1", "web", "running"),
        ctr("done", "p1", "job", "exited", { attempt: 0 }),
        ctr("done1", "p1", "job", "exited", { attempt: 1 }),
      ],
      danglingContainerLogs: [
        "pod-p1_default_web-live.log",
        "pod-p1_default_job-done.log",
        "pod-p1_default_job-done1.log",
        "pod-p9_default_web-gone.log",
      ],
    }));
    assert.deepEqual(d.containersToRemove.map((r) => r.id), ["done"]);
    assert.deepEqual(d.containerLogsToRemove, [
      "pod-p1_default_job-done.log",
      "pod-p1_default_job-done1.log",
      "pod-p9_default_web-gone.log",
    ]);
  });
  await t.step("name parsers", () => {
    assert.equal(podUidFromLogDirectory("ns_name_1234-abcd"), "1234-abcd");
    assert.equal(containerIdFromLegacyLog("web-1_default_c-0abc.log"), "0abc");
    assert.equal(containerIdFromLegacyLog("nodash.log"), undefined);
    assert.equal(containerIdFromLegacyLog("x-1.txt"), undefined);
  });
});

Deno.test("validateGCPolicy() rejects a negative MinAge and fractional counts", () => {
  assert.throws(() => validateGCPolicy(policy({ minAgeMs: -1 })), RangeError);
  assert.throws(() => validateGCPolicy(policy({ maxContainers: 1.5 })), RangeError);
  assert.deepEqual(validateGCPolicy(policy({ maxContainers: -1 })), policy({ maxContainers: -1 }));
});

/** A fake CRI with settable lists, failures and a call log. */
class FakeCri implements ContainerGCRuntime {
  containers: Container[] = [];
  sandboxes: PodSandbox[] = [];
  calls: string[] = [];
  failRemove = new Set<string>();
  listError?: Error;
  logPaths = new Map<string, string>();

  listContainers(): Promise<Container[]> {
    this.calls.push("listContainers");
    return this.listError ? Promise.reject(this.listError) : Promise.resolve(this.containers);
  }
  listPodSandbox(): Promise<PodSandbox[]> {
    this.calls.push("listPodSandbox");
    return Promise.resolve(this.sandboxes);
  }
  containerStatus(id: string): Promise<ValidContainerStatusResponse> {
    return Promise.resolve(
      {
        status: { logPath: this.logPaths.get(id) ?? "" },
      } as unknown as ValidContainerStatusResponse,
    );
  }
  stopContainer(id: string, timeout: number): Promise<void> {
    this.calls.push(`stopContainer ${id} ${timeout}`);
    return Promise.resolve();
  }
  removeContainer(id: string): Promise<void> {
    this.calls.push(`removeContainer ${id}`);
    if (this.failRemove.has(id)) return Promise.reject(new Error(`rpc error: ${id} is busy`));
    this.containers = this.containers.filter((c) => c.id !== id);
    return Promise.resolve();
  }
  stopPodSandbox(id: string): Promise<void> {
    this.calls.push(`stopPodSandbox ${id}`);
    return Promise.resolve();
  }
  removePodSandbox(id: string): Promise<void> {
    this.calls.push(`removePodSandbox ${id}`);
    if (this.failRemove.has(id)) return Promise.reject(new Error(`rpc error: ${id} is busy`));
    this.sandboxes = this.sandboxes.filter((s) => s.id !== id);
    return Promise.resolve();
  }
}

function gcWith(
  cri: ContainerGCRuntime,
  extra: {
    deleted?: string[];
    events?: SimpleEvent[];
    podLogsDir?: string;
    containerLogsDir?: string;
    clock?: FakeClock;
  } = {},
): ContainerGC {
  const deleted = new Set(extra.deleted ?? []);
  const recordEvent: RecordEvent = (e) => extra.events?.push(e);
  return new ContainerGC(cri, {
    clock: extra.clock ?? new FakeClock(NOW),
    policy: DEFAULT_GC_POLICY,
    allSourcesReady: () => true,
    isPodDeleted: (uid) => deleted.has(uid),
    podLogsDir: extra.podLogsDir,
    containerLogsDir: extra.containerLogsDir,
    recordEvent,
  });
}

Deno.test("ContainerGC.collectGarbage() reports a failed removal and carries on", async () => {
  const cri = new FakeCri();
  cri.containers = [
    ctr("a0", "p1", "web", "exited", { attempt: 0, sandbox: "old1" }),
    ctr("a1", "p1", "web", "exited", { attempt: 1, sandbox: "new1" }),
    ctr("b0", "p2", "web", "exited", { attempt: 0, sandbox: "old2" }),
    ctr("b1", "p2", "web", "exited", { attempt: 1, sandbox: "new2" }),
    ctr("u", "p3", "web", "unknown", { sandbox: "sb3" }),
  ];
  cri.sandboxes = [
    sb("old1", "p1", "notready", 30),
    sb("new1", "p1", "ready", 1),
    sb("old2", "p2", "notready", 30),
    sb("new2", "p2", "ready", 1),
    sb("sb3", "p3", "notready", 30),
  ];
  cri.failRemove.add("a0");
  const events: SimpleEvent[] = [];
  const result = await gcWith(cri, { deleted: ["p3"], events }).collectGarbage(NOW);

  assert.deepEqual(result.removedContainers.sort(), ["b0", "u"]);
  assert.deepEqual(result.failures, [{
    kind: "container",
    target: "a0",
    message: "rpc error: a0 is busy",
  }]);
  // old1 still holds a0, so it stays; old2 and the deleted pod's sandbox go.
  assert.deepEqual(result.removedSandboxes.sort(), ["old2", "sb3"]);
  assert.ok(cri.calls.indexOf("stopContainer u 0") < cri.calls.indexOf("removeContainer u"));
  assert.ok(cri.calls.indexOf("stopPodSandbox old2") < cri.calls.indexOf("removePodSandbox old2"));
  assert.equal(events.length, 1);
  assert.equal(events[0].reason, "ContainerGCFailed");
  assert.equal(events[0].type, "Warning");
  assert.match(events[0].message, /a0 is busy/);
});

Deno.test("ContainerGC.collectGarbage() reports a failed listing without removing anything", async () => {
  const cri = new FakeCri();
  cri.listError = new Error("runtime unavailable");
  const events: SimpleEvent[] = [];
  const result = await gcWith(cri, { events }).collectGarbage(NOW);
  assert.deepEqual(result.failures, [{ kind: "list", target: "", message: "runtime unavailable" }]);
  assert.equal(cri.calls.filter((c) => c.startsWith("remove")).length, 0);
  assert.equal(events[0].message, "runtime unavailable");
});

Deno.test("ContainerGC.collectGarbage() removes log directories, log files and dangling links", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pods = `${dir}/pods`;
    const links = `${dir}/containers`;
    await Deno.mkdir(`${pods}/default_gone_p1/web`, { recursive: true });
    await Deno.mkdir(`${pods}/default_live_p2/web`, { recursive: true });
    await Deno.mkdir(links);
    await Deno.writeTextFile(`${pods}/default_live_p2/web/0.log`, "old\n");
    await Deno.writeTextFile(`${pods}/default_live_p2/web/1.log`, "new\n");
    await Deno.symlink(`${pods}/default_live_p2/web/0.log`, `${links}/pod-p2_default_web-c0.log`);
    await Deno.symlink(`${pods}/default_live_p2/web/1.log`, `${links}/pod-p2_default_web-c1.log`);
    await Deno.symlink(`${pods}/nowhere.log`, `${links}/pod-p9_default_web-zz.log`);

    const cri = new FakeCri();
    cri.containers = [
      ctr("c0", "p2", "web", "exited", { attempt: 0 }),
      ctr("c1", "p2", "web", "exited", { attempt: 1 }),
    ];
    cri.logPaths.set("c0", `${pods}/default_live_p2/web/0.log`);
    const result = await gcWith(cri, { deleted: ["p1"], podLogsDir: pods, containerLogsDir: links })
      .collectGarbage(NOW);

    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.removedContainers, ["c0"]);
    assert.deepEqual(result.removedLogDirs, ["default_gone_p1"]);
    assert.deepEqual(result.removedContainerLogs, ["pod-p9_default_web-zz.log"]);
    const left = (p: string) => Array.from(Deno.readDirSync(p), (e) => e.name).sort();
    assert.deepEqual(left(pods), ["default_live_p2"]);
    assert.deepEqual(left(`${pods}/default_live_p2/web`), ["1.log"]);
    assert.deepEqual(left(links), ["pod-p2_default_web-c1.log"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ContainerGC.run() collects at start, then every minute until aborted", async () => {
  const clock = new FakeClock(NOW);
  const cri = new FakeCri();
  const gc = gcWith(cri, { clock });
  const ac = new AbortController();
  const done = gc.run(ac.signal);
  await clock.advance(59_999);
  assert.equal(cri.calls.filter((c) => c === "listContainers").length, 1);
  await clock.advance(1);
  assert.equal(cri.calls.filter((c) => c === "listContainers").length, 2);
  await clock.advance(120_000);
  assert.equal(cri.calls.filter((c) => c === "listContainers").length, 4);
  ac.abort();
  await done;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("ContainerGC.collectGarbage() works over the wire against the fake CRI runtime", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-gc-" });
  const clock = new FakeClock(NOW);
  const fake = await startFakeRuntime({
    socketPath: `${dir}/cri.sock`,
    clock,
    images: ["busybox"],
  });
  const cri = new RemoteRuntimeService(fake.endpoint, { clock });
  try {
    const labels = (uid: string, name: string) => ({
      [POD_UID_LABEL]: uid,
      [POD_NAME_LABEL]: `pod-${uid}`,
      [POD_NAMESPACE_LABEL]: "default",
      [CONTAINER_NAME_LABEL]: name,
    });
    const sandboxConfig = (uid: string) => ({
      metadata: { name: `pod-${uid}`, uid, namespace: "default", attempt: 0 },
      labels: { [POD_UID_LABEL]: uid },
      linux: { securityContext: { namespaceOptions: { network: "NODE" as const } } },
    });
    const live = await cri.runPodSandbox(sandboxConfig("live"));
    const gone = await cri.runPodSandbox(sandboxConfig("gone"));
    const ids: string[] = [];
    const instances: [string, string, number][] = [
      [live, "live", 0],
      [live, "live", 1],
      [live, "live", 2],
      [gone, "gone", 0],
    ];
    for (const [sandbox, uid, attempt] of instances) {
      clock.step(1000);
      const id = await cri.createContainer({
        podSandboxId: sandbox,
        config: {
          metadata: { name: "web", attempt },
          image: { image: "busybox" },
          labels: labels(uid, "web"),
        },
        sandboxConfig: sandboxConfig(uid),
      });
      await cri.startContainer(id);
      fake.runtime.exitContainer(id, 1);
      ids.push(id);
    }
    await cri.stopPodSandbox(gone);
    // The first removal fails once; GC reports it and goes on.
    fake.injectError("RemoveContainer", 2, "disk busy", { times: 1 });
    const events: SimpleEvent[] = [];
    const result = await gcWith(cri, { deleted: ["gone"], events })
      .collectGarbage(clock.now());
    assert.equal(result.failures.length, 1);
    assert.match(result.failures[0].message, /disk busy/);
    assert.equal(result.removedContainers.length, 2);
    const left = fake.runtime.containers().map((c) => c.id).sort();
    // The newest "web" of the live pod always stays.
    assert.ok(left.includes(ids[2]));
    assert.equal(left.length, 2);
    assert.deepEqual(events.map((e) => e.reason), ["ContainerGCFailed"]);
    // Second pass: the failed one goes now, and with it the deleted pod's sandbox if still there.
    const again = await gcWith(cri, { deleted: ["gone"] }).collectGarbage(
      clock.now(),
    );
    assert.deepEqual(again.failures, []);
    assert.deepEqual(fake.runtime.containers().map((c) => c.id), [ids[2]]);
    assert.deepEqual(fake.runtime.sandboxes().map((s) => s.id), [live]);
  } finally {
    cri.close();
    await fake.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
