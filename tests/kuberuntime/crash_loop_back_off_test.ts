import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import { crashLoopBackOffKey, doBackOff } from "../../src/kuberuntime/crash_loop_back_off.ts";
import { Backoff } from "../../src/util/backoff.ts";
import { cstatus, makePod, podStatus, sandbox } from "./_helpers.ts";

const c: Container = { name: "app", image: "busybox:1" };
const pod = makePod([c]);

Deno.test("crashLoopBackOffKey() is podName_namespace_uid_containerName_hash", () => {
  assert.equal(crashLoopBackOffKey(pod, c, "abc"), "web_default_uid-1_app_abc");
});

Deno.test("doBackOff() doubles from 10s to 5m and uses the newest exit's finishedAt", () => {
  const backOff = new Backoff({ initialMs: 10_000, maxMs: 300_000 });
  let t = 1_000_000;
  const exited = (finishedAt: number) =>
    podStatus([sandbox()], [
      cstatus(c, "exited", { finishedAt, exitCode: 1, createdAt: finishedAt - 1 }),
    ]);
  assert.deepEqual(doBackOff(pod, c, exited(t), backOff, "h", t), { inBackOff: false });
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    const finished = t + 1_000; // the restarted container crashes 1s later
    const d = doBackOff(pod, c, exited(finished), backOff, "h", finished);
    assert.equal(d.inBackOff, true);
    if (!d.inBackOff) return;
    waits.push(d.backOffUntil - finished);
    t = d.backOffUntil;
    const retry = doBackOff(pod, c, exited(finished), backOff, "h", t - 1);
    assert.equal(retry.inBackOff, true, "still backing off 1 ms before the end");
    assert.deepEqual(doBackOff(pod, c, exited(finished), backOff, "h", t), { inBackOff: false });
  }
  assert.deepEqual(waits, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

Deno.test("doBackOff() message reads like the kubelet's", () => {
  const backOff = new Backoff();
  const st = podStatus([sandbox()], [cstatus(c, "exited", { finishedAt: 5_000 })]);
  doBackOff(pod, c, st, backOff, "h", 5_000);
  const d = doBackOff(pod, c, st, backOff, "h", 6_000);
  assert.deepEqual(d, {
    inBackOff: true,
    message: "back-off 10s restarting failed container=app pod=web_default(uid-1)",
    backOffUntil: 15_000,
  });
});

Deno.test("doBackOff() starts over after 10 minutes without a crash", () => {
  const backOff = new Backoff({ initialMs: 10_000, maxMs: 300_000 });
  const at = (f: number) => podStatus([sandbox()], [cstatus(c, "exited", { finishedAt: f })]);
  doBackOff(pod, c, at(0), backOff, "h", 0); // 10s
  doBackOff(pod, c, at(20_000), backOff, "h", 30_000); // restarted after 10s: next is 20s
  assert.equal(backOff.get(crashLoopBackOffKey(pod, c, "h")), 20_000);
  const late = 20_000 + 600_001;
  assert.deepEqual(doBackOff(pod, c, at(late), backOff, "h", late), { inBackOff: false });
  assert.equal(backOff.get(crashLoopBackOffKey(pod, c, "h")), 10_000);
});

Deno.test("doBackOff() never backs off a container that has not exited", () => {
  const st = podStatus([sandbox()], [cstatus(c, "running")]);
  assert.deepEqual(doBackOff(pod, c, st, new Backoff(), "h", 0), { inBackOff: false });
});
