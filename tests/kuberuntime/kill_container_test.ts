import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import { terminationGracePeriod } from "../../src/kuberuntime/kill_container.ts";
import { hookUrl } from "../../src/kuberuntime/lifecycle_hooks.ts";
import { setPodDefaults } from "../../src/api/defaults.ts";
import { fakeEnv } from "./_fake_env.ts";
import { makePod } from "./_helpers.ts";

Deno.test("terminationGracePeriod() picks the kubelet's grace period", async (t) => {
  const c: Container = {
    name: "a",
    livenessProbe: { exec: { command: ["x"] }, terminationGracePeriodSeconds: 3 },
  };
  const cases: [string, ReturnType<typeof makePod>, string, number][] = [
    ["pod spec", makePod([c], { terminationGracePeriodSeconds: 30 }), "", 30],
    ["no grace anywhere: 2", makePod([c]), "", 2],
    [
      "liveness probe override",
      makePod([c], { terminationGracePeriodSeconds: 30 }),
      "LivenessProbe",
      3,
    ],
    [
      "startup probe without override",
      makePod([c], { terminationGracePeriodSeconds: 30 }),
      "StartupProbe",
      30,
    ],
    [
      "deletion grace period wins",
      (() => {
        const p = makePod([c], { terminationGracePeriodSeconds: 30 });
        return { ...p, metadata: { ...p.metadata, deletionGracePeriodSeconds: 5 } };
      })(),
      "LivenessProbe",
      5,
    ],
    [
      "the pod's own grace when smaller than the deletion grace",
      (() => {
        const p = makePod([c], { terminationGracePeriodSeconds: 3 });
        return { ...p, metadata: { ...p.metadata, deletionGracePeriodSeconds: 30 } };
      })(),
      "",
      3,
    ],
  ];
  for (const [name, pod, reason, want] of cases) {
    await t.step(name, () => assert.equal(terminationGracePeriod(pod, c, reason), want));
  }
});

Deno.test("hookUrl() resolves named ports and defaults the host to the pod IP", () => {
  const c: Container = { name: "a", ports: [{ name: "web", containerPort: 8080 }] };
  assert.equal(hookUrl({ port: "web", path: "/stop" }, c, "10.0.0.5"), "http://10.0.0.5:8080/stop");
  assert.equal(
    hookUrl({ port: 443, scheme: "HTTPS", host: "fd00::1", path: "x" }, c, ""),
    "https://[fd00::1]:443/x",
  );
  assert.equal(hookUrl({ port: "nope" }, c, "10.0.0.5"), undefined);
});

Deno.test("killPod() with terminationGracePeriodSeconds 1e15 runs preStop to its end and stops the container", async () => {
  await using env = await fakeEnv();
  const c: Container = {
    name: "a",
    image: "busybox:1.36",
    command: ["sleep", "1000"],
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
  };
  // 1e15 s is a valid int64: before the clamp grpc-js threw "Deadline is too
  // far in the future" from StopContainer and the agent died.
  const p = setPodDefaults(makePod([c], { terminationGracePeriodSeconds: 1e15 }));
  const status = await env.manager.getPodStatus("uid-1", "web", "default");
  assert.ok((await env.manager.syncPod(p, status, { backOff: env.backOff })).ok());
  const running = (await env.manager.getPods(false))[0];
  const killing = env.manager.killPod(p, running);
  // The grace period timer is not cut short: the sleep hook runs its 5 s.
  for (let i = 0; i < 50; i++) await env.clock.advance(0);
  assert.equal(env.fake.recorder.requestsOf("StopContainer").length, 0);
  await env.clock.advance(5_000);
  const result = await killing;
  assert.ok(result.ok(), result.errorText() ?? "");
  const stops = env.fake.recorder.requestsOf("StopContainer") as { timeout: number }[];
  assert.deepEqual(stops.map((s) => Number(s.timeout)), [1e15 - 5]);
  assert.equal(env.fake.runtime.containers()[0].state, "CONTAINER_EXITED");
});
