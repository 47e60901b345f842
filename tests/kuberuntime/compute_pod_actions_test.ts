import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import {
  computePodActions,
  findNextInitContainerToRun,
  podSandboxChanged,
  shouldContainerBeRestarted,
} from "../../src/kuberuntime/compute_pod_actions.ts";
import { cstatus, makePod, podStatus, sandbox } from "./_helpers.ts";

const a: Container = { name: "a", image: "busybox:1", command: ["sleep", "1000"] };
const b: Container = { name: "b", image: "busybox:1", command: ["sleep", "2000"] };
const i1: Container = { name: "init1", image: "busybox:1", command: ["true"] };
const i2: Container = { name: "init2", image: "busybox:1", command: ["true"] };

Deno.test("podSandboxChanged() decides sandbox re-creation like the kubelet", async (t) => {
  const pod = makePod([a]);
  await t.step("no sandbox: create attempt 0", () => {
    assert.deepEqual(podSandboxChanged(pod, podStatus([], [])), {
      changed: true,
      attempt: 0,
      sandboxId: "",
    });
  });
  await t.step("ready sandbox with IP: keep", () => {
    assert.deepEqual(podSandboxChanged(pod, podStatus([sandbox({ attempt: 2 })], [])), {
      changed: false,
      attempt: 2,
      sandboxId: "sb-1",
    });
  });
  await t.step("newest not ready: attempt + 1", () => {
    const r = podSandboxChanged(pod, podStatus([sandbox({ state: "notready", attempt: 1 })], []));
    assert.deepEqual(r, { changed: true, attempt: 2, sandboxId: "sb-1" });
  });
  await t.step("two ready sandboxes", () => {
    const r = podSandboxChanged(pod, podStatus([sandbox({ id: "n" }), sandbox({ id: "o" })], []));
    assert.equal(r.changed, true);
    assert.equal(r.sandboxId, "n");
  });
  await t.step("network mode changed: new sandbox without id", () => {
    const host = makePod([a], { hostNetwork: true });
    assert.deepEqual(podSandboxChanged(host, podStatus([sandbox()], [])), {
      changed: true,
      attempt: 1,
      sandboxId: "",
    });
  });
  await t.step("pod network without IP", () => {
    assert.equal(podSandboxChanged(pod, podStatus([sandbox({ ip: "" })], [])).changed, true);
  });
  await t.step("host network without IP is fine", () => {
    const host = makePod([a], { hostNetwork: true });
    const r = podSandboxChanged(host, podStatus([sandbox({ ip: "", hostNetwork: true })], []));
    assert.equal(r.changed, false);
  });
});

Deno.test("computePodActions() creates a sandbox and starts every container for a new pod", () => {
  const r = computePodActions(makePod([a, b]), podStatus([], []));
  assert.equal(r.killPod, true);
  assert.equal(r.createSandbox, true);
  assert.equal(r.attempt, 0);
  assert.deepEqual(r.containersToStart, [0, 1]);
  assert.equal(r.nextInitContainerToStart, undefined);
});

Deno.test("computePodActions() starts only the first init container with a new sandbox", () => {
  const r = computePodActions(makePod([a], { initContainers: [i1, i2] }), podStatus([], []));
  assert.equal(r.createSandbox, true);
  assert.equal(r.nextInitContainerToStart, "init1");
  assert.deepEqual(r.containersToStart, []);
});

Deno.test("computePodActions() with a dead sandbox follows the restart policy", async (t) => {
  const dead = sandbox({ state: "notready" });
  await t.step("Never with containers seen: kill only", () => {
    const pod = makePod([a], { restartPolicy: "Never" });
    const r = computePodActions(pod, podStatus([dead], [cstatus(a, "exited", { exitCode: 1 })]));
    assert.equal(r.killPod, true);
    assert.equal(r.createSandbox, false);
  });
  await t.step("OnFailure: succeeded containers are not started again", () => {
    const pod = makePod([a, b], { restartPolicy: "OnFailure" });
    const st = podStatus([dead], [cstatus(a, "exited"), cstatus(b, "exited", { exitCode: 2 })]);
    const r = computePodActions(pod, st);
    assert.equal(r.createSandbox, true);
    assert.equal(r.attempt, 1);
    assert.deepEqual(r.containersToStart, [1]);
  });
  await t.step("OnFailure: all succeeded means no new sandbox", () => {
    const pod = makePod([a], { restartPolicy: "OnFailure" });
    const r = computePodActions(pod, podStatus([dead], [cstatus(a, "exited")]));
    assert.equal(r.killPod, true);
    assert.equal(r.createSandbox, false);
  });
  await t.step("Always: everything restarts", () => {
    const r = computePodActions(makePod([a, b]), podStatus([dead], [cstatus(a, "exited")]));
    assert.equal(r.createSandbox, true);
    assert.deepEqual(r.containersToStart, [0, 1]);
  });
});

Deno.test("computePodActions() keeps a healthy pod as it is", () => {
  const st = podStatus([sandbox()], [cstatus(a, "running"), cstatus(b, "running")]);
  const r = computePodActions(makePod([a, b]), st);
  assert.equal(r.killPod, false);
  assert.equal(r.createSandbox, false);
  assert.equal(r.sandboxId, "sb-1");
  assert.deepEqual(r.containersToStart, []);
  assert.equal(r.containersToKill.size, 0);
});

Deno.test("computePodActions() restarts exited containers by restart policy", async (t) => {
  const cases: [string, "Always" | "OnFailure" | "Never", number, boolean][] = [
    ["Always, exit 0", "Always", 0, true],
    ["Always, exit 1", "Always", 1, true],
    ["OnFailure, exit 0", "OnFailure", 0, false],
    ["OnFailure, exit 1", "OnFailure", 1, true],
    ["Never, exit 1", "Never", 1, false],
  ];
  for (const [name, policy, code, restart] of cases) {
    await t.step(name, () => {
      const pod = makePod([a, b], { restartPolicy: policy });
      const st = podStatus([sandbox()], [
        cstatus(a, "exited", { exitCode: code }),
        cstatus(b, "running"),
      ]);
      const r = computePodActions(pod, st);
      assert.deepEqual(r.containersToStart, restart ? [0] : []);
      assert.equal(r.killPod, false);
    });
  }
  await t.step("Never with every container exited kills the pod", () => {
    const pod = makePod([a], { restartPolicy: "Never" });
    const r = computePodActions(pod, podStatus([sandbox()], [cstatus(a, "exited")]));
    assert.equal(r.killPod, true);
    assert.equal(r.createSandbox, false);
  });
});

Deno.test("computePodActions() restarts only the container whose spec changed", () => {
  const runningA = cstatus(a, "running");
  const runningB = cstatus(b, "running");
  const editedB: Container = { ...b, env: [{ name: "MODE", value: "new" }] };
  const r = computePodActions(makePod([a, editedB]), podStatus([sandbox()], [runningA, runningB]));
  assert.deepEqual(r.containersToStart, [1]);
  assert.deepEqual([...r.containersToKill.keys()], [runningB.id]);
  assert.equal(
    r.containersToKill.get(runningB.id)?.message,
    "Container b definition changed, will be restarted",
  );
  assert.equal(r.killPod, false);
});

Deno.test("computePodActions() restarts a changed container even under restartPolicy Never", () => {
  const running = cstatus(a, "running");
  const edited: Container = { ...a, args: ["x"] };
  const pod = makePod([edited], { restartPolicy: "Never" });
  const r = computePodActions(pod, podStatus([sandbox()], [running]));
  assert.deepEqual(r.containersToStart, [0]);
  assert.ok(r.containersToKill.has(running.id));
});

Deno.test("computePodActions() kills containers failing liveness or startup probes", async (t) => {
  for (const kind of ["liveness", "startup"] as const) {
    const reason = kind === "liveness" ? "LivenessProbe" : "StartupProbe";
    await t.step(`${kind} failure under Always restarts`, () => {
      const running = cstatus(a, "running");
      const verdicts = {
        get: (id: string) => (id === running.id ? "failure" as const : undefined),
      };
      const r = computePodActions(
        makePod([a]),
        podStatus([sandbox()], [running]),
        kind === "liveness" ? { livenessResults: verdicts } : { startupResults: verdicts },
      );
      assert.deepEqual(r.containersToStart, [0]);
      assert.deepEqual(r.containersToKill.get(running.id), {
        name: "a",
        reason,
        message: `Container a failed ${kind} probe, will be restarted`,
      });
    });
    await t.step(`${kind} failure under Never kills without restart`, () => {
      const running = cstatus(a, "running");
      const verdicts = { get: () => "failure" as const };
      const r = computePodActions(
        makePod([a], { restartPolicy: "Never" }),
        podStatus([sandbox()], [running]),
        kind === "liveness" ? { livenessResults: verdicts } : { startupResults: verdicts },
      );
      assert.deepEqual(r.containersToStart, []);
      assert.equal(r.containersToKill.get(running.id)?.message, `Container a failed ${kind} probe`);
      assert.equal(r.killPod, true);
    });
  }
  await t.step("success and unknown verdicts keep the container", () => {
    const running = cstatus(a, "running");
    const r = computePodActions(makePod([a]), podStatus([sandbox()], [running]), {
      livenessResults: { get: () => "success" },
      startupResults: { get: () => "unknown" },
    });
    assert.equal(r.containersToKill.size, 0);
    assert.equal(r.killPod, false);
  });
});

Deno.test("computePodActions() kills an unknown-state container before restarting it", () => {
  const unknown = cstatus(a, "unknown");
  const r = computePodActions(makePod([a]), podStatus([sandbox()], [unknown]));
  assert.deepEqual(r.containersToStart, [0]);
  assert.equal(
    r.containersToKill.get(unknown.id)?.message,
    "Container is in unknown state, try killing it before restart",
  );
});

Deno.test("computePodActions() runs init containers one at a time", async (t) => {
  const pod = makePod([a], { initContainers: [i1, i2] });
  await t.step("first running: wait", () => {
    const r = computePodActions(pod, podStatus([sandbox()], [cstatus(i1, "running")]));
    assert.equal(r.nextInitContainerToStart, undefined);
    assert.deepEqual(r.containersToStart, []);
    assert.equal(r.killPod, false);
  });
  await t.step("first succeeded: start the second", () => {
    const r = computePodActions(pod, podStatus([sandbox()], [cstatus(i1, "exited")]));
    assert.equal(r.nextInitContainerToStart, "init2");
  });
  await t.step("all succeeded: start regular containers", () => {
    const st = podStatus([sandbox()], [cstatus(i1, "exited"), cstatus(i2, "exited")]);
    const r = computePodActions(pod, st);
    assert.equal(r.nextInitContainerToStart, undefined);
    assert.deepEqual(r.containersToStart, [0]);
  });
  await t.step("failed under Always: start it again", () => {
    const st = podStatus([sandbox()], [cstatus(i1, "exited", { exitCode: 1 })]);
    const r = computePodActions(pod, st);
    assert.equal(r.nextInitContainerToStart, "init1");
    assert.equal(r.killPod, false);
  });
  await t.step("failed under Never: kill the pod", () => {
    const never = makePod([a], { initContainers: [i1, i2], restartPolicy: "Never" });
    const st = podStatus([sandbox()], [
      cstatus(i1, "exited"),
      cstatus(i2, "exited", { exitCode: 3 }),
    ]);
    const r = computePodActions(never, st);
    assert.equal(r.killPod, true);
    assert.equal(r.nextInitContainerToStart, undefined);
  });
  await t.step("unknown state: kill then restart it", () => {
    const unknown = cstatus(i1, "unknown");
    const r = computePodActions(pod, podStatus([sandbox()], [unknown]));
    assert.equal(r.nextInitContainerToStart, "init1");
    assert.ok(r.containersToKill.has(unknown.id));
  });
  await t.step("a running regular container means initialized", () => {
    const r = findNextInitContainerToRun(pod, podStatus([sandbox()], [cstatus(a, "running")]));
    assert.equal(r.done, true);
  });
});

Deno.test("computePodActions() runs sidecars (restartable init containers) in order and keeps them running", async (t) => {
  const side: Container = { name: "side", image: "busybox:1", restartPolicy: "Always" };
  const probed: Container = {
    ...side,
    name: "probed",
    startupProbe: { exec: { command: ["true"] } },
  };
  const pod = makePod([a, b], { initContainers: [i1, side, i2] });
  const verdicts = (m: Record<string, "success" | "failure">) => ({ get: (id: string) => m[id] });
  await t.step("the sidecar is next after the first init container", () => {
    const r = computePodActions(pod, podStatus([sandbox()], [cstatus(i1, "exited")]));
    assert.equal(r.nextInitContainerToStart, "side");
  });
  await t.step("a running sidecar lets the next init container start", () => {
    // Before: a running init container meant "wait", so the pod never got past it.
    const st = podStatus([sandbox()], [cstatus(i1, "exited"), cstatus(side, "running")]);
    assert.equal(computePodActions(pod, st).nextInitContainerToStart, "init2");
  });
  await t.step("all done with the sidecar running: the regular containers start", () => {
    const st = podStatus([sandbox()], [
      cstatus(i1, "exited"),
      cstatus(side, "running"),
      cstatus(i2, "exited"),
    ]);
    const r = computePodActions(pod, st);
    assert.equal(r.nextInitContainerToStart, undefined);
    assert.deepEqual(r.containersToStart, [0, 1]);
    assert.equal(r.containersToKill.size, 0, "the sidecar keeps running");
  });
  await t.step("a sidecar with a startup probe is waited for until started", () => {
    const p = makePod([a], { initContainers: [probed, i2] });
    const running = cstatus(probed, "running");
    const st = podStatus([sandbox()], [running]);
    const waiting = computePodActions(p, st, { startupResults: verdicts({}) });
    assert.equal(waiting.nextInitContainerToStart, undefined);
    assert.deepEqual(waiting.containersToStart, []);
    const started = computePodActions(p, st, {
      startupResults: verdicts({ [running.id]: "success" }),
    });
    assert.equal(started.nextInitContainerToStart, "init2");
  });
  await t.step("a sidecar that died after initialization is restarted, even under Never", () => {
    const never = makePod([a, b], { initContainers: [i1, side, i2], restartPolicy: "Never" });
    const st = podStatus([sandbox()], [
      cstatus(i1, "exited"),
      cstatus(side, "exited", { exitCode: 1 }),
      cstatus(i2, "exited"),
      cstatus(a, "running"),
      cstatus(b, "running"),
    ]);
    const r = computePodActions(never, st);
    assert.equal(r.nextInitContainerToStart, "side");
    assert.equal(r.killPod, false);
    assert.deepEqual(r.containersToStart, []);
  });
  await t.step("a failed sidecar before initialization is restarted, not the pod killed", () => {
    const never = makePod([a], { initContainers: [side, i2], restartPolicy: "Never" });
    const st = podStatus([sandbox()], [cstatus(side, "exited", { exitCode: 1 })]);
    const r = computePodActions(never, st);
    assert.equal(r.nextInitContainerToStart, "side");
    assert.equal(r.killPod, false);
  });
  await t.step("findNextInitContainerToRun() is done with every sidecar running", () => {
    const st = podStatus([sandbox()], [
      cstatus(i1, "exited"),
      cstatus(side, "running"),
      cstatus(i2, "exited"),
    ]);
    assert.equal(findNextInitContainerToRun(pod, st).done, true);
  });
});

Deno.test("shouldContainerBeRestarted() returns false once the pod is being deleted", () => {
  const base = makePod([a]);
  const pod = {
    ...base,
    metadata: { ...base.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" },
  };
  assert.equal(shouldContainerBeRestarted(a, pod, podStatus([sandbox()], [])), false);
  assert.equal(shouldContainerBeRestarted(a, makePod([a]), podStatus([sandbox()], [])), true);
});
