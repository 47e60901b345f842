import assert from "node:assert/strict";
import type { PodStatus } from "kubernetes-types/core/v1.d.ts";
import { kubeletStatusView, statusPatch } from "../../src/status/_status_patch.ts";

const status: PodStatus = {
  phase: "Running",
  conditions: [
    { type: "Ready", status: "True", lastTransitionTime: "2026-12-01T00:00:05Z" },
    { type: "example.com/gate", status: "True" },
    { type: "PodScheduled", status: "True", reason: "x" },
  ],
  podIP: "10.0.0.2",
  podIPs: [{ ip: "10.0.0.2" }],
  containerStatuses: [],
  qosClass: "BestEffort",
};

Deno.test("statusPatch() carries the uid and only what the kubelet owns, clearing what it left out", () => {
  const patch = statusPatch("u1", status) as { metadata: unknown; status: Record<string, unknown> };
  assert.deepEqual(patch.metadata, { uid: "u1" });
  assert.deepEqual(patch.status.conditions, [
    {
      type: "Ready",
      status: "True",
      reason: null,
      message: null,
      lastTransitionTime: "2026-12-01T00:00:05Z",
    },
    { type: "PodScheduled", status: "True", reason: "x", message: null },
  ]);
  assert.deepEqual(patch.status.podIPs, [{ ip: "10.0.0.2" }], "nothing held: nothing to delete");
  const again = statusPatch("u1", status, [{ podIPs: ["10.0.0.1", "10.0.0.2"] }, {
    podIPs: ["10.0.0.9"],
    hostIPs: ["192.168.1.5"],
  }]) as { status: Record<string, unknown> };
  assert.deepEqual(again.status.podIPs, [
    { ip: "10.0.0.2" },
    { ip: "10.0.0.1", $patch: "delete" },
    { ip: "10.0.0.9", $patch: "delete" },
  ], "IPs the server may hold and the status lacks are deleted by key");
  assert.equal(again.status.hostIPs, null, "hostIPs left out are cleared whole");
  assert.equal(patch.status.reason, null);
  assert.equal(patch.status.hostIP, null);
  assert.equal(patch.status.qosClass, "BestEffort");
  assert.equal("nominatedNodeName" in patch.status, false, "the scheduler's field is left alone");
  assert.equal(status.podIPs?.length, 1, "input untouched");
});

Deno.test("kubeletStatusView() ignores empty values, order, times and other components' conditions", () => {
  const server: PodStatus = {
    qosClass: "BestEffort",
    podIPs: [{ ip: "10.0.0.2" }],
    podIP: "10.0.0.2",
    phase: "Running",
    conditions: [
      { type: "PodScheduled", status: "True", reason: "x", lastProbeTime: undefined },
      { type: "Ready", status: "True", lastTransitionTime: "2026-12-01T00:09:00Z" },
    ],
    message: "",
  };
  assert.equal(kubeletStatusView(server), kubeletStatusView(status));
  assert.notEqual(kubeletStatusView({ ...server, phase: "Pending" }), kubeletStatusView(status));
});
