import assert from "node:assert/strict";
import { failResult, PodSyncResult, syncResult } from "../../src/container/sync_result.ts";
import { ReasonCache } from "../../src/status/reason_cache.ts";

Deno.test("ReasonCache.update() records failed starts and clears them on success", () => {
  const cache = new ReasonCache();
  const r1 = new PodSyncResult();
  r1.add(failResult(syncResult("StartContainer", "app"), "CrashLoopBackOff", "back-off 10s"));
  r1.add(failResult(syncResult("KillContainer", "db"), "KillContainerError", "x"));
  r1.add(failResult(syncResult("InitContainer", "setup"), "ErrImagePull", "not found"));
  cache.update("u1", r1);
  assert.deepEqual(cache.get("u1", "app"), { reason: "CrashLoopBackOff", message: "back-off 10s" });
  assert.equal(cache.get("u1", "db"), undefined, "only start steps count");
  assert.equal(cache.forPod("u1").size, 2);
  const r2 = new PodSyncResult();
  r2.add(syncResult("StartContainer", "app"));
  cache.update("u1", r2);
  assert.equal(cache.get("u1", "app"), undefined);
  assert.equal(
    cache.get("u1", "setup")?.reason,
    "ErrImagePull",
    "untouched containers keep theirs",
  );
  cache.remove("u1");
  assert.equal(cache.forPod("u1").size, 0);
});
