import assert from "node:assert/strict";
import type { Container, Pod, Probe } from "kubernetes-types/core/v1.d.ts";
import { errored, failure, type ProbeOutcome, success } from "../../src/prober/probe_result.ts";
import type { ProbeType } from "../../src/prober/probe_result.ts";
import { ResultsManager } from "../../src/prober/results_manager.ts";
import type { SimpleEvent } from "../../src/container/events.ts";
import type { ProbeMetricLabels } from "../../src/prober/probe_report.ts";
import type { ObservedContainerStatus } from "../../src/prober/status_source.ts";
import { nextProbeAt, ProbeWorker } from "../../src/prober/worker.ts";
import { startupRetryDelay } from "../../src/prober/_startup_retry.ts";
import { type Clock, FakeClock, RealClock } from "../../src/util/clock.ts";
import { VirtualTimers } from "../util/_virtual_timers.ts";

const T0 = 1_700_000_000_000;

interface Fixture {
  clock: FakeClock;
  /** The clock the worker runs on: `clock` unless setup() was given another. */
  workerClock: Clock;
  worker: ProbeWorker;
  results: ResultsManager;
  startup: ResultsManager;
  status: { current: ObservedContainerStatus | undefined };
  /** Outcomes the probe returns next; success when empty. */
  outcomes: ProbeOutcome[];
  probes: number[];
  events: SimpleEvent[];
  metrics: ProbeMetricLabels[];
  pod: Pod;
}

function setup(
  type: ProbeType,
  probe: Probe,
  options: {
    container?: Partial<Container>;
    restartPolicy?: "Always" | "Never";
    agentStartedAt?: number;
    random?: () => number;
    clock?: Clock;
  } = {},
): Fixture {
  const clock = new FakeClock(T0);
  const workerClock = options.clock ?? clock;
  const container: Container = {
    name: "app",
    ...options.container,
    [
      type === "liveness"
        ? "livenessProbe"
        : type === "readiness"
        ? "readinessProbe"
        : "startupProbe"
    ]: probe,
  };
  const pod: Pod = {
    metadata: { name: "web", namespace: "ns1", uid: "uid-1" },
    spec: { containers: [container], restartPolicy: options.restartPolicy ?? "Always" },
  };
  const results = new ResultsManager();
  const startup = type === "startup" ? results : new ResultsManager();
  const status = {
    current: { containerId: "c1", state: "running", startedAt: T0 } as
      | ObservedContainerStatus
      | undefined,
  };
  const fx: Fixture = {
    clock,
    workerClock,
    results,
    startup,
    status,
    outcomes: [],
    probes: [],
    events: [],
    metrics: [],
    pod,
    worker: undefined as unknown as ProbeWorker,
  };
  fx.worker = new ProbeWorker({ type, pod, container }, {
    clock: workerClock,
    results,
    startupResults: startup,
    statusSource: { getContainerStatus: () => status.current, getPodIP: () => "10.1.0.7" },
    probe: () => {
      fx.probes.push(workerClock.now());
      return Promise.resolve(fx.outcomes.shift() ?? success());
    },
    recordEvent: (e) => fx.events.push(e),
    onProbe: (labels) => fx.metrics.push(labels),
    agentStartedAt: options.agentStartedAt,
    random: options.random,
  });
  return fx;
}

Deno.test("ProbeWorker records the kubelet's initial verdict for a new container", async (t) => {
  for (
    const [type, want] of [["readiness", "failure"], ["liveness", "success"], [
      "startup",
      "unknown",
    ]] as const
  ) {
    await t.step(`${type} starts as ${want}`, async () => {
      const fx = setup(type, { exec: { command: ["x"] }, initialDelaySeconds: 30 });
      assert.equal(await fx.worker.probeOnce(), true);
      assert.equal(fx.results.get("c1"), want);
      assert.equal(fx.probes.length, 0, "no probe during the initial delay");
    });
  }
});

Deno.test("ProbeWorker.probeOnce() waits for the container to exist", async () => {
  const fx = setup("readiness", { exec: { command: ["x"] } });
  fx.status.current = undefined;
  assert.equal(await fx.worker.probeOnce(), true);
  fx.status.current = { state: "waiting" };
  assert.equal(await fx.worker.probeOnce(), true);
  assert.equal(fx.results.size, 0);
  assert.equal(fx.probes.length, 0);
});

Deno.test("ProbeWorker.probeOnce() records a verdict only after threshold results in a row", async () => {
  const fx = setup("readiness", {
    exec: { command: ["x"] },
    successThreshold: 2,
    failureThreshold: 3,
  });
  const steps: [ProbeOutcome, string][] = [
    [success(), "failure"], // initial failure; 1 success is below 2
    [success(), "success"],
    [failure("bad"), "success"],
    [failure("bad"), "success"],
    [success(), "success"], // resets the failure run
    [failure("bad"), "success"],
    [failure("bad"), "success"],
    [failure("bad"), "failure"],
  ];
  for (const [outcome, want] of steps) {
    fx.outcomes.push(outcome);
    await fx.worker.probeOnce();
    assert.equal(fx.results.get("c1"), want);
  }
  assert.equal(fx.probes.length, steps.length);
});

Deno.test("ProbeWorker.probeOnce() honours initialDelaySeconds from the container start", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, initialDelaySeconds: 15 });
  fx.clock.set(T0 + 14_999);
  await fx.worker.probeOnce();
  assert.equal(fx.probes.length, 0);
  fx.clock.set(T0 + 15_000);
  await fx.worker.probeOnce();
  assert.equal(fx.probes.length, 1);
});

Deno.test("ProbeWorker.probeOnce() counts initialDelaySeconds from when it first saw the container running when the status has no start time yet", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, initialDelaySeconds: 12 });
  fx.clock.set(T0 + 1_000);
  fx.status.current = { containerId: "c1", state: "running" }; // no startedAt (yet)
  await fx.worker.probeOnce();
  assert.equal(fx.probes.length, 0, "not probed at once, as an epoch start would allow");
  fx.clock.set(T0 + 12_999);
  await fx.worker.probeOnce();
  assert.equal(fx.probes.length, 0);
  fx.clock.set(T0 + 13_000);
  await fx.worker.probeOnce();
  assert.equal(fx.probes.length, 1);
});

Deno.test("ProbeWorker: a liveness worker that saw its container created before it ran keeps no failure once it runs (no kill before the first probe)", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, initialDelaySeconds: 12 });
  fx.status.current = { containerId: "c1", state: "waiting" }; // created, not yet started
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "failure", "not running: a failure, as the kubelet records");
  fx.status.current = { containerId: "c1", state: "running", startedAt: fx.clock.now() };
  await fx.worker.probeOnce();
  assert.equal(
    fx.results.get("c1"),
    "success",
    "running, inside the initial delay: no verdict yet",
  );
  assert.equal(fx.probes.length, 0);
});

Deno.test("ProbeWorker liveness failure holds the worker until a new container instance", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, failureThreshold: 2 });
  fx.outcomes.push(failure("HTTP probe failed with statuscode: 500"), failure("again"));
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "success");
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "failure");
  await fx.worker.probeOnce();
  assert.equal(fx.probes.length, 2, "on hold: no probe of the doomed container");
  fx.status.current = { containerId: "c2", state: "running", startedAt: fx.clock.now() };
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), undefined, "the old verdict is dropped");
  assert.equal(fx.results.get("c2"), "success");
  assert.equal(fx.probes.length, 3);
  assert.deepEqual(fx.events.map((e) => e.message), [
    "Liveness probe failed: HTTP probe failed with statuscode: 500",
    "Liveness probe failed: again",
  ]);
  assert.deepEqual(fx.events[0], {
    type: "Warning",
    reason: "Unhealthy",
    message: "Liveness probe failed: HTTP probe failed with statuscode: 500",
    pod: "web_ns1",
    uid: "uid-1",
    fieldPath: "spec.containers{app}",
  });
});

Deno.test("ProbeWorker readiness keeps probing after failures", async () => {
  const fx = setup("readiness", { exec: { command: ["x"] }, failureThreshold: 1 });
  fx.outcomes.push(success(), failure("no"), success());
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "success");
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "failure");
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "success");
});

Deno.test("ProbeWorker.probeOnce() sets failure for a stopped container and ends for restartPolicy Never", async (t) => {
  await t.step("Always: keeps going", async () => {
    const fx = setup("readiness", { exec: { command: ["x"] } });
    await fx.worker.probeOnce();
    fx.status.current = { containerId: "c1", state: "terminated" };
    assert.equal(await fx.worker.probeOnce(), true);
    assert.equal(fx.results.get("c1"), "failure");
  });
  await t.step("Never: ends", async () => {
    const fx = setup("liveness", { exec: { command: ["x"] } }, { restartPolicy: "Never" });
    await fx.worker.probeOnce();
    fx.status.current = { containerId: "c1", state: "terminated" };
    assert.equal(await fx.worker.probeOnce(), false);
    assert.equal(fx.results.get("c1"), "failure");
  });
});

Deno.test("ProbeWorker liveness and startup end with success once the pod is being deleted", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] } });
  fx.outcomes.push(failure("x"));
  await fx.worker.probeOnce();
  fx.worker.updatePod({
    ...fx.pod,
    metadata: { ...fx.pod.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" },
  });
  assert.equal(await fx.worker.probeOnce(), false);
  assert.equal(fx.results.get("c1"), "success");
});

Deno.test("ProbeWorker startup probe gates liveness and readiness", async (t) => {
  await t.step("liveness waits for startup success", async () => {
    const fx = setup("liveness", { exec: { command: ["x"] } }, {
      container: { startupProbe: { exec: { command: ["s"] } } },
    });
    await fx.worker.probeOnce();
    assert.equal(fx.probes.length, 0);
    fx.startup.set("c1", "failure", "uid-1");
    await fx.worker.probeOnce();
    assert.equal(fx.probes.length, 0);
    fx.startup.set("c1", "success", "uid-1");
    await fx.worker.probeOnce();
    assert.equal(fx.probes.length, 1);
  });
  await t.step("the startup worker idles once the container has started", async () => {
    const fx = setup("startup", { exec: { command: ["s"] }, failureThreshold: 30 });
    fx.outcomes.push(failure("not yet"), success());
    await fx.worker.probeOnce();
    assert.equal(fx.results.get("c1"), "unknown");
    await fx.worker.probeOnce();
    assert.equal(fx.results.get("c1"), "success");
    await fx.worker.probeOnce();
    assert.equal(fx.probes.length, 2);
  });
  await t.step("startup failure at the threshold is a failure and holds", async () => {
    const fx = setup("startup", { exec: { command: ["s"] }, failureThreshold: 2 });
    fx.outcomes.push(failure("a"), failure("b"), failure("c"));
    await fx.worker.probeOnce();
    await fx.worker.probeOnce();
    assert.equal(fx.results.get("c1"), "failure");
    await fx.worker.probeOnce();
    assert.equal(fx.probes.length, 2);
  });
});

Deno.test("ProbeWorker throws errored probes away but reports them", async () => {
  const fx = setup("readiness", { exec: { command: ["x"] }, failureThreshold: 1 });
  fx.outcomes.push(success(), errored(new Error("runtime unavailable")));
  await fx.worker.probeOnce();
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "success");
  assert.deepEqual(fx.events.map((e) => [e.reason, e.message]), [
    ["Unhealthy", "Readiness probe errored and resulted in unknown state: runtime unavailable"],
  ]);
  assert.deepEqual(fx.metrics.map((m) => m.result), ["successful", "unknown"]);
});

Deno.test("ProbeWorker counts a warning as success with a ProbeWarning event and metric labels", async () => {
  const fx = setup("readiness", { httpGet: { port: 80 } });
  fx.outcomes.push({ result: "warning", output: "Probe terminated redirects, Response body: x" });
  await fx.worker.probeOnce();
  assert.equal(fx.results.get("c1"), "success");
  assert.deepEqual(fx.events.map((e) => [e.reason, e.message]), [
    ["ProbeWarning", "Readiness probe warning: Probe terminated redirects, Response body: x"],
  ]);
  assert.deepEqual(fx.metrics, [{
    probe_type: "Readiness",
    result: "successful",
    container: "app",
    pod: "web",
    namespace: "ns1",
    pod_uid: "uid-1",
  }]);
});

Deno.test("ProbeWorker.run() probes every periodSeconds on the clock", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, periodSeconds: 5 });
  const ac = new AbortController();
  const loop = fx.worker.run(ac.signal);
  await fx.clock.advance(0);
  await fx.clock.advance(12_000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [0, 5000, 10_000]);
  ac.abort();
  await loop;
  assert.equal(fx.worker.stopped, true);
  assert.equal(fx.results.get("c1"), undefined, "the verdict is removed when the worker ends");
  assert.equal(fx.clock.pendingTimers, 0);
});

Deno.test("ProbeWorker.run() with periodSeconds 2200000 probes once per period, not in a loop", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, periodSeconds: 2_200_000 });
  const loop = fx.worker.run();
  await fx.clock.advance(0);
  await fx.clock.advance(3_600_000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [0]);
  assert.equal(fx.clock.nextTimerAt(), T0 + 2_200_000_000);
  await fx.clock.advance(2_200_000_000 - 3_600_000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [0, 2_200_000_000]);
  fx.worker.stop();
  await loop;
});

Deno.test("ProbeWorker.run() on the real clock waits out periodSeconds 2200000 (above 2^31-1 ms)", async () => {
  // Deno turns a timeout above 2^31-1 ms into 1 ms: before the clock chained
  // such timeouts this worker probed ~330 times a second.
  const timers = new VirtualTimers();
  const fx = setup("liveness", { exec: { command: ["x"] }, periodSeconds: 2_200_000 }, {
    clock: new RealClock(timers),
  });
  const loop = fx.worker.run();
  await timers.advance(3_600_000, 1000);
  assert.equal(fx.probes.length, 1);
  assert.ok(timers.requested.every((ms) => ms <= 2 ** 31 - 1), String(timers.requested));
  fx.worker.stop();
  await loop;
  assert.equal(timers.pending, 0);
});

Deno.test("ProbeWorker.run() probes a NaN periodSeconds every 10 s, not in a loop", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, periodSeconds: NaN });
  const loop = fx.worker.run();
  await fx.clock.advance(0);
  await fx.clock.advance(25_000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [0, 10_000, 20_000]);
  fx.worker.stop();
  await loop;
});

Deno.test("ProbeWorker.run() jitters the first probe when the agent has just started", async (t) => {
  await t.step("just started: waits random * period first", async () => {
    const fx = setup("liveness", { exec: { command: ["x"] }, periodSeconds: 10 }, {
      agentStartedAt: T0,
      random: () => 0.25,
    });
    const loop = fx.worker.run();
    await fx.clock.advance(2499);
    assert.equal(fx.probes.length, 0);
    await fx.clock.advance(1);
    assert.deepEqual(fx.probes.map((t) => t - T0), [2500]);
    await fx.clock.advance(10_000);
    assert.deepEqual(fx.probes.map((t) => t - T0), [2500, 12_500]);
    fx.worker.stop();
    await loop;
  });
  await t.step("started more than a period ago: probes at once", async () => {
    const fx = setup("liveness", { exec: { command: ["x"] }, periodSeconds: 10 }, {
      agentStartedAt: T0 - 60_000,
      random: () => 0.25,
    });
    const loop = fx.worker.run();
    await fx.clock.advance(0);
    assert.deepEqual(fx.probes.map((t) => t - T0), [0]);
    fx.worker.stop();
    await loop;
  });
});

Deno.test("ProbeWorker.run() wakes when the initial delay ends, then probes one period later", async () => {
  const fx = setup("readiness", {
    exec: { command: ["x"] },
    periodSeconds: 10,
    initialDelaySeconds: 3,
  });
  const loop = fx.worker.run();
  await fx.clock.advance(0);
  assert.equal(fx.probes.length, 0);
  await fx.clock.advance(3000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [3000]);
  await fx.clock.advance(7000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [3000], "never closer than one period");
  await fx.clock.advance(3000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [3000, 13_000]);
  fx.worker.stop();
  await loop;
});

Deno.test("ProbeWorker.trigger() runs a probe at once and the period counts from it", async () => {
  const fx = setup("readiness", { exec: { command: ["x"] }, periodSeconds: 10 });
  fx.status.current = undefined;
  const loop = fx.worker.run();
  await fx.clock.advance(4000);
  assert.equal(fx.probes.length, 0);
  fx.status.current = { containerId: "c1", state: "running", startedAt: fx.clock.now() };
  fx.worker.trigger();
  await fx.clock.advance(0);
  assert.deepEqual(fx.probes.map((t) => t - T0), [4000]);
  assert.equal(fx.results.get("c1"), "success");
  await fx.clock.advance(6000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [4000]);
  await fx.clock.advance(4000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [4000, 14_000]);
  fx.worker.stop();
  await loop;
});

Deno.test("new ProbeWorker() rejects a container without that probe", () => {
  assert.throws(
    () =>
      new ProbeWorker({ type: "liveness", pod: {}, container: { name: "app" } }, {
        clock: new FakeClock(),
        results: new ResultsManager(),
        statusSource: { getContainerStatus: () => undefined },
      }),
    TypeError,
  );
});

Deno.test("ProbeWorker.run() keeps probing when a step throws", async () => {
  const clock = new FakeClock(T0);
  const errors: unknown[] = [];
  let calls = 0;
  const worker = new ProbeWorker({
    type: "liveness",
    pod: { metadata: { uid: "u" }, spec: { containers: [] } },
    container: { name: "app", livenessProbe: { exec: { command: ["x"] }, periodSeconds: 1 } },
  }, {
    clock,
    results: new ResultsManager(),
    statusSource: {
      getContainerStatus: () => {
        if (++calls === 1) throw new Error("cache unavailable");
        return { containerId: "c1", state: "running", startedAt: T0 };
      },
    },
    probe: () => Promise.resolve(success()),
    onError: (e) => errors.push(e),
  });
  const loop = worker.run();
  await clock.advance(1000);
  assert.equal(calls, 2);
  assert.equal((errors[0] as Error).message, "cache unavailable");
  worker.stop();
  await loop;
});

Deno.test("nextProbeAt() keeps the period's grid, restarts it after an early or late probe", async (t) => {
  for (
    const [name, due, now, want] of [
      ["first probe", undefined, 1000, 6000],
      ["on time", 6000, 6000, 11_000],
      ["a little late: stays on the grid", 6000, 6500, 11_000],
      ["a period late: the grid restarts", 6000, 11_000, 16_000],
      ["early (trigger): a period from now", 6000, 4000, 9000],
    ] as const
  ) {
    await t.step(name, () => assert.equal(nextProbeAt(due, now, 5000), want));
  }
});

Deno.test("ProbeWorker.run() retries a readiness probe every 20 ms until its first success, then every period", async () => {
  const fx = setup("readiness", { exec: { command: ["x"] }, periodSeconds: 10 });
  fx.outcomes.push(failure("refused"), failure("refused"), failure("refused"));
  const loop = fx.worker.run();
  await fx.clock.advance(0);
  for (let i = 0; i < 3; i++) await fx.clock.advance(20);
  assert.deepEqual(fx.probes.map((t) => t - T0), [0, 20, 40, 60]);
  assert.equal(fx.results.get("c1"), "success", "Ready 20 ms after the port answers");
  await fx.clock.advance(9000);
  assert.equal(fx.probes.length, 4, "after the first success: no more retries");
  await fx.clock.advance(1000);
  assert.deepEqual(fx.probes.map((t) => t - T0), [0, 20, 40, 60, 10_000], "the period's grid");
  fx.worker.stop();
  await loop;
});

Deno.test("ProbeWorker.run() start-up retries wait out initialDelaySeconds", async () => {
  const fx = setup("readiness", {
    exec: { command: ["x"] },
    periodSeconds: 10,
    initialDelaySeconds: 2,
  });
  fx.outcomes.push(failure("refused"));
  const loop = fx.worker.run();
  await fx.clock.advance(1990);
  assert.equal(fx.probes.length, 0);
  await fx.clock.advance(10);
  await fx.clock.advance(20);
  assert.deepEqual(fx.probes.map((t) => t - T0), [2000, 2020]);
  assert.equal(fx.results.get("c1"), "success");
  fx.worker.stop();
  await loop;
});

Deno.test("ProbeWorker.run() start-up retries count no failure: a startup probe still gets failureThreshold periods", async () => {
  const fx = setup("startup", { exec: { command: ["x"] }, periodSeconds: 1, failureThreshold: 2 });
  for (let i = 0; i < 1000; i++) fx.outcomes.push(failure("refused"));
  const loop = fx.worker.run();
  await fx.clock.advance(0);
  await fx.clock.advance(999);
  assert.ok(fx.probes.length > 20, `retried often: ${fx.probes.length}`);
  assert.equal(fx.results.get("c1"), "unknown", "one grid failure so far");
  await fx.clock.advance(1);
  assert.equal(fx.results.get("c1"), "failure", "the second period's probe fails it");
  fx.worker.stop();
  await loop;
});

Deno.test("ProbeWorker.run() start-up retries slow down: a never-ready container costs few probes", async () => {
  const fx = setup("readiness", { exec: { command: ["x"] }, periodSeconds: 10 });
  for (let i = 0; i < 100_000; i++) fx.outcomes.push(failure("refused"));
  const loop = fx.worker.run();
  await fx.clock.advance(0);
  for (let i = 0; i < 600; i++) await fx.clock.advance(1000);
  const extra = fx.probes.length - 61; // the period's probes over 600 s
  assert.ok(extra > 0 && extra < 100, `start-up retries: ${extra}`);
  const last = fx.probes.slice(-3).map((t) => t - T0);
  assert.deepEqual(last, [580_000, 590_000, 600_000], "back on the period's grid");
  fx.worker.stop();
  await loop;
});

Deno.test("ProbeWorker.run() makes no start-up retries for liveness or successThreshold above 1", async (t) => {
  for (
    const [type, probe] of [
      ["liveness", { exec: { command: ["x"] }, periodSeconds: 10 }],
      ["readiness", { exec: { command: ["x"] }, periodSeconds: 10, successThreshold: 2 }],
    ] as [ProbeType, Probe][]
  ) {
    await t.step(`${type}, successThreshold ${probe.successThreshold ?? 1}`, async () => {
      const fx = setup(type, probe);
      fx.outcomes.push(failure("refused"), failure("refused"));
      const loop = fx.worker.run();
      await fx.clock.advance(0);
      await fx.clock.advance(9999);
      assert.deepEqual(fx.probes.map((x) => x - T0), [0]);
      fx.worker.stop();
      await loop;
    });
  }
});

Deno.test("startupRetryDelay() is 20 ms at first, a tenth of the time since the first probe later, none at the period", async (t) => {
  for (
    const [name, elapsed, want] of [
      ["just started", 0, 20],
      ["100 ms in", 100, 20],
      ["1 s in", 1000, 100],
      ["30 s in", 30_000, 3000],
      ["100 s in: the period takes over", 100_000, undefined],
    ] as const
  ) {
    await t.step(name, () => assert.equal(startupRetryDelay(T0, T0 + elapsed, 10_000), want));
  }
});

Deno.test("ProbeWorker.run() wakes on the clock's 10 ms boundaries, so many workers share a wake-up", async () => {
  const fx = setup("liveness", { exec: { command: ["x"] }, periodSeconds: 1 });
  fx.clock.set(T0 + 3);
  const loop = fx.worker.run();
  await fx.clock.advance(0);
  await fx.clock.advance(1006);
  assert.deepEqual(fx.probes.map((t) => t - T0), [3]);
  await fx.clock.advance(1);
  await fx.clock.advance(1000);
  assert.deepEqual(
    fx.probes.map((t) => t - T0),
    [3, 1010, 2010],
    "at most 10 ms late, on the grid",
  );
  fx.worker.stop();
  await loop;
});
