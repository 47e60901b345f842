import assert from "node:assert/strict";
import type { Pod, PodCondition, PodStatus as V1PodStatus } from "kubernetes-types/core/v1.d.ts";
import type { ProbeVerdict } from "../../src/container/runtime.ts";
import { generateApiPodStatus, qosClass } from "../../src/status/generate.ts";
import { cs, makePod, runtimeStatus, T0 } from "./_fixtures.ts";

const app = { name: "app", image: "busybox:1.36" };
const base = { now: T0 + 10_000, standalone: true, nodeIPs: ["192.168.1.10"] };

function cond(status: V1PodStatus, type: string): PodCondition {
  const c = status.conditions?.find((x) => x.type === type);
  assert.ok(c, `condition ${type} present`);
  return c;
}

function withStatus(pod: Pod, status: V1PodStatus): Pod {
  return { ...pod, status };
}

function verdicts(map: Record<string, ProbeVerdict>) {
  return { get: (id: string) => map[id] };
}

Deno.test("generateApiPodStatus() shows a running pod as Running in standalone and API mode", async (t) => {
  for (const standalone of [true, false]) {
    await t.step(`standalone=${standalone}`, () => {
      const s = generateApiPodStatus(
        makePod([app]),
        runtimeStatus([cs("c1", "app", "running")]),
        { ...base, standalone },
      );
      assert.equal(s.phase, "Running");
      for (
        const type of [
          "PodReadyToStartContainers",
          "Initialized",
          "Ready",
          "ContainersReady",
          "PodScheduled",
        ]
      ) {
        assert.equal(cond(s, type).status, "True", type);
      }
      assert.equal(s.podIP, "10.88.0.5");
      assert.deepEqual(s.podIPs, [{ ip: "10.88.0.5" }]);
      assert.equal(s.hostIP, "192.168.1.10");
      assert.equal(s.startTime, "2026-11-23T12:00:10Z");
      assert.equal(s.qosClass, "BestEffort");
      const c = s.containerStatuses![0];
      assert.deepEqual(c.state, { running: { startedAt: "2026-11-23T12:00:01Z" } });
      assert.equal(c.containerID, "containerd://c1");
      assert.equal(c.image, "busybox:1.36");
      assert.equal(c.imageID, "sha256:aaa");
      assert.equal(c.ready, true);
      assert.equal(c.started, true);
      assert.equal(c.restartCount, 0);
    });
  }
});

Deno.test("generateApiPodStatus() phase and conditions table", async (t) => {
  const cases: {
    name: string;
    policy: "Always" | "OnFailure" | "Never";
    exitCode?: number;
    state: "running" | "exited" | "created" | "none";
    phase: string;
  }[] = [
    { name: "nothing created yet", policy: "Always", state: "none", phase: "Pending" },
    { name: "created, not started", policy: "Always", state: "created", phase: "Pending" },
    {
      name: "Always, exited 0 (restarting)",
      policy: "Always",
      state: "exited",
      exitCode: 0,
      phase: "Running",
    },
    {
      name: "Always, exited 1 (restarting)",
      policy: "Always",
      state: "exited",
      exitCode: 1,
      phase: "Running",
    },
    {
      name: "OnFailure, exited 0",
      policy: "OnFailure",
      state: "exited",
      exitCode: 0,
      phase: "Succeeded",
    },
    {
      name: "OnFailure, exited 1 (restarting)",
      policy: "OnFailure",
      state: "exited",
      exitCode: 1,
      phase: "Running",
    },
    { name: "Never, exited 0", policy: "Never", state: "exited", exitCode: 0, phase: "Succeeded" },
    { name: "Never, exited 1", policy: "Never", state: "exited", exitCode: 1, phase: "Failed" },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const containers = c.state === "none"
        ? []
        : [cs("c1", "app", c.state, { exitCode: c.exitCode ?? 0 })];
      const s = generateApiPodStatus(
        makePod([app], { restartPolicy: c.policy }),
        runtimeStatus(containers),
        base,
      );
      assert.equal(s.phase, c.phase);
      const ready = cond(s, "Ready");
      assert.equal(ready.status, c.state === "running" ? "True" : "False");
      if (c.phase === "Succeeded") assert.equal(ready.reason, "PodCompleted");
      if (c.phase === "Failed") assert.equal(ready.reason, "PodFailed");
    });
  }
});

Deno.test("generateApiPodStatus() reports terminated state with Completed/Error reasons", async (t) => {
  for (
    const [exitCode, runtimeReason, want] of [
      [0, "", "Completed"],
      [2, "", "Error"],
      [137, "OOMKilled", "OOMKilled"],
    ] as const
  ) {
    await t.step(want, () => {
      const s = generateApiPodStatus(
        makePod([app], { restartPolicy: "Never" }),
        runtimeStatus([cs("c1", "app", "exited", { exitCode, reason: runtimeReason })]),
        base,
      );
      assert.deepEqual(s.containerStatuses![0].state, {
        terminated: {
          exitCode,
          reason: want,
          startedAt: "2026-11-23T12:00:01Z",
          finishedAt: "2026-11-23T12:00:05Z",
          containerID: "containerd://c1",
        },
      });
    });
  }
});

Deno.test("generateApiPodStatus() uses the newest instance as state and the previous as lastState", () => {
  const s = generateApiPodStatus(
    makePod([app]),
    runtimeStatus([
      cs("old", "app", "exited", { exitCode: 1, createdAt: T0 }),
      cs("new", "app", "running", { createdAt: T0 + 2000, restartCount: 1 }),
    ]),
    { ...base, runtimeType: "cri-o" },
  );
  const c = s.containerStatuses![0];
  assert.equal(c.containerID, "cri-o://new");
  assert.ok(c.state?.running);
  assert.equal(c.lastState?.terminated?.exitCode, 1);
  assert.equal(c.lastState?.terminated?.containerID, "cri-o://old");
  assert.equal(c.restartCount, 1);
});

Deno.test("generateApiPodStatus() shows the last start failure as the waiting reason", async (t) => {
  await t.step("CrashLoopBackOff after an exit", () => {
    const s = generateApiPodStatus(
      makePod([app]),
      runtimeStatus([cs("c1", "app", "exited", { exitCode: 1 })]),
      {
        ...base,
        reasons: new Map([["app", {
          reason: "CrashLoopBackOff",
          message: "back-off 10s restarting failed container=app",
        }]]),
      },
    );
    const c = s.containerStatuses![0];
    assert.deepEqual(c.state, {
      waiting: {
        reason: "CrashLoopBackOff",
        message: "back-off 10s restarting failed container=app",
      },
    });
    assert.equal(c.lastState?.terminated?.exitCode, 1);
    assert.equal(s.phase, "Running");
  });
  await t.step("ErrImagePull before any instance", () => {
    const s = generateApiPodStatus(makePod([app]), runtimeStatus([]), {
      ...base,
      reasons: new Map([["app", { reason: "ErrImagePull", message: "not found" }]]),
    });
    assert.equal(s.containerStatuses![0].state?.waiting?.reason, "ErrImagePull");
    assert.equal(s.phase, "Pending");
  });
  await t.step("no reason: default ContainerCreating", () => {
    const s = generateApiPodStatus(makePod([app]), runtimeStatus([]), base);
    assert.deepEqual(s.containerStatuses![0].state, { waiting: { reason: "ContainerCreating" } });
    assert.equal(cond(s, "ContainersReady").message, "containers with unready status: [app]");
    assert.equal(cond(s, "Ready").reason, "ContainersNotReady");
  });
  await t.step("a failure of a container that will not restart is ignored", () => {
    const s = generateApiPodStatus(
      makePod([app], { restartPolicy: "Never" }),
      runtimeStatus([cs("c1", "app", "exited", { exitCode: 1 })]),
      { ...base, reasons: new Map([["app", { reason: "CrashLoopBackOff", message: "" }]]) },
    );
    assert.ok(s.containerStatuses![0].state?.terminated);
  });
});

Deno.test("generateApiPodStatus() with init containers", async (t) => {
  const init = { name: "setup", image: "busybox:1.36" };
  await t.step("init running → Pending, PodInitializing, not initialized", () => {
    const s = generateApiPodStatus(
      makePod([app], { initContainers: [init] }),
      runtimeStatus([cs("i1", "setup", "running")]),
      base,
    );
    assert.equal(s.phase, "Pending");
    assert.deepEqual(s.containerStatuses![0].state, { waiting: { reason: "PodInitializing" } });
    const initialized = cond(s, "Initialized");
    assert.equal(initialized.status, "False");
    assert.equal(initialized.reason, "ContainersNotInitialized");
    assert.equal(initialized.message, "containers with incomplete status: [setup]");
    assert.equal(s.initContainerStatuses![0].ready, false);
    assert.equal(s.initContainerStatuses![0].started, true);
  });
  await t.step("init done, app running → Running, initialized, init ready", () => {
    const s = generateApiPodStatus(
      makePod([app], { initContainers: [init] }),
      runtimeStatus([cs("i1", "setup", "exited"), cs("c1", "app", "running")]),
      base,
    );
    assert.equal(s.phase, "Running");
    assert.equal(cond(s, "Initialized").status, "True");
    assert.equal(s.initContainerStatuses![0].ready, true);
    assert.equal(s.initContainerStatuses![0].state?.terminated?.reason, "Completed");
  });
  await t.step("init failed under Never → Failed", () => {
    const s = generateApiPodStatus(
      makePod([app], { initContainers: [init], restartPolicy: "Never" }),
      runtimeStatus([cs("i1", "setup", "exited", { exitCode: 3 })]),
      base,
    );
    assert.equal(s.phase, "Failed");
  });
  await t.step("init failed under Always → Pending (will be retried)", () => {
    const s = generateApiPodStatus(
      makePod([app], { initContainers: [init] }),
      runtimeStatus([cs("i1", "setup", "exited", { exitCode: 3 })]),
      base,
    );
    assert.equal(s.phase, "Pending");
  });
});

Deno.test("generateApiPodStatus() applies readiness and startup results", async (t) => {
  const probed = {
    ...app,
    readinessProbe: { exec: { command: ["true"] } },
    startupProbe: { exec: { command: ["true"] } },
  };
  const pod = makePod([probed]);
  const rs = runtimeStatus([cs("c1", "app", "running")]);
  await t.step("no results yet: not started, not ready", () => {
    const s = generateApiPodStatus(pod, rs, base);
    assert.equal(s.containerStatuses![0].started, false);
    assert.equal(s.containerStatuses![0].ready, false);
    assert.equal(s.phase, "Running");
    assert.equal(cond(s, "Ready").status, "False");
  });
  await t.step("started but readiness failing", () => {
    const s = generateApiPodStatus(pod, rs, {
      ...base,
      startup: verdicts({ c1: "success" }),
      readiness: verdicts({ c1: "failure" }),
    });
    assert.equal(s.containerStatuses![0].started, true);
    assert.equal(s.containerStatuses![0].ready, false);
  });
  await t.step("started and ready", () => {
    const s = generateApiPodStatus(pod, rs, {
      ...base,
      startup: verdicts({ c1: "success" }),
      readiness: verdicts({ c1: "success" }),
    });
    assert.equal(s.containerStatuses![0].ready, true);
    assert.equal(cond(s, "Ready").status, "True");
    assert.equal(cond(s, "ContainersReady").status, "True");
  });
});

Deno.test("generateApiPodStatus() keeps lastTransitionTime while a condition is unchanged", () => {
  const pod = makePod([app]);
  const first = generateApiPodStatus(pod, runtimeStatus([]), base);
  assert.equal(cond(first, "Ready").lastTransitionTime, "2026-11-23T12:00:10Z");
  const second = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "running")]), {
    ...base,
    now: T0 + 20_000,
    previous: first,
  });
  assert.equal(cond(second, "Ready").lastTransitionTime, "2026-11-23T12:00:20Z");
  assert.equal(cond(second, "PodScheduled").lastTransitionTime, "2026-11-23T12:00:10Z");
  assert.equal(second.startTime, "2026-11-23T12:00:10Z", "startTime kept from previous");
  const third = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "running")]), {
    ...base,
    now: T0 + 30_000,
    previous: second,
  });
  assert.equal(cond(third, "Ready").lastTransitionTime, "2026-11-23T12:00:20Z");
});

Deno.test("generateApiPodStatus() never leaves a terminal phase", () => {
  const s = generateApiPodStatus(makePod([app]), runtimeStatus([]), {
    ...base,
    previous: { phase: "Failed", reason: "Evicted", message: "gone" },
  });
  assert.equal(s.phase, "Failed");
  assert.equal(s.reason, "Evicted");
});

Deno.test("generateApiPodStatus() infers termination of a running container that vanished", () => {
  const pod = makePod([app]);
  const running = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "running")]), base);
  const s = generateApiPodStatus(pod, runtimeStatus([]), { ...base, previous: running });
  const c = s.containerStatuses![0];
  assert.deepEqual(c.state, { waiting: { reason: "ContainerCreating" } });
  assert.equal(c.lastState?.terminated?.reason, "ContainerStatusUnknown");
  assert.equal(c.lastState?.terminated?.exitCode, 137);
  assert.equal(c.restartCount, 1);
});

Deno.test("generateApiPodStatus() treats an unknown container that was running as terminated 137", () => {
  const pod = makePod([app]);
  const running = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "running")]), base);
  const s = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "unknown")]), {
    ...base,
    previous: running,
  });
  assert.equal(s.containerStatuses![0].state?.terminated?.reason, "ContainerStatusUnknown");
});

Deno.test("generateApiPodStatus() gives a host-network pod the node IP and needs no sandbox IP", () => {
  const s = generateApiPodStatus(
    makePod([app], { hostNetwork: true }),
    runtimeStatus([cs("c1", "app", "running")], { hostNetwork: true }),
    base,
  );
  assert.equal(s.podIP, "192.168.1.10");
  assert.deepEqual(s.hostIPs, [{ ip: "192.168.1.10" }]);
  assert.equal(cond(s, "PodReadyToStartContainers").status, "True");
});

Deno.test("generateApiPodStatus() PodReadyToStartContainers is False without a ready sandbox", () => {
  const s = generateApiPodStatus(makePod([app]), runtimeStatus([], { ready: false }), base);
  assert.equal(cond(s, "PodReadyToStartContainers").status, "False");
  assert.equal(s.podIP, undefined);
});

Deno.test("generateApiPodStatus() evaluates readiness gates from the previous conditions", () => {
  const pod = makePod([app]);
  pod.spec!.readinessGates = [{ conditionType: "example.com/lb" }];
  const rs = runtimeStatus([cs("c1", "app", "running")]);
  const missing = generateApiPodStatus(pod, rs, base);
  assert.equal(cond(missing, "Ready").reason, "ReadinessGatesNotReady");
  assert.equal(
    cond(missing, "Ready").message,
    'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
  );
  const ok = generateApiPodStatus(pod, rs, {
    ...base,
    previous: { conditions: [{ type: "example.com/lb", status: "True" }] },
  });
  assert.equal(cond(ok, "Ready").status, "True");
  assert.equal(cond(ok, "example.com/lb").status, "True", "foreign conditions are kept");
});

Deno.test("qosClass() classifies BestEffort, Burstable and Guaranteed", () => {
  assert.equal(qosClass(makePod([app])), "BestEffort");
  assert.equal(
    qosClass(makePod([{ ...app, resources: { requests: { cpu: "100m" } } }])),
    "Burstable",
  );
  assert.equal(
    qosClass(makePod([{ ...app, resources: { limits: { cpu: "1", memory: "64Mi" } } }])),
    "Guaranteed",
  );
});

Deno.test("generateApiPodStatus() reads other components' conditions from the API pod, not the last status", () => {
  const pod = withStatus(makePod([app]), {
    phase: "Running",
    conditions: [
      { type: "PodScheduled", status: "True" },
      { type: "example.com/lb", status: "True" },
    ],
  });
  pod.spec!.readinessGates = [{ conditionType: "example.com/lb" }];
  const s = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "running")]), {
    ...base,
    previous: { phase: "Running", conditions: [{ type: "example.com/lb", status: "False" }] },
  });
  assert.equal(cond(s, "Ready").status, "True", "the gate's owner set it True since");
  assert.equal(cond(s, "example.com/lb").status, "True");
});

Deno.test("generateApiPodStatus() keeps the terminal phase the API pod shows", () => {
  const pod = withStatus(makePod([app]), {
    phase: "Succeeded",
    reason: "Done",
    message: "finished",
  });
  const s = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "running")]), {
    ...base,
    previous: { phase: "Running" },
  });
  assert.equal(s.phase, "Succeeded");
});

Deno.test("generateApiPodStatus() keeps the API pod's reason and message while the phase stays", () => {
  const pod = withStatus(makePod([app], { restartPolicy: "Never" }), {
    phase: "Failed",
    reason: "DeadlineExceeded",
    message: "too long",
  });
  const s = generateApiPodStatus(pod, runtimeStatus([cs("c1", "app", "exited", { exitCode: 1 })]), {
    ...base,
    previous: { phase: "Failed" },
  });
  assert.equal(s.phase, "Failed");
  assert.equal(s.reason, "DeadlineExceeded");
  assert.equal(s.message, "too long");
});

Deno.test("generateApiPodStatus() keeps the QoS class the API server gave the pod", () => {
  const pod = withStatus(makePod([app]), { phase: "Pending", qosClass: "Burstable" });
  assert.equal(generateApiPodStatus(pod, runtimeStatus([]), base).qosClass, "Burstable");
});

Deno.test("qosClass() compares quantities by value and defaults requests to limits", async (t) => {
  const res = (requests?: Record<string, string>, limits?: Record<string, string>) =>
    makePod([{ ...app, resources: { requests, limits } }]);
  const cases: [string, ReturnType<typeof res>, string][] = [
    [
      "1 CPU equals 1000m",
      res({ cpu: "1000m", memory: "1Gi" }, { cpu: "1", memory: "1024Mi" }),
      "Guaranteed",
    ],
    ["only limits", res(undefined, { cpu: "500m", memory: "64Mi" }), "Guaranteed"],
    [
      "requests below limits",
      res({ cpu: "100m", memory: "64Mi" }, { cpu: "1", memory: "64Mi" }),
      "Burstable",
    ],
    ["only an ephemeral-storage request", res({ "ephemeral-storage": "1Gi" }), "BestEffort"],
    ["a zero request", res({ cpu: "0" }), "BestEffort"],
  ];
  for (const [name, pod, want] of cases) {
    await t.step(name, () => assert.equal(qosClass(pod), want));
  }
  await t.step("a guaranteed and a best-effort container", () => {
    const pod = makePod([
      { ...app, resources: { limits: { cpu: "1", memory: "1Gi" } } },
      { name: "side", image: "b" },
    ]);
    assert.equal(qosClass(pod), "Burstable");
  });
});
