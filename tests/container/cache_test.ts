import assert from "node:assert/strict";
import { PodStatusCache } from "../../src/container/cache.ts";
import { emptyPodStatus } from "../../src/container/runtime.ts";
import { flush } from "../../src/util/clock.ts";

function status(uid: string, ip: string) {
  return { ...emptyPodStatus(uid, "web", "default"), ips: [ip] };
}

function track<T>(p: Promise<T>) {
  const s: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then((v) => {
    s.done = true;
    s.value = v;
  }, (e) => {
    s.done = true;
    s.error = e;
  });
  return s;
}

Deno.test("PodStatusCache.get() returns an empty status carrying the UID on a miss", () => {
  const cache = new PodStatusCache();
  const got = cache.get("u1");
  assert.equal(got.status.uid, "u1");
  assert.deepEqual(got.status.containerStatuses, []);
  assert.equal(got.error, undefined);
});

Deno.test("PodStatusCache.set() stores status and error", () => {
  const cache = new PodStatusCache();
  const err = new Error("boom");
  cache.set("u1", status("u1", "10.0.0.1"), err, 100);
  assert.deepEqual(cache.get("u1").status.ips, ["10.0.0.1"]);
  assert.equal(cache.get("u1").error, err);
  assert.equal(cache.modified("u1"), 100);
});

Deno.test("PodStatusCache.getNewerThan() resolves at once when the entry is newer", async () => {
  const cache = new PodStatusCache();
  cache.set("u1", status("u1", "10.0.0.1"), undefined, 100);
  const got = await cache.getNewerThan("u1", 99);
  assert.deepEqual(got.status.ips, ["10.0.0.1"]);
});

Deno.test("PodStatusCache.getNewerThan() waits until set() at or after the wanted time", async () => {
  const cache = new PodStatusCache();
  cache.set("u1", status("u1", "10.0.0.1"), undefined, 100);
  const w = track(cache.getNewerThan("u1", 100));
  await flush();
  assert.equal(w.done, false);
  cache.set("u1", status("u1", "10.0.0.2"), undefined, 99);
  await flush();
  assert.equal(w.done, false, "an older set does not wake it");
  cache.set("u1", status("u1", "10.0.0.3"), undefined, 100);
  await flush();
  assert.equal(w.done, true, "a set whose timestamp is not before the wanted time wakes it");
  assert.deepEqual(w.value!.status.ips, ["10.0.0.3"]);
  assert.equal(cache.waiters, 0);
});

Deno.test("PodStatusCache.updateTime() wakes waiters, returning the empty status on a miss", async () => {
  const cache = new PodStatusCache();
  const a = track(cache.getNewerThan("missing", 200));
  const b = track(cache.getNewerThan("other", 500));
  cache.updateTime(150);
  await flush();
  assert.equal(a.done, false);
  cache.updateTime(200);
  await flush();
  assert.equal(a.done, true);
  assert.equal(a.value!.status.uid, "missing");
  assert.equal(b.done, false);
  assert.equal(cache.waiters, 1);
  // After the global timestamp moved past t, calls return at once.
  const c = await cache.getNewerThan("missing", 199);
  assert.equal(c.status.uid, "missing");
  cache.updateTime(500);
  await flush();
  assert.equal(b.done, true);
});

Deno.test("PodStatusCache.delete() removes the entry and notifies nobody", async () => {
  const cache = new PodStatusCache();
  cache.set("u1", status("u1", "10.0.0.1"), undefined, 100);
  const w = track(cache.getNewerThan("u1", 100));
  cache.delete("u1");
  await flush();
  assert.equal(w.done, false);
  assert.deepEqual(cache.get("u1").status.ips, []);
  cache.updateTime(101);
  await flush();
  assert.equal(w.done, true);
  assert.deepEqual(w.value!.status.ips, []);
});

Deno.test("PodStatusCache.getNewerThan() rejects and unsubscribes when the signal aborts", async () => {
  const cache = new PodStatusCache();
  const ac = new AbortController();
  const w = track(cache.getNewerThan("u1", 100, ac.signal));
  assert.equal(cache.waiters, 1);
  ac.abort(new Error("stop"));
  await flush();
  assert.equal(w.done, true);
  assert.equal((w.error as Error).message, "stop");
  assert.equal(cache.waiters, 0);
  await assert.rejects(cache.getNewerThan("u1", 100, ac.signal), /stop/);
});

Deno.test("PodStatusCache with dropOlderUpdates ignores a set older than the entry", () => {
  const cache = new PodStatusCache({ dropOlderUpdates: true });
  assert.equal(cache.set("u1", status("u1", "10.0.0.1"), undefined, 100), true);
  assert.equal(cache.set("u1", status("u1", "10.0.0.2"), undefined, 90), false);
  assert.deepEqual(cache.get("u1").status.ips, ["10.0.0.1"]);
  assert.equal(cache.set("u1", status("u1", "10.0.0.3"), undefined, 100), true);
  assert.deepEqual(cache.get("u1").status.ips, ["10.0.0.3"]);
});
