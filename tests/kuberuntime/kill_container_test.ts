import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import { terminationGracePeriod } from "../../src/kuberuntime/kill_container.ts";
import { hookUrl } from "../../src/kuberuntime/lifecycle_hooks.ts";
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
