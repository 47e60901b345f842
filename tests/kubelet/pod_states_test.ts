import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { PodStates } from "../../src/kubelet/pod_states.ts";

const pod = (uid: string): Pod => ({ metadata: { uid, name: `p-${uid}`, namespace: "default" } });

Deno.test("PodStates moves a pod syncing -> terminating -> terminated, and it leaves the table", () => {
  const s = new PodStates();
  s.setDesired("a", pod("a"));
  s.recordSyncStart("a", 5);
  assert.deepEqual(s.phases("a"), ["syncing"]);
  assert.equal(s.desiredCount, 1);
  assert.equal(s.lastSyncStart("a"), 5);
  s.startTermination("a", { pod: pod("a"), name: "p-a", namespace: "default" });
  assert.deepEqual(s.phases("a"), ["terminating"], "a terminating pod is no longer desired");
  assert.equal(s.desired("a"), undefined);
  assert.equal(s.isActive("a"), true);
  assert.deepEqual(s.terminatingUids(), ["a"]);
  s.terminated("a");
  assert.deepEqual(s.phases("a"), []);
  assert.equal(s.lastSyncStart("a"), -Infinity, "a terminated pod starts afresh if re-added");
  assert.deepEqual([...s.uids()], []);
});

Deno.test("PodStates keeps a rejection while an orphan's leftovers are terminated", () => {
  const s = new PodStates();
  s.reject("r", pod("r"));
  s.startTermination("r", { name: "p-r", namespace: "default" });
  assert.deepEqual(s.phases("r"), ["rejected", "terminating"]);
  s.terminated("r");
  assert.deepEqual(s.phases("r"), ["rejected"]);
  assert.deepEqual(s.declared().map(([uid]) => uid), ["r"]);
  assert.equal(s.forgetRejection("r"), true);
  assert.equal(s.forgetRejection("r"), false);
  assert.deepEqual([...s.uids()], []);
});

Deno.test("PodStates.setDesired() clears a rejection and a termination; reconcile() touches only admitted pods", () => {
  const s = new PodStates();
  s.reject("a", pod("a"));
  s.setDesired("a", pod("a"));
  assert.deepEqual(s.phases("a"), ["syncing"]);
  s.startTermination("a", { name: "p-a", namespace: "default" });
  s.setDesired("a", pod("a"));
  assert.deepEqual(s.phases("a"), ["syncing"], "re-added while it was being killed");
  const updated = { ...pod("a"), metadata: { ...pod("a").metadata, labels: { x: "1" } } };
  s.reconcile("a", updated);
  assert.equal(s.desired("a"), updated);
  s.reconcile("b", pod("b"));
  assert.deepEqual(s.phases("b"), [], "RECONCILE never adds a pod");
});
