import assert from "node:assert/strict";
import type { Container, Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import { failure, type ProbeOutcome, success } from "../../src/prober/probe_result.ts";
import { ProberManager, type ProbeUpdate } from "../../src/prober/prober_manager.ts";
import type { ProbeTarget } from "../../src/prober/prober.ts";
import { FakeClock } from "../../src/util/clock.ts";

const T0 = 1_700_000_000_000;
const iso = (ms: number) => new Date(ms).toISOString();

function makePod(uid: string, containers: Container[]): Pod {
  return {
    metadata: { name: `pod-${uid}`, namespace: "default", uid },
    spec: { containers, restartPolicy: "Always" },
  };
}

function running(
  name: string,
  id: string,
  startedAt: number,
): NonNullable<PodStatus["containerStatuses"]>[number] {
  return {
    name,
    containerID: `containerd://${id}`,
    image: "busybox",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { running: { startedAt: iso(startedAt) } },
  };
}

interface Fixture {
  clock: FakeClock;
  manager: ProberManager;
  probes: { container: string; type: string; at: number; id: string }[];
  /** Outcome per container name; success when absent. */
  outcome: Map<string, ProbeOutcome>;
  updates: ProbeUpdate[];
}

function setup(): Fixture {
  const clock = new FakeClock(T0);
  const probes: Fixture["probes"] = [];
  const outcome = new Map<string, ProbeOutcome>();
  const manager = new ProberManager({
    clock,
    agentStartedAt: T0 - 3_600_000, // started long ago: no jitter
    probe: (probe, target: ProbeTarget) => {
      const type = probe === target.container.livenessProbe
        ? "liveness"
        : probe === target.container.readinessProbe
        ? "readiness"
        : "startup";
      probes.push({
        container: target.container.name,
        type,
        at: clock.now() - T0,
        id: target.containerId,
      });
      return Promise.resolve(outcome.get(`${target.container.name}/${type}`) ?? success());
    },
  });
  const updates: ProbeUpdate[] = [];
  manager.onUpdate((u) => updates.push(u));
  return { clock, manager, probes, outcome, updates };
}

const exec = { exec: { command: ["true"] }, periodSeconds: 10 };

Deno.test("ProberManager.addPod() starts one worker per container and probe type, once", async () => {
  const { manager } = setup();
  const pod = makePod("u1", [
    {
      name: "a",
      livenessProbe: { ...exec },
      readinessProbe: { ...exec },
      startupProbe: { ...exec },
    },
    { name: "b", readinessProbe: exec },
    { name: "c" },
  ]);
  manager.addPod(pod);
  manager.addPod(pod);
  assert.equal(manager.workerCount, 4);
  assert.ok(manager.hasWorker("u1", "a", "startup"));
  assert.ok(manager.hasWorker("u1", "b", "readiness"));
  assert.ok(!manager.hasWorker("u1", "b", "liveness"));
  assert.ok(!manager.hasWorker("u1", "c", "readiness"));
  await manager.stop();
  assert.equal(manager.workerCount, 0);
});

Deno.test("ProberManager.updatePodStatus() sets started and ready from the verdicts", async (t) => {
  const { manager, clock } = setup();
  const pod = makePod("u1", [
    { name: "plain" },
    { name: "ready", readinessProbe: exec },
    { name: "slow", startupProbe: { ...exec }, readinessProbe: { ...exec } },
  ]);
  manager.addPod(pod);
  const status = (): PodStatus => ({
    podIP: "10.1.0.7",
    containerStatuses: [
      running("plain", "p1", T0),
      running("ready", "r1", T0),
      running("slow", "s1", T0),
    ],
  });
  await t.step("before any probe", () => {
    const s = manager.updatePodStatus(pod, status());
    const by = Object.fromEntries(s.containerStatuses!.map((c) => [c.name, [c.started, c.ready]]));
    assert.deepEqual(by, { plain: [true, true], ready: [true, false], slow: [false, false] });
  });
  await t.step("after the probes ran", async () => {
    await clock.advance(0);
    const s = manager.updatePodStatus(pod, status());
    const by = Object.fromEntries(s.containerStatuses!.map((c) => [c.name, [c.started, c.ready]]));
    assert.deepEqual(by, { plain: [true, true], ready: [true, true], slow: [true, true] });
  });
  await t.step("a container that is not running is neither started nor ready", () => {
    const s = manager.updatePodStatus(pod, {
      containerStatuses: [{
        name: "plain",
        image: "busybox",
        imageID: "",
        ready: true,
        restartCount: 0,
        state: { waiting: { reason: "ContainerCreating" } },
      }],
    });
    assert.equal(s.containerStatuses![0].started, false);
    assert.equal(s.containerStatuses![0].ready, false);
  });
  await manager.stop();
});

Deno.test("ProberManager probes a new container's readiness as soon as it has started", async () => {
  const { manager, clock, probes, updates } = setup();
  const pod = makePod("u1", [{ name: "web", readinessProbe: { ...exec, periodSeconds: 30 } }]);
  manager.addPod(pod);
  await clock.advance(0);
  assert.equal(probes.length, 0, "no container yet");
  await clock.advance(1234);
  const started = clock.now();
  manager.updatePodStatus(pod, { containerStatuses: [running("web", "w1", started)] });
  await clock.advance(0);
  assert.deepEqual(probes, [{ container: "web", type: "readiness", at: 1234, id: "w1" }]);
  assert.deepEqual(updates.map((u) => [u.type, u.containerId, u.result]), [
    ["readiness", "w1", "failure"],
    ["readiness", "w1", "success"],
  ]);
  const s = manager.updatePodStatus(pod, { containerStatuses: [running("web", "w1", started)] });
  assert.equal(s.containerStatuses![0].ready, true);
  await manager.stop();
});

Deno.test("ProberManager runs liveness and readiness at once when the startup probe succeeds", async () => {
  const { manager, clock, probes, outcome } = setup();
  const pod = makePod("u1", [{
    name: "web",
    startupProbe: { ...exec, failureThreshold: 30 },
    livenessProbe: { ...exec },
    readinessProbe: { ...exec },
  }]);
  manager.addPod(pod);
  outcome.set("web/startup", failure("not yet"));
  manager.updatePodStatus(pod, { containerStatuses: [running("web", "w1", T0)] });
  await clock.advance(0);
  assert.deepEqual(probes.map((p) => [p.type, p.at]), [["startup", 0]]);
  outcome.delete("web/startup");
  // The startup probe's start-up retry (20 ms) succeeds, not the next period's probe.
  await clock.advance(20);
  const after = probes.map((p) => [p.type, p.at]);
  assert.deepEqual(after.slice(0, 2), [["startup", 0], ["startup", 20]]);
  assert.deepEqual(
    after.slice(2).sort(),
    [["liveness", 20], ["readiness", 20]].sort(),
    "gated probes run right after the startup success, not a period later",
  );
  assert.equal(manager.startupResults.get("w1"), "success");
  await manager.stop();
});

Deno.test("ProberManager.onUpdate() reports a liveness failure for the pod sync to act on", async () => {
  const { manager, clock, outcome, updates } = setup();
  const pod = makePod("u1", [{ name: "web", livenessProbe: { ...exec, failureThreshold: 3 } }]);
  manager.addPod(pod);
  outcome.set("web/liveness", failure("HTTP probe failed with statuscode: 500"));
  manager.updatePodStatus(pod, { containerStatuses: [running("web", "w1", T0)] });
  await clock.advance(25_000);
  assert.equal(manager.livenessResults.get("w1"), "failure");
  assert.deepEqual(updates.map((u) => [u.type, u.podUid, u.containerId, u.result]), [
    ["liveness", "u1", "w1", "success"],
    ["liveness", "u1", "w1", "failure"],
  ]);
  await manager.stop();
});

Deno.test("ProberManager.removePod() and cleanupPods() stop workers and drop their verdicts", async () => {
  const { manager, clock, probes } = setup();
  const a = makePod("a", [{ name: "web", readinessProbe: exec }]);
  const b = makePod("b", [{ name: "web", readinessProbe: exec }]);
  const c = makePod("c", [{ name: "web", readinessProbe: exec }]);
  for (const [pod, id] of [[a, "ca"], [b, "cb"], [c, "cc"]] as const) {
    manager.addPod(pod);
    manager.updatePodStatus(pod, { containerStatuses: [running("web", id, T0)] });
  }
  await clock.advance(0);
  assert.equal(manager.readinessResults.size, 3);
  manager.removePod("a");
  manager.cleanupPods(["b"]);
  await clock.advance(0);
  assert.equal(manager.workerCount, 1);
  assert.ok(manager.hasWorker("b", "web", "readiness"));
  assert.equal(manager.readinessResults.get("ca"), undefined);
  assert.equal(manager.readinessResults.get("cc"), undefined);
  assert.equal(manager.readinessResults.get("cb"), "success");
  const before = probes.length;
  await clock.advance(10_000);
  assert.deepEqual(probes.slice(before).map((p) => p.id), ["cb"]);
  await manager.stop();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("ProberManager uses an injected status source and pod IP", async () => {
  const clock = new FakeClock(T0);
  const seen: ProbeTarget[] = [];
  const manager = new ProberManager({
    clock,
    agentStartedAt: 0,
    statusSource: {
      getContainerStatus: (uid, name) =>
        uid === "u1" && name === "web"
          ? { containerId: "x1", state: "running", startedAt: T0 }
          : undefined,
      getPodIP: () => "10.1.0.9",
    },
    probe: (_probe, target) => {
      seen.push(target);
      return Promise.resolve(success());
    },
  });
  manager.addPod(makePod("u1", [{ name: "web", livenessProbe: exec }]));
  await clock.advance(0);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].containerId, "x1");
  assert.equal(seen[0].podIP, "10.1.0.9");
  await manager.stop();
});

Deno.test("ProberManager.updatePodStatus() marks completed init containers ready", async () => {
  const { manager } = setup();
  const pod: Pod = {
    metadata: { name: "p", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "app" }], initContainers: [{ name: "init" }, { name: "bad" }] },
  };
  const s = manager.updatePodStatus(pod, {
    initContainerStatuses: [
      {
        name: "init",
        image: "i",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0 } },
      },
      {
        name: "bad",
        image: "i",
        imageID: "",
        ready: true,
        restartCount: 0,
        state: { terminated: { exitCode: 1 } },
      },
    ],
  });
  assert.deepEqual(s.initContainerStatuses!.map((c) => c.ready), [true, false]);
  await manager.stop();
});

Deno.test("ProberManager probes a real HTTP readiness endpoint and marks the container ready", async () => {
  let healthy = false;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(healthy ? "ok" : "starting", { status: healthy ? 200 : 503 }),
  );
  const clock = new FakeClock(T0);
  const events: string[] = [];
  const manager = new ProberManager({
    clock,
    agentStartedAt: 0,
    recordEvent: (e) => events.push(`${e.reason}: ${e.message}`),
  });
  const pod = makePod("u1", [{
    name: "web",
    ports: [{ name: "http", containerPort: server.addr.port }],
    readinessProbe: {
      httpGet: { port: "http", path: "/ready" },
      periodSeconds: 10,
      failureThreshold: 1,
    },
  }]);
  const status = (): PodStatus => ({
    podIP: "127.0.0.1",
    containerStatuses: [running("web", "w1", T0)],
  });
  // Real HTTP I/O: poll (bounded) until the verdict arrives.
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(done());
  };
  try {
    manager.addPod(pod);
    manager.updatePodStatus(pod, status());
    await clock.advance(0);
    await until(() => events.length === 1);
    assert.equal(manager.readinessResults.get("w1"), "failure");
    assert.equal(manager.updatePodStatus(pod, status()).containerStatuses![0].ready, false);
    assert.deepEqual(events, [
      "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503",
    ]);
    healthy = true;
    await clock.advance(10_000);
    await until(() => manager.readinessResults.get("w1") === "success");
    assert.equal(manager.updatePodStatus(pod, status()).containerStatuses![0].ready, true);
  } finally {
    await manager.stop();
    await server.shutdown();
  }
});

Deno.test("ProberManager.podStatusChanged() probes a new instance from the status source at once", async () => {
  const clock = new FakeClock(T0);
  const probed: string[] = [];
  const seen: { current?: { containerId: string; state: "running"; startedAt: number } } = {};
  const manager = new ProberManager({
    clock,
    agentStartedAt: 0,
    statusSource: { getContainerStatus: () => seen.current },
    probe: (_p, target) => {
      probed.push(`${target.containerId}@${clock.now() - T0}`);
      return Promise.resolve(success());
    },
  });
  manager.addPod(makePod("u1", [{ name: "web", readinessProbe: { ...exec, periodSeconds: 60 } }]));
  await clock.advance(5000);
  seen.current = { containerId: "n1", state: "running", startedAt: clock.now() };
  manager.podStatusChanged("u1");
  await clock.advance(0);
  manager.podStatusChanged("u1"); // same instance: no extra probe
  await clock.advance(0);
  assert.deepEqual(probed, ["n1@5000"]);
  await manager.stop();
});

Deno.test("ProberManager workers due at the same time share one timer of the clock", async () => {
  const clock = new FakeClock(T0);
  let armed = 0;
  const counting = {
    now: () => clock.now(),
    sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal),
    after: (ms: number, fn: () => void) => {
      armed++;
      return clock.after(ms, fn);
    },
  };
  let probed = 0;
  const manager = new ProberManager({
    clock: counting,
    agentStartedAt: T0 - 3_600_000, // no jitter: every worker starts at once
    statusSource: {
      getContainerStatus: (uid) => ({ containerId: `c-${uid}`, state: "running", startedAt: 0 }),
    },
    probe: () => {
      probed++;
      return Promise.resolve(success());
    },
  });
  for (let i = 0; i < 20; i++) {
    manager.addPod(makePod(`u${i}`, [{
      name: "web",
      image: "busybox",
      readinessProbe: { httpGet: { port: 80 }, periodSeconds: 1 },
    }]));
  }
  await clock.advance(0);
  assert.equal(probed, 20);
  const before = armed;
  await clock.advance(1000);
  assert.equal(probed, 40, "every worker probed again one period later");
  assert.ok(armed - before <= 2, `20 workers armed ${armed - before} timers for one period`);
  await manager.stop();
});
