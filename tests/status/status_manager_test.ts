import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { type PodStatusChange, StatusManager } from "../../src/status/status_manager.ts";

const pod = (uid: string): Pod => ({
  metadata: { name: `p-${uid}`, namespace: "default", uid },
  spec: { containers: [{ name: "app" }] },
});

Deno.test("StatusManager.setPodStatus() stores the status and notifies only on change", () => {
  const m = new StatusManager();
  const changes: PodStatusChange[] = [];
  m.watch((c) => changes.push(c));
  assert.equal(m.setPodStatus(pod("u1"), { phase: "Pending" }), true);
  assert.equal(m.setPodStatus(pod("u1"), { phase: "Pending" }), false);
  assert.equal(m.setPodStatus(pod("u1"), { phase: "Running" }), true);
  assert.deepEqual(changes.map((c) => [c.uid, c.previous?.phase, c.status?.phase]), [
    ["u1", undefined, "Pending"],
    ["u1", "Pending", "Running"],
  ]);
  assert.equal(m.getPodStatus("u1")?.phase, "Running");
  assert.equal(m.getPodStatus("nope"), undefined);
});

Deno.test("StatusManager keeps its own copies", () => {
  const m = new StatusManager();
  const status = { phase: "Running" };
  m.setPodStatus(pod("u1"), status);
  status.phase = "Failed";
  assert.equal(m.getPodStatus("u1")?.phase, "Running");
  m.getPodStatus("u1")!.phase = "Failed";
  assert.equal(m.getPodStatus("u1")?.phase, "Running");
});

Deno.test("StatusManager.podStatuses() and pods() list every pod with its status", () => {
  const m = new StatusManager();
  m.setPodStatus(pod("u1"), { phase: "Running" });
  m.setPodStatus(pod("u2"), { phase: "Pending" });
  assert.deepEqual(m.podStatuses().map((p) => [p.pod.metadata?.uid, p.status.phase]), [
    ["u1", "Running"],
    ["u2", "Pending"],
  ]);
  const pods = m.pods();
  assert.equal(pods[0].status?.phase, "Running");
  assert.equal(pods[1].metadata?.name, "p-u2");
});

Deno.test("StatusManager.removePod() and removeOrphanedStatuses() forget pods and notify", () => {
  const m = new StatusManager();
  const removed: string[] = [];
  const stop = m.watch((c) => {
    if (!c.status) removed.push(c.uid);
  });
  for (const u of ["u1", "u2", "u3"]) m.setPodStatus(pod(u), { phase: "Running" });
  m.removePod("u1");
  m.removePod("u1");
  m.removeOrphanedStatuses(new Set(["u3"]));
  assert.deepEqual(removed, ["u1", "u2"]);
  assert.deepEqual(m.podStatuses().map((p) => p.pod.metadata?.uid), ["u3"]);
  stop();
  m.removePod("u3");
  assert.deepEqual(removed, ["u1", "u2"]);
});

Deno.test("StatusManager.setPodStatus() rejects a pod without UID", () => {
  assert.throws(
    () => new StatusManager().setPodStatus({ metadata: { name: "x" } }, {}),
    TypeError,
  );
});

Deno.test("StatusManager.pods() shares one frozen copy per pod until its status is set again", () => {
  const m = new StatusManager();
  const p = pod("u1");
  m.setPodStatus(p, { phase: "Pending" });
  const [first] = m.pods();
  assert.equal(m.pods()[0], first, "the same object while nothing changed");
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.spec?.containers[0]));
  assert.throws(() => {
    (first.status as { phase: string }).phase = "Failed";
  }, TypeError);
  assert.ok(!Object.isFrozen(p), "the caller's pod is not frozen");
  m.setPodStatus(p, { phase: "Running" });
  const [second] = m.pods();
  assert.notEqual(second, first);
  assert.equal(second.status?.phase, "Running");
  assert.equal(first.status?.phase, "Pending", "an earlier answer keeps its status");
});

Deno.test("StatusManager.setPodStatus() with the same status refreshes the pod /pods shows", () => {
  const m = new StatusManager();
  m.setPodStatus(pod("u1"), { phase: "Running" });
  const before = m.pods()[0];
  const relabeled = { ...pod("u1"), metadata: { ...pod("u1").metadata, labels: { a: "b" } } };
  assert.equal(m.setPodStatus(relabeled, { phase: "Running" }), false, "no status change");
  assert.deepEqual(m.pods()[0].metadata?.labels, { a: "b" });
  assert.equal(before.metadata?.labels, undefined);
});
