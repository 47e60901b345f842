import assert from "node:assert/strict";
import { ResultsManager, type ResultUpdate } from "../../src/prober/results_manager.ts";

Deno.test("ResultsManager.set() records a verdict and notifies only on change", () => {
  const results = new ResultsManager();
  const seen: ResultUpdate[] = [];
  results.onUpdate((u) => seen.push(u));
  assert.equal(results.get("c1"), undefined);
  assert.equal(results.set("c1", "failure", "pod-a"), true);
  assert.equal(results.set("c1", "failure", "pod-a"), false);
  assert.equal(results.set("c1", "success", "pod-a"), true);
  assert.equal(results.get("c1"), "success");
  assert.deepEqual(seen, [
    { containerId: "c1", result: "failure", podUid: "pod-a" },
    { containerId: "c1", result: "success", podUid: "pod-a" },
  ]);
});

Deno.test("ResultsManager.remove() forgets a verdict silently, and a later set notifies again", () => {
  const results = new ResultsManager();
  let count = 0;
  results.onUpdate(() => count++);
  results.set("c1", "success", "p");
  results.remove("c1");
  assert.equal(results.get("c1"), undefined);
  assert.equal(results.size, 0);
  assert.equal(count, 1);
  results.set("c1", "success", "p");
  assert.equal(count, 2);
});

Deno.test("ResultsManager.onUpdate() returns an unsubscribe function", () => {
  const results = new ResultsManager();
  let count = 0;
  const off = results.onUpdate(() => count++);
  results.set("c1", "success", "p");
  off();
  results.set("c1", "failure", "p");
  assert.equal(count, 1);
});
