import assert from "node:assert/strict";
import {
  type ConditionInputs,
  notReadyMessage,
  rfc3339,
  updateNodeConditions,
} from "../../src/nodestatus/node_conditions.ts";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const CAPACITY = { cpu: "4", "ephemeral-storage": "1Gi", memory: "1Gi", pods: "110" };
const HEALTHY: ConditionInputs = {
  readinessErrors: [],
  pressure: { memory: false, disk: false, pid: false },
  capacity: CAPACITY,
};

Deno.test("rfc3339() prints whole seconds in UTC, as metav1.Time does", () => {
  assert.equal(rfc3339(T0), "2026-01-02T03:04:05Z");
});

Deno.test("updateNodeConditions(): a new node gets the four conditions, Ready last, and the pressure events", () => {
  const { conditions, events } = updateNodeConditions([], HEALTHY, T0);
  const t = "2026-01-02T03:04:05Z";
  assert.deepEqual(conditions, [
    {
      type: "MemoryPressure",
      status: "False",
      lastHeartbeatTime: t,
      lastTransitionTime: t,
      reason: "KubeletHasSufficientMemory",
      message: "kubelet has sufficient memory available",
    },
    {
      type: "DiskPressure",
      status: "False",
      lastHeartbeatTime: t,
      lastTransitionTime: t,
      reason: "KubeletHasNoDiskPressure",
      message: "kubelet has no disk pressure",
    },
    {
      type: "PIDPressure",
      status: "False",
      lastHeartbeatTime: t,
      lastTransitionTime: t,
      reason: "KubeletHasSufficientPID",
      message: "kubelet has sufficient PID available",
    },
    {
      type: "Ready",
      status: "True",
      lastHeartbeatTime: t,
      lastTransitionTime: t,
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
    },
  ]);
  // Ready's first setting records no event (only its flips do).
  assert.deepEqual(events, [
    "NodeHasSufficientMemory",
    "NodeHasNoDiskPressure",
    "NodeHasSufficientPID",
  ]);
});

Deno.test("updateNodeConditions(): heartbeats move, transition times stay until a flip", () => {
  const first = updateNodeConditions([], HEALTHY, T0).conditions;
  const later = updateNodeConditions(first, HEALTHY, T0 + 10_000);
  assert.deepEqual(later.events, []);
  for (const c of later.conditions) {
    assert.equal(c.lastHeartbeatTime, "2026-01-02T03:04:15Z");
    assert.equal(c.lastTransitionTime, "2026-01-02T03:04:05Z");
  }
  const flipped = updateNodeConditions(later.conditions, {
    ...HEALTHY,
    readinessErrors: ["container runtime is down"],
    pressure: { memory: true, disk: false, pid: true },
  }, T0 + 20_000);
  assert.deepEqual(flipped.events, [
    "NodeHasInsufficientMemory",
    "NodeHasInsufficientPID",
    "NodeNotReady",
  ]);
  const byType = Object.fromEntries(flipped.conditions.map((c) => [c.type, c]));
  assert.equal(byType.MemoryPressure.status, "True");
  assert.equal(byType.MemoryPressure.reason, "KubeletHasInsufficientMemory");
  assert.equal(byType.MemoryPressure.message, "kubelet has insufficient memory available");
  assert.equal(byType.MemoryPressure.lastTransitionTime, "2026-01-02T03:04:25Z");
  assert.equal(byType.DiskPressure.lastTransitionTime, "2026-01-02T03:04:05Z");
  assert.equal(byType.PIDPressure.reason, "KubeletHasInsufficientPID");
  assert.equal(byType.Ready.status, "False");
  assert.equal(byType.Ready.reason, "KubeletNotReady");
  assert.equal(byType.Ready.message, "container runtime is down");
  assert.equal(byType.Ready.lastTransitionTime, "2026-01-02T03:04:25Z");
  const back = updateNodeConditions(flipped.conditions, {
    ...HEALTHY,
    pressure: { memory: false, disk: true, pid: false },
  }, T0 + 30_000);
  assert.deepEqual(back.events, [
    "NodeHasSufficientMemory",
    "NodeHasDiskPressure",
    "NodeHasSufficientPID",
    "NodeReady",
  ]);
  assert.equal(back.conditions[1].reason, "KubeletHasDiskPressure");
  assert.equal(back.conditions[1].message, "kubelet has disk pressure");
});

Deno.test("updateNodeConditions(): a not-ready message change keeps the transition time", () => {
  const down = updateNodeConditions([], { ...HEALTHY, readinessErrors: ["a"] }, T0).conditions;
  const next = updateNodeConditions(down, { ...HEALTHY, readinessErrors: ["b"] }, T0 + 10_000);
  assert.deepEqual(next.events, []);
  assert.equal(next.conditions[3].message, "b");
  assert.equal(next.conditions[3].lastTransitionTime, "2026-01-02T03:04:05Z");
});

Deno.test("updateNodeConditions(): conditions of other owners are not returned (nor flipped)", () => {
  const previous = [
    { type: "NetworkUnavailable", status: "False", reason: "RouteCreated" },
    ...updateNodeConditions([], HEALTHY, T0).conditions,
  ];
  const { conditions } = updateNodeConditions(previous, HEALTHY, T0 + 1000);
  assert.deepEqual(conditions.map((c) => c.type), [
    "MemoryPressure",
    "DiskPressure",
    "PIDPressure",
    "Ready",
  ]);
});

Deno.test("notReadyMessage() aggregates as the kubelet does: one message, or [a, b] without repeats", () => {
  assert.equal(notReadyMessage([], CAPACITY), "");
  assert.equal(
    notReadyMessage(["container runtime status check may not have completed yet"], CAPACITY),
    "container runtime status check may not have completed yet",
  );
  assert.equal(
    notReadyMessage([
      "container runtime status check may not have completed yet",
      "PLEG is not healthy: pleg has yet to be successful",
      "network state unknown",
      "network state unknown",
    ], CAPACITY),
    "[container runtime status check may not have completed yet, PLEG is not healthy: pleg has yet to be successful, network state unknown]",
  );
  assert.equal(
    notReadyMessage([], { cpu: "4", pods: "110" }),
    "missing node capacity for resources: memory, ephemeral-storage",
  );
});
