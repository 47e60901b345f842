import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { registerKubeletMetrics } from "../../src/metrics/kubelet_metrics.ts";
import { eventCounter, podStartObserver, timedRuntime } from "../../src/metrics/agent_observers.ts";
import type { Runtime } from "../../src/container/runtime.ts";
import { emptyPodStatus } from "../../src/container/runtime.ts";
import { PodSyncResult } from "../../src/container/sync_result.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { Backoff } from "../../src/util/backoff.ts";

function setup() {
  const registry = new MetricsRegistry();
  return { registry, metrics: registerKubeletMetrics(registry), clock: new FakeClock(0) };
}

Deno.test("timedRuntime() times syncPod and killPod and counts sandbox creations", async () => {
  const { registry, metrics, clock } = setup();
  class Inner {
    #name = "fake";
    type() {
      return this.#name;
    }
  }
  const base = new Inner();
  const inner = {
    type: () => base.type(),
    syncPod: () => {
      clock.step(1500);
      const r = new PodSyncResult();
      r.add({ action: "CreatePodSandbox", target: "p_default" });
      r.add({ action: "StartContainer", target: "c" });
      return Promise.resolve(r);
    },
    killPod: () => {
      clock.step(250);
      return Promise.resolve(new PodSyncResult());
    },
  } as unknown as Runtime;
  const timed = timedRuntime(inner, metrics, clock);
  assert.equal(timed.type(), "fake", "other methods pass through");
  const withPrivate = timedRuntime(base as unknown as Runtime, metrics, clock);
  assert.equal(withPrivate.type(), "fake", "methods keep their own receiver (private fields work)");
  await timed.syncPod({}, emptyPodStatus("u"), { backOff: new Backoff() });
  await timed.killPod(undefined, {
    uid: "u",
    name: "p",
    namespace: "default",
    createdAt: 0,
    containers: [],
    sandboxes: [],
  });
  const text = registry.render();
  assert.match(text, /kubelet_pod_worker_duration_seconds_sum\{operation_type="sync"\} 1\.5\n/);
  assert.match(text, /kubelet_pod_worker_duration_seconds_sum\{operation_type="kill"\} 0\.25\n/);
  assert.match(text, /kubelet_started_pods_total 1\n/);
});

Deno.test("podStartObserver() observes once per pod, from config.seen to all containers started", () => {
  const { registry, metrics, clock } = setup();
  clock.set(Date.parse("2026-11-23T10:00:02.500Z"));
  const observe = podStartObserver(metrics, clock);
  const pod: Pod = {
    metadata: {
      uid: "u1",
      annotations: { "kubernetes.io/config.seen": "2026-11-23T10:00:00.000000000Z" },
    },
    spec: { containers: [{ name: "a" }, { name: "b" }] },
  };
  const running = { running: {} };
  observe({
    uid: "u1",
    pod,
    status: {
      containerStatuses: [{
        name: "a",
        state: running,
        image: "",
        imageID: "",
        ready: false,
        restartCount: 0,
      }],
    },
  });
  assert.doesNotMatch(registry.render(), /kubelet_pod_start_duration_seconds_count 1/);
  const both = {
    containerStatuses: ["a", "b"].map((name) => ({
      name,
      state: running,
      image: "",
      imageID: "",
      ready: true,
      restartCount: 0,
    })),
  };
  observe({ uid: "u1", pod, status: both });
  observe({ uid: "u1", pod, status: both });
  const text = registry.render();
  assert.match(text, /kubelet_pod_start_duration_seconds_count 1\n/);
  assert.match(text, /kubelet_pod_start_duration_seconds_sum 2\.5\n/);
});

Deno.test("eventCounter() counts Started and Failed container events by container type", () => {
  const { registry, metrics } = setup();
  const count = eventCounter(metrics);
  count({ reason: "Started", fieldPath: "spec.containers{a}" });
  count({ reason: "Started", fieldPath: "spec.initContainers{i}" });
  count({ reason: "Failed", fieldPath: "spec.containers{a}" });
  count({ reason: "Started" });
  count({ reason: "Pulled", fieldPath: "spec.containers{a}" });
  const text = registry.render();
  assert.match(text, /kubelet_started_containers_total\{container_type="container"\} 1\n/);
  assert.match(text, /kubelet_started_containers_total\{container_type="init_container"\} 1\n/);
  assert.match(
    text,
    /kubelet_started_containers_errors_total\{container_type="container",code="Failed"\} 1\n/,
  );
});
