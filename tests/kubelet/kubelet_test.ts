import assert from "node:assert/strict";
import { EMPTY_LOOKUP } from "../../src/objects/types.ts";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { PodConfig } from "../../src/config/pod_config.ts";
import { admitPod } from "../../src/kubelet/kubelet.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { fakeAgent, makePod, sleeper } from "./_fake_agent.ts";

const MUTATING = [
  "RunPodSandbox",
  "StopPodSandbox",
  "RemovePodSandbox",
  "CreateContainer",
  "StartContainer",
  "StopContainer",
  "RemoveContainer",
];

function add(a: { kubelet: { handlePodUpdate(u: unknown): void } }, ...pods: Pod[]) {
  a.kubelet.handlePodUpdate({ op: "ADD", source: "file", pods });
}

Deno.test("handlePodUpdate() ADD runs the pod once the PLEG has relisted, and publishes Running", async () => {
  await using a = await fakeAgent();
  add(a, makePod("web", [sleeper("a"), sleeper("b")]));
  // The first pass waits for the first relist: nothing is created before it.
  await a.kubelet.podWorkers.whenIdle();
  assert.deepEqual(a.takeMethods().filter((m) => MUTATING.includes(m)), []);
  await a.converge();
  assert.equal(a.fake.runtime.sandboxes().length, 1);
  assert.equal(a.containers("a").length, 1);
  assert.equal(a.containers("b")[0].state, "CONTAINER_RUNNING");
  const status = a.statusManager.getPodStatus("uid-web");
  assert.equal(status?.phase, "Running");
  assert.equal(status?.containerStatuses?.every((c) => c.ready), true);
});

Deno.test("syncPod() schedules the periodic resync at --sync-frequency plus up to 50 % jitter", async (t) => {
  for (const [random, want] of [[0, 60_000], [1, 90_000]] as const) {
    await t.step(`random ${random} -> ${want} ms`, async () => {
      await using a = await fakeAgent({ random: () => random });
      add(a, makePod("web", [sleeper("a")]));
      await a.converge();
      const next = a.kubelet.podWorkers.nextWakeAt("uid-web");
      assert.ok(next !== undefined);
      assert.ok(
        Math.abs(next - a.clock.now() - want) < 50,
        `next wake in ${next - a.clock.now()} ms`,
      );
      // The resync itself changes nothing on a healthy pod.
      a.takeMethods();
      await a.clock.advance(want);
      await a.converge();
      assert.deepEqual(a.takeMethods().filter((m) => MUTATING.includes(m)), []);
    });
  }
});

Deno.test("syncPod() follows every restart policy when a container exits", async (t) => {
  const cases = [
    ["Always", 0, true],
    ["Always", 1, true],
    ["OnFailure", 0, false],
    ["OnFailure", 1, true],
    ["Never", 0, false],
    ["Never", 1, false],
  ] as const;
  for (const [policy, code, restarted] of cases) {
    await t.step(
      `${policy}, exit ${code} -> ${restarted ? "restarted" : "not restarted"}`,
      async () => {
        await using a = await fakeAgent();
        add(a, makePod("web", [sleeper("a"), sleeper("b")], { restartPolicy: policy }));
        await a.converge();
        const [first] = a.containers("a");
        a.fake.exitContainer(first.id, code);
        await a.converge();
        const all = a.containers("a");
        assert.equal(all.length, restarted ? 2 : 1);
        if (restarted) assert.equal(all[1].state, "CONTAINER_RUNNING");
        // The other container is never touched.
        assert.equal(a.containers("b").length, 1);
        assert.equal(a.containers("b")[0].state, "CONTAINER_RUNNING");
      },
    );
  }
});

Deno.test("syncPod() backs off a crash-looping container 10 s, 20 s, then resets after 10 min", async () => {
  await using a = await fakeAgent();
  add(a, makePod("web", [sleeper("a")]));
  await a.converge();
  const crash = async () => {
    const live = a.containers("a").at(-1)!;
    assert.equal(live.state, "CONTAINER_RUNNING");
    const finishedAt = a.clock.now();
    a.fake.exitContainer(live.id, 1);
    await a.converge();
    return finishedAt;
  };
  // First crash: restarted at once.
  await crash();
  assert.equal(a.containers("a").length, 2);
  // Second crash: 10 s back-off; the worker wakes at its expiry.
  let finishedAt = await crash();
  assert.equal(a.containers("a").length, 2);
  let status = a.statusManager.getPodStatus("uid-web");
  assert.equal(status?.containerStatuses?.[0].state?.waiting?.reason, "CrashLoopBackOff");
  assert.equal(a.kubelet.podWorkers.nextWakeAt("uid-web"), finishedAt + 10_000);
  await a.clock.advance(finishedAt + 10_000 - a.clock.now() - 10);
  await a.converge(2);
  assert.equal(a.containers("a").length, 2, "not restarted before the back-off expires");
  await a.clock.advance(finishedAt + 10_000 - a.clock.now());
  await a.converge();
  assert.equal(a.containers("a").length, 3);
  // Third crash: 20 s.
  finishedAt = await crash();
  assert.equal(a.kubelet.podWorkers.nextWakeAt("uid-web"), finishedAt + 20_000);
  await a.clock.advance(20_000);
  await a.converge();
  assert.equal(a.containers("a").length, 4);
  status = a.statusManager.getPodStatus("uid-web");
  assert.equal(status?.containerStatuses?.[0].restartCount, 3);
  // Running for more than 10 min resets the back-off: the next crash restarts at once.
  await a.clock.advance(601_000);
  await a.converge();
  await crash();
  assert.equal(a.containers("a").length, 5);
  assert.equal(a.containers("a").at(-1)!.state, "CONTAINER_RUNNING");
});

Deno.test("handlePodUpdate() UPDATE restarts only the container whose spec changed", async () => {
  await using a = await fakeAgent();
  const pod = makePod("web", [sleeper("a"), sleeper("b")]);
  add(a, pod);
  await a.converge();
  const [a1] = a.containers("a");
  const [b1] = a.containers("b");
  const edited = structuredClone(pod);
  edited.spec!.containers[1].command = ["sleep", "7200"];
  a.kubelet.handlePodUpdate({ op: "UPDATE", source: "file", pods: [edited] });
  await a.converge();
  assert.deepEqual(a.containers("a"), [{ id: a1.id, state: "CONTAINER_RUNNING" }]);
  const bs = a.containers("b");
  assert.equal(bs.at(-1)!.state, "CONTAINER_RUNNING");
  assert.notEqual(bs.at(-1)!.id, b1.id);
  assert.equal(a.fake.runtime.getContainer(b1.id)?.state ?? "CONTAINER_EXITED", "CONTAINER_EXITED");
  assert.equal(a.fake.runtime.sandboxes().length, 1);
});

Deno.test("syncPod() runs init containers one after another before the app", async (t) => {
  await t.step("success: i1, i2, then app", async () => {
    await using a = await fakeAgent();
    a.fake.script({ match: { containerName: "i1" }, exitAfterMs: 1, exitCode: 0 });
    a.fake.script({ match: { containerName: "i2" }, exitAfterMs: 1, exitCode: 0 });
    add(a, makePod("web", [sleeper("app")], { initContainers: [sleeper("i1"), sleeper("i2")] }));
    await a.converge();
    const created = a.fake.recorder.requestsOf("CreateContainer").map((r) =>
      (r as { config: { metadata: { name: string } } }).config.metadata.name
    );
    assert.deepEqual(created, ["i1", "i2", "app"]);
    assert.equal(a.containers("app")[0].state, "CONTAINER_RUNNING");
    assert.equal(a.statusManager.getPodStatus("uid-web")?.phase, "Running");
  });
  await t.step(
    "failure under restartPolicy Never: the pod fails, the app never starts",
    async () => {
      await using a = await fakeAgent();
      a.fake.script({ match: { containerName: "i1" }, exitAfterMs: 1, exitCode: 2 });
      add(
        a,
        makePod("web", [sleeper("app")], {
          initContainers: [sleeper("i1")],
          restartPolicy: "Never",
        }),
      );
      await a.converge();
      assert.equal(a.containers("app").length, 0);
      assert.equal(a.containers("i1").length, 1);
      assert.equal(a.statusManager.getPodStatus("uid-web")?.phase, "Failed");
    },
  );
  await t.step("failure under restartPolicy Always: the init container is retried", async () => {
    await using a = await fakeAgent();
    a.fake.script({ match: { containerName: "i1" }, exitAfterMs: 1, exitCode: 2 });
    add(a, makePod("web", [sleeper("app")], { initContainers: [sleeper("i1")] }));
    await a.converge();
    assert.equal(a.containers("app").length, 0);
    const created = a.fake.recorder.requestsOf("CreateContainer").map((r) =>
      (r as { config: { metadata: { name: string } } }).config.metadata.name
    );
    assert.deepEqual(created, ["i1", "i1"]);
    const status = a.statusManager.getPodStatus("uid-web");
    assert.equal(status?.phase, "Pending");
    assert.equal(status?.initContainerStatuses?.[0].state?.waiting?.reason, "CrashLoopBackOff");
  });
});

Deno.test("syncPod() honours image pull policies and backs off failed pulls", async (t) => {
  await t.step("Never with a missing image: ErrImageNeverPull, no pull", async () => {
    await using a = await fakeAgent();
    add(a, makePod("web", [sleeper("a", { image: "missing:1", imagePullPolicy: "Never" })]));
    await a.converge();
    assert.equal(a.fake.recorder.requestsOf("PullImage").length, 0);
    const w = a.statusManager.getPodStatus("uid-web")?.containerStatuses?.[0].state?.waiting;
    assert.equal(w?.reason, "ErrImageNeverPull");
  });
  await t.step("Always with a present image: pulled before the start", async () => {
    await using a = await fakeAgent();
    add(a, makePod("web", [sleeper("a", { imagePullPolicy: "Always" })]));
    await a.converge();
    assert.equal(a.fake.recorder.requestsOf("PullImage").length, 1);
    assert.equal(a.containers("a")[0].state, "CONTAINER_RUNNING");
  });
  await t.step("IfNotPresent with a present image: no pull", async () => {
    await using a = await fakeAgent();
    add(a, makePod("web", [sleeper("a", { imagePullPolicy: "IfNotPresent" })]));
    await a.converge();
    assert.equal(a.fake.recorder.requestsOf("PullImage").length, 0);
  });
  await t.step("failed pull: ErrImagePull, then ImagePullBackOff until the expiry", async () => {
    await using a = await fakeAgent();
    a.fake.failPull("registry.example/app:1", "not found", { times: 2 });
    add(a, makePod("web", [sleeper("a", { image: "registry.example/app:1" })]));
    const failedAt = a.clock.now();
    await a.converge();
    assert.equal(a.fake.recorder.requestsOf("PullImage").length, 1);
    assert.ok(a.events.some((e) => e.reason === "Failed" || e.reason === "ErrImagePull"));
    // Any wake before the expiry (a PLEG event, a probe) finds the pull backing off.
    a.kubelet.podWorkers.wake("uid-web");
    await a.converge();
    const w = a.statusManager.getPodStatus("uid-web")?.containerStatuses?.[0].state?.waiting;
    assert.equal(w?.reason, "ImagePullBackOff");
    assert.equal(a.fake.recorder.requestsOf("PullImage").length, 1);
    const next = a.kubelet.podWorkers.nextWakeAt("uid-web")!;
    assert.ok(next - failedAt <= 10_010 && next > a.clock.now(), `wake at +${next - failedAt}`);
    // At the expiry the second pull fails; 20 s later the third succeeds.
    await a.clock.advance(next - a.clock.now());
    await a.converge();
    assert.equal(a.fake.recorder.requestsOf("PullImage").length, 2);
    await a.clock.advance(20_000);
    await a.converge();
    assert.equal(a.fake.recorder.requestsOf("PullImage").length, 3);
    assert.equal(a.containers("a").at(-1)?.state, "CONTAINER_RUNNING");
  });
});

Deno.test("handlePodUpdate() REMOVE kills with the grace period and removes the sandbox", async () => {
  await using a = await fakeAgent();
  const pod = makePod("web", [sleeper("a"), sleeper("b")], { terminationGracePeriodSeconds: 7 });
  add(a, pod);
  await a.converge();
  a.takeMethods();
  a.kubelet.handlePodUpdate({ op: "REMOVE", source: "file", pods: [pod] });
  await a.converge();
  const stops = a.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
  assert.deepEqual(stops.map((s) => Number(s.timeout)), [7, 7]);
  const methods = a.takeMethods();
  assert.ok(methods.includes("StopPodSandbox"));
  assert.ok(methods.includes("RemovePodSandbox"));
  assert.equal(a.fake.runtime.sandboxes().length, 0);
  assert.equal(a.fake.runtime.containers().length, 0);
  assert.equal(a.statusManager.getPodStatus("uid-web"), undefined);
  assert.equal(a.kubelet.podWorkers.size, 0);
  assert.deepEqual(a.kubelet.terminatingPods(), []);
});

Deno.test("handlePodUpdate() DELETE kills with the pod's deletionGracePeriodSeconds", async () => {
  await using a = await fakeAgent();
  const pod = makePod("web", [sleeper("a")], { terminationGracePeriodSeconds: 30 });
  add(a, pod);
  await a.converge();
  const deleted: Pod = {
    ...pod,
    metadata: {
      ...pod.metadata,
      deletionTimestamp: new Date(a.clock.now()).toISOString(),
      deletionGracePeriodSeconds: 3,
    },
  };
  a.kubelet.handlePodUpdate({ op: "DELETE", source: "file", pods: [deleted] });
  await a.converge();
  const stops = a.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
  assert.deepEqual(stops.map((s) => Number(s.timeout)), [3]);
  assert.equal(a.fake.runtime.sandboxes().length, 0);
});

Deno.test("handlePodUpdate() rejects pods over --max-pods before starting anything", async () => {
  await using a = await fakeAgent({ maxPods: 2 });
  add(
    a,
    makePod("p1", [sleeper("a")]),
    makePod("p2", [sleeper("a")]),
    makePod("p3", [sleeper("a")]),
  );
  await a.converge();
  const names = a.fake.runtime.sandboxes().map((s) => s.config.metadata?.name).sort();
  assert.deepEqual(names, ["p1", "p2"]);
  const status = a.statusManager.getPodStatus("uid-p3");
  assert.equal(status?.phase, "Failed");
  assert.equal(status?.reason, "OutOfpods");
  assert.equal(
    status?.message,
    "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2",
  );
  assert.ok(a.events.some((e) => e.reason === "OutOfpods" && e.type === "Warning"));
  // A rejected pod stays rejected through housekeeping, and is forgotten on REMOVE.
  await a.kubelet.housekeeping();
  assert.equal(a.statusManager.getPodStatus("uid-p3")?.reason, "OutOfpods");
  a.kubelet.handlePodUpdate({
    op: "REMOVE",
    source: "file",
    pods: [makePod("p3", [sleeper("a")])],
  });
  assert.equal(a.statusManager.getPodStatus("uid-p3"), undefined);
});

Deno.test("a restarted agent adopts the running pods without restarting any container", async () => {
  await using a = await fakeAgent();
  const pods = [makePod("p1", [sleeper("a"), sleeper("b")]), makePod("p2", [sleeper("a")])];
  add(a, ...pods);
  await a.converge();
  const before = a.fake.runtime.containers().map((c) => c.id).sort();
  await a.kubelet.podWorkers.stop();
  a.restartAgent();
  a.takeMethods();
  add(a, ...structuredClone(pods));
  await a.kubelet.housekeeping();
  await a.converge();
  await a.kubelet.housekeeping();
  await a.converge();
  assert.deepEqual(a.takeMethods().filter((m) => MUTATING.includes(m)), []);
  assert.deepEqual(a.fake.runtime.containers().map((c) => c.id).sort(), before);
  assert.equal(a.statusManager.getPodStatus("uid-p1")?.phase, "Running");
});

Deno.test("housekeeping() kills orphaned pods only once all sources are ready", async () => {
  await using a = await fakeAgent();
  const keep = makePod("keep", [sleeper("a")]);
  const gone = makePod("gone", [sleeper("a")]);
  add(a, keep, gone);
  await a.converge();
  await a.kubelet.podWorkers.stop();
  const inst = a.restartAgent();
  inst.sourcesReady.ready = false;
  add(a, structuredClone(keep));
  await a.converge();
  a.takeMethods();
  assert.deepEqual(await a.kubelet.housekeeping(), []);
  await a.converge();
  assert.deepEqual(a.takeMethods().filter((m) => MUTATING.includes(m)), []);
  assert.equal(a.fake.runtime.sandboxes().length, 2);

  inst.sourcesReady.ready = true;
  assert.deepEqual(await a.kubelet.housekeeping(), ["uid-gone"]);
  await a.converge();
  const left = a.fake.runtime.sandboxes().map((s) => s.config.metadata?.name);
  assert.deepEqual(left, ["keep"]);
  assert.equal(a.containers("a").filter((c) => c.state === "CONTAINER_RUNNING").length, 1);
  assert.deepEqual(await a.kubelet.housekeeping(), []);
});

Deno.test("while the runtime is down pod syncs are skipped with back-off, and it reconciles on return", async () => {
  await using a = await fakeAgent();
  add(a, makePod("web", [sleeper("a")]));
  await a.converge();
  const ids = a.fake.runtime.containers().map((c) => c.id);
  await a.kubelet.podWorkers.stop();
  const inst = a.restartAgent();
  inst.runtimeErrors.push("container runtime is down");
  a.fake.injectError("ListPodSandbox", 14, "connection refused");
  a.fake.injectError("ListContainers", 14, "connection refused");
  add(a, makePod("web", [sleeper("a")]));
  await a.kubelet.podWorkers.whenIdle();
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    const out = await a.kubelet.syncPod("uid-web");
    assert.equal(out.kind, "skipped");
    if (out.kind === "skipped") delays.push(out.nextWakeAt - a.clock.now());
  }
  // The worker's own first pass (on ADD) waited 100 ms.
  assert.deepEqual(delays, [200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  assert.equal(a.kubelet.runtimeDown, true);
  await a.converge(5);
  assert.equal(a.statusManager.getPodStatus("uid-web"), undefined, "nothing synced while down");

  // The runtime comes back.
  a.fake.clearErrors();
  inst.runtimeErrors.length = 0;
  a.takeMethods();
  await a.clock.advance(5_000);
  await a.converge();
  assert.equal(a.kubelet.runtimeDown, false);
  assert.deepEqual(a.takeMethods().filter((m) => MUTATING.includes(m)), []);
  assert.deepEqual(a.fake.runtime.containers().map((c) => c.id), ids);
  assert.equal(a.statusManager.getPodStatus("uid-web")?.phase, "Running");
});

Deno.test("run() applies pod updates, wakes workers on PLEG events and runs housekeeping every 2 s", async () => {
  const podConfig = new PodConfig({ clock: new FakeClock() });
  podConfig.addSource("file");
  await using a = await fakeAgent({ podUpdates: (signal) => podConfig.updates(signal) });
  const controller = new AbortController();
  const done = a.kubelet.run(controller.signal);
  const settle = async () => {
    for (let i = 0; i < 6; i++) {
      a.clock.step(1);
      await a.pleg.relist();
      await flush();
      await a.kubelet.podWorkers.whenIdle();
    }
  };
  try {
    const pod = makePod("web", [sleeper("a")]);
    podConfig.merge("file", [pod]);
    await settle();
    assert.equal(a.containers("a")[0]?.state, "CONTAINER_RUNNING");
    // A container exit seen by a relist wakes the worker, which restarts it.
    a.fake.exitContainer(a.containers("a")[0].id, 1);
    await settle();
    assert.equal(a.containers("a").at(-1)?.state, "CONTAINER_RUNNING");
    assert.equal(a.containers("a").length, 2);
    // Housekeeping drops statuses of pods nobody declares.
    a.statusManager.setPodStatus(makePod("stray", []), { phase: "Pending" });
    await a.clock.advance(2_000);
    await flush();
    assert.equal(a.statusManager.getPodStatus("uid-stray"), undefined);
    // The source drops the pod: it is killed and its sandbox removed.
    podConfig.merge("file", []);
    await settle();
    assert.equal(a.fake.runtime.sandboxes().length, 0);
  } finally {
    controller.abort();
    await done;
  }
});

Deno.test("handlePodUpdate() SET kills the source's pods missing from it and adds the new ones", async () => {
  await using a = await fakeAgent();
  const p1 = makePod("p1", [sleeper("a")]);
  const p2 = makePod("p2", [sleeper("a")]);
  add(a, p1, p2);
  await a.converge();
  a.kubelet.handlePodUpdate({
    op: "SET",
    source: "file",
    pods: [p1, makePod("p3", [sleeper("a")])],
  });
  await a.converge();
  const names = a.fake.runtime.sandboxes().map((s) => s.config.metadata?.name).sort();
  assert.deepEqual(names, ["p1", "p3"]);
  assert.deepEqual(a.kubelet.pods().map((p) => p.metadata?.name).sort(), ["p1", "p3"]);
  assert.equal(a.kubelet.hasPod(p1.metadata!.uid!), true);
  assert.equal(a.kubelet.hasPod(p2.metadata!.uid!), false, "removed by the SET");
});

Deno.test("admitPod() admits below --max-pods and refuses at it with OutOfpods", async (t) => {
  const cases = [[0, 110, true], [109, 110, true], [110, 110, false], [0, 0, false]] as const;
  for (const [active, max, admit] of cases) {
    await t.step(`${active} of ${max} -> ${admit ? "admitted" : "rejected"}`, () => {
      const v = admitPod(active, max);
      assert.equal(v.admit, admit);
      if (!v.admit) {
        assert.equal(v.reason, "OutOfpods");
        assert.equal(
          v.message,
          `Node didn't have enough resource: pods, requested: 1, used: ${active}, capacity: ${max}`,
        );
      }
    });
  }
});

Deno.test("a failed liveness probe restarts the container; readiness shows in the status", async () => {
  let deadId = "";
  let ready = false;
  const probed: string[] = [];
  await using a = await fakeAgent({
    probe: (probe, target) => {
      const kind = probe.exec?.command?.[0] ?? "";
      probed.push(kind);
      const ok = kind === "live" ? target.containerId !== deadId : ready;
      return Promise.resolve({ result: ok ? "success" : "failure", output: "" });
    },
  });
  add(
    a,
    makePod("web", [
      sleeper("a", {
        livenessProbe: { exec: { command: ["live"] }, periodSeconds: 10, failureThreshold: 1 },
        readinessProbe: { exec: { command: ["ready"] }, periodSeconds: 5, failureThreshold: 1 },
      }),
    ]),
  );
  await a.converge();
  await a.clock.advance(6_000);
  await a.converge();
  assert.ok(probed.includes("ready"), `probed: ${probed}`);
  let status = a.statusManager.getPodStatus("uid-web");
  assert.equal(status?.containerStatuses?.[0].ready, false);
  ready = true;
  await a.clock.advance(5_000);
  await a.converge();
  // The readiness change wakes the worker through run(); here the test wakes it.
  a.kubelet.podWorkers.wake("uid-web");
  await a.converge();
  status = a.statusManager.getPodStatus("uid-web");
  assert.equal(status?.containerStatuses?.[0].ready, true, `probed: ${probed}`);
  const [first] = a.containers("a");
  deadId = first.id;
  await a.clock.advance(10_000);
  await a.converge();
  a.kubelet.podWorkers.wake("uid-web");
  await a.converge();
  const all = a.containers("a");
  assert.equal(all.length, 2, "killed and started again");
  assert.notEqual(all[1].id, first.id);
  assert.equal(all[1].state, "CONTAINER_RUNNING");
});

Deno.test("housekeeping() kills what a pod rejected after an agent restart left running, keeping the rejection", async () => {
  await using a = await fakeAgent();
  const p1 = makePod("p1", [sleeper("a")]);
  const p2 = makePod("p2", [sleeper("a")]);
  add(a, p1, p2);
  await a.converge();
  await a.kubelet.podWorkers.stop();
  a.restartAgent({ maxPods: 1 });
  add(a, structuredClone(p1), structuredClone(p2));
  await a.converge();
  assert.equal(a.statusManager.getPodStatus("uid-p2")?.reason, "OutOfpods");
  assert.deepEqual(await a.kubelet.housekeeping(), ["uid-p2"]);
  await a.converge();
  assert.deepEqual(a.fake.runtime.sandboxes().map((s) => s.config.metadata?.name), ["p1"]);
  await a.kubelet.housekeeping();
  assert.equal(a.statusManager.getPodStatus("uid-p2")?.reason, "OutOfpods");
  assert.equal(a.statusManager.getPodStatus("uid-p1")?.phase, "Running");
});

Deno.test("a pod first seen with a deletionTimestamp (an agent restarted mid-deletion) is killed and reported terminated", async () => {
  await using a = await fakeAgent();
  const pod = makePod("web", [sleeper("a")], { terminationGracePeriodSeconds: 30 });
  add(a, pod);
  await a.converge();
  assert.equal(a.containers("a").filter((c) => c.state === "CONTAINER_RUNNING").length, 1);
  const terminated: Pod[] = [];
  const next = a.restartAgent({ onPodTerminated: (p) => terminated.push(p) });
  const deleted: Pod = {
    ...pod,
    metadata: {
      ...pod.metadata,
      deletionTimestamp: new Date(a.clock.now()).toISOString(),
      deletionGracePeriodSeconds: 2,
    },
  };
  next.kubelet.handlePodUpdate({ op: "ADD", source: "api", pods: [deleted] });
  await a.converge();
  assert.equal(a.fake.runtime.sandboxes().length, 0, "its leftovers are gone");
  assert.deepEqual(terminated.map((p) => p.metadata?.uid), ["uid-web"]);
  assert.ok(terminated[0].metadata?.deletionTimestamp, "the hook gets the deleted pod");
});

Deno.test("pods are registered with the object source when admitted or changed, unregistered once terminated", async () => {
  const calls: string[] = [];
  await using a = await fakeAgent({
    objects: {
      registerPod: (p) => calls.push(`register ${p.metadata?.name} ${p.spec?.containers.length}`),
      unregisterPod: (p) => calls.push(`unregister ${p.metadata?.name}`),
      resolve: () => Promise.resolve(EMPTY_LOOKUP),
    },
  });
  const pod = makePod("web", [sleeper("a")]);
  add(a, pod);
  await a.converge();
  a.kubelet.handlePodUpdate({
    op: "UPDATE",
    source: "file",
    pods: [makePod("web", [sleeper("a"), sleeper("b")])],
  });
  await a.converge();
  a.kubelet.handlePodUpdate({ op: "REMOVE", source: "file", pods: [pod] });
  await a.converge();
  assert.deepEqual(calls, ["register web 1", "register web 2", "unregister web"]);
});

Deno.test("handleProbeUpdate() publishes a readiness change at once, before the worker syncs again", async () => {
  let ready = false;
  await using a = await fakeAgent({
    probe: () => Promise.resolve({ result: ready ? "success" : "failure", output: "" }),
  });
  add(
    a,
    makePod("web", [
      sleeper("a", { readinessProbe: { exec: { command: ["ready"] }, periodSeconds: 5 } }),
    ]),
  );
  await a.converge();
  assert.equal(a.statusManager.getPodStatus("uid-web")?.containerStatuses?.[0].ready, false);
  const [c] = a.containers("a");
  ready = true;
  a.prober!.readinessResults.set(c.id, "success", "uid-web");
  // What run() does on the prober's update; no relist, no worker pass.
  a.kubelet.handleProbeUpdate("uid-web");
  const status = a.statusManager.getPodStatus("uid-web");
  assert.equal(status?.containerStatuses?.[0].ready, true);
  assert.equal(status?.conditions?.find((x) => x.type === "Ready")?.status, "True");
});
