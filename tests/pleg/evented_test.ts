import assert from "node:assert/strict";
import { PodStatusCache } from "../../src/container/cache.ts";
import type {
  ContainerEventResponse,
  ContainerEventType,
  ContainerState,
  ContainerStatus,
  PodSandboxStatus,
} from "../../src/cri/types.ts";
import { EventedPLEG } from "../../src/pleg/evented.ts";
import { GenericPLEG } from "../../src/pleg/generic.ts";
import {
  containerEventFromCri,
  podStatusFromEvent,
  toContainerStatus as containerStatusFromCri,
} from "../../src/kuberuntime/convert.ts";
import type { ContainerEvent } from "../../src/container/container_event.ts";
import { EventStreamUnsupportedError } from "../../src/container/runtime_errors.ts";
import { EventChannel } from "../../src/pleg/pleg.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { FakePlegRuntime } from "./_fake_runtime.ts";
import { imageSpec, namespaceOption } from "../cri/_messages.ts";

const MS = 1_000_000;

function sandbox(
  id: string,
  state: "SANDBOX_READY" | "SANDBOX_NOTREADY" = "SANDBOX_READY",
  ip = "10.1.0.2",
): PodSandboxStatus {
  return {
    id,
    metadata: { name: "web", namespace: "default", uid: "u1", attempt: 0 },
    state,
    createdAt: 1000 * MS,
    network: { ip, additionalIps: [{ ip: "fd00::2" }] },
    linux: { namespaces: { options: namespaceOption({ network: "POD" }) } },
    labels: {},
    annotations: {},
    runtimeHandler: "",
  };
}

function container(id: string, state: ContainerState, createdMs = 2000): ContainerStatus {
  return {
    id,
    metadata: { name: "app", attempt: 1 },
    state,
    createdAt: createdMs * MS,
    startedAt: (createdMs + 10) * MS,
    finishedAt: state === "CONTAINER_EXITED" ? (createdMs + 500) * MS : 0,
    exitCode: state === "CONTAINER_EXITED" ? 2 : 0,
    image: imageSpec({ image: "busybox:1.36" }),
    imageRef: "sha256:abc",
    reason: "",
    message: "",
    labels: { "io.kubernetes.container.name": "app" },
    annotations: {
      "io.kubernetes.container.hash": "1a2b",
      "io.kubernetes.container.restartCount": "3",
    },
    mounts: [],
    logPath: "",
    resources: null,
    imageId: "",
    user: null,
  };
}

function event(
  type: ContainerEventType,
  containerId: string,
  atMs: number,
  containers: ContainerStatus[],
  sb: PodSandboxStatus | null = sandbox("s1"),
): ContainerEvent {
  return containerEventFromCri(criEvent(type, containerId, atMs, containers, sb))!;
}

/** The CRI message the runtime sends; {@linkcode event} is what the PLEG gets of it. */
function criEvent(
  type: ContainerEventType,
  containerId: string,
  atMs: number,
  containers: ContainerStatus[],
  sb: PodSandboxStatus | null,
): ContainerEventResponse {
  return {
    containerId,
    containerEventType: type,
    createdAt: atMs * MS,
    podSandboxStatus: sb,
    containersStatuses: containers,
  };
}

type Script = ContainerEvent[] | { error: unknown } | "open";

/** A hand-written event source: each call plays the next script entry. */
class FakeEventSource {
  calls = 0;
  scripts: Script[] = [];
  containerEvents(signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const script = this.scripts[this.calls++] ?? { error: new Error("stream broken") };
    return (async function* () {
      if (script === "open") {
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
        return;
      }
      if ("error" in script) throw script.error;
      yield* script;
      throw new Error("stream broken");
    })();
  }
}

class FakeGeneric {
  relists = 0;
  timing: [number, number][] = [];
  relist() {
    this.relists++;
    return Promise.resolve([]);
  }
  setRelistTiming(p: number, t: number) {
    this.timing.push([p, t]);
  }
}

function setup() {
  const clock = new FakeClock(10_000);
  const cache = new PodStatusCache({ dropOlderUpdates: true });
  const channel = new EventChannel({ capacity: 4 });
  const generic = new FakeGeneric();
  const source = new FakeEventSource();
  const pleg = new EventedPLEG(source, { clock, cache, channel, generic });
  return { clock, cache, channel, generic, source, pleg };
}

Deno.test("podStatusFromEvent() converts the sandbox and container statuses", () => {
  const s = podStatusFromEvent(
    criEvent("CONTAINER_STARTED_EVENT", "c2", 3000, [
      container("c1", "CONTAINER_EXITED", 1500),
      container("c2", "CONTAINER_RUNNING", 2500),
    ], sandbox("s1")),
  )!;
  assert.equal(s.uid, "u1");
  assert.equal(s.name, "web");
  assert.deepEqual(s.ips, ["10.1.0.2", "fd00::2"]);
  assert.equal(s.timestamp, 3000);
  assert.deepEqual(s.containerStatuses.map((c) => c.id), ["c2", "c1"], "newest first");
  assert.equal(s.sandboxStatuses[0].state, "ready");
  assert.equal(s.sandboxStatuses[0].hostNetwork, false);
  const c1 = s.containerStatuses[1];
  assert.equal(c1.state, "exited");
  assert.equal(c1.exitCode, 2);
  assert.equal(c1.finishedAt, 2000);
  assert.equal(c1.hash, "1a2b");
  assert.equal(c1.restartCount, 3);
  assert.equal(c1.image, "busybox:1.36");
  assert.equal(c1.imageId, "sha256:abc");
  assert.equal(
    podStatusFromEvent(criEvent("CONTAINER_STARTED_EVENT", "c1", 1, [], null)),
    undefined,
  );
  const noAnn = containerStatusFromCri({
    ...container("c3", "CONTAINER_CREATED"),
    annotations: {},
  });
  assert.equal(noAnn.restartCount, 1, "falls back to the metadata attempt");
  assert.equal(noAnn.state, "created");
});

Deno.test("EventedPLEG.handleEvent() maps CRI events to pod lifecycle events", async (t) => {
  const cases: [ContainerEventType, string[]][] = [
    ["CONTAINER_CREATED_EVENT", []],
    ["CONTAINER_STARTED_EVENT", ["ContainerStarted"]],
    ["CONTAINER_STOPPED_EVENT", ["ContainerDied"]],
    ["CONTAINER_DELETED_EVENT", ["ContainerDied", "ContainerRemoved"]],
  ];
  for (const [type, want] of cases) {
    await t.step(type, () => {
      const { pleg, cache, channel } = setup();
      const sent = pleg.handleEvent(
        event(type, "c1", 5000, [container("c1", "CONTAINER_RUNNING")]),
      );
      assert.deepEqual(sent.map((e) => e.type), want);
      assert.deepEqual(
        channel.drain().map((e) => `${e.podUid}/${e.data}`),
        want.map(() => "u1/c1"),
      );
      if (type !== "CONTAINER_DELETED_EVENT") {
        assert.equal(cache.modified("u1"), 5000, "cache set with the event's time");
        assert.equal(cache.get("u1").status.containerStatuses[0].id, "c1");
      }
    });
  }
});

Deno.test("EventedPLEG.handleEvent() drops an event older than the cached status", () => {
  const { pleg, cache } = setup();
  pleg.handleEvent(
    event("CONTAINER_STOPPED_EVENT", "c1", 5000, [container("c1", "CONTAINER_EXITED")]),
  );
  const sent = pleg.handleEvent(
    event("CONTAINER_STARTED_EVENT", "c1", 4000, [container("c1", "CONTAINER_RUNNING")]),
  );
  assert.deepEqual(sent, []);
  assert.equal(cache.get("u1").status.containerStatuses[0].state, "exited");
});

Deno.test("EventedPLEG.handleEvent() deletes the cache entry when the sandbox is deleted", () => {
  const { pleg, cache, channel } = setup();
  pleg.handleEvent(event("CONTAINER_STARTED_EVENT", "s1", 5000, []));
  assert.equal(cache.modified("u1"), 5000);
  pleg.handleEvent(event("CONTAINER_DELETED_EVENT", "c1", 6000, [], sandbox("s1")));
  assert.equal(cache.modified("u1"), 5000, "deleting a container keeps the pod");
  channel.drain();
  const sent = pleg.handleEvent(event("CONTAINER_DELETED_EVENT", "s1", 7000, []));
  assert.deepEqual(sent.map((e) => e.type), ["ContainerDied", "ContainerRemoved"]);
  assert.equal(cache.modified("u1"), undefined);
});

Deno.test("EventedPLEG.handleEvent() skips events without sandbox status or metadata", () => {
  const { pleg, channel } = setup();
  assert.deepEqual(pleg.handleEvent(event("CONTAINER_STARTED_EVENT", "c1", 1, [], null)), []);
  assert.deepEqual(
    pleg.handleEvent(
      event("CONTAINER_STARTED_EVENT", "c1", 1, [], { ...sandbox("s1"), metadata: null }),
    ),
    [],
  );
  assert.equal(channel.length, 0);
});

Deno.test("EventedPLEG.handleEvent() keeps the previous IPs when the sandbox is not ready and has none", () => {
  const { pleg, cache } = setup();
  pleg.handleEvent(
    event("CONTAINER_STARTED_EVENT", "c1", 5000, [container("c1", "CONTAINER_RUNNING")]),
  );
  pleg.handleEvent(
    event("CONTAINER_STOPPED_EVENT", "c1", 6000, [container("c1", "CONTAINER_EXITED")], {
      ...sandbox("s1", "SANDBOX_NOTREADY"),
      network: null,
    }),
  );
  assert.deepEqual(cache.get("u1").status.ips, ["10.1.0.2", "fd00::2"]);
});

Deno.test("EventedPLEG.run() relists on each stream error and falls back after 5 failures", async () => {
  const { pleg, source, generic, channel } = setup();
  source.scripts = [
    [event("CONTAINER_STARTED_EVENT", "c1", 5000, [container("c1", "CONTAINER_RUNNING")])],
    { error: new Error("reset") },
  ];
  await pleg.run(new AbortController().signal);
  assert.equal(source.calls, 5);
  assert.equal(generic.relists, 5);
  assert.equal(pleg.failures, 5);
  assert.deepEqual(generic.timing, [[1000, 180_000]]);
  assert.equal(pleg.inUse, false);
  assert.deepEqual(channel.drain().map((e) => e.type), ["ContainerStarted"]);
});

Deno.test("EventedPLEG.run() falls back at once when the runtime does not implement the stream", async () => {
  const { pleg, source, generic } = setup();
  source.scripts = [{ error: new EventStreamUnsupportedError() }];
  await pleg.run(new AbortController().signal);
  assert.equal(source.calls, 1);
  assert.deepEqual(generic.timing, [[1000, 180_000]]);
});

Deno.test("EventedPLEG.run() bumps the cache's global timestamp every 2 s and stops on abort", async () => {
  const { pleg, source, clock, cache, generic } = setup();
  source.scripts = ["open"];
  const ac = new AbortController();
  const done = pleg.run(ac.signal);
  await flush();
  assert.equal(pleg.inUse, true);
  assert.equal(cache.timestamp, -Infinity);
  await clock.advance(2000);
  assert.equal(cache.timestamp, 12_000);
  await clock.advance(2000);
  assert.equal(cache.timestamp, 14_000);
  ac.abort();
  await done;
  assert.equal(pleg.inUse, false);
  assert.equal(clock.pendingTimers, 0);
  assert.deepEqual(generic.timing, [], "stopping is not a fall-back");
  assert.equal(pleg.failures, 0);
});

Deno.test("EventedPLEG.healthy() is unhealthy only when the channel is full", () => {
  const { pleg, channel } = setup();
  assert.equal(pleg.healthy().ok, true);
  for (let i = 0; i < 4; i++) channel.send({ podUid: "u", type: "PodSync", data: "" });
  assert.deepEqual(pleg.healthy(), {
    ok: false,
    message: "EventedPLEG: pleg event channel capacity is full with 4 events",
  });
});

Deno.test("EventedPLEG fall-back puts a real GenericPLEG back to 1 s / 3 min and relists it", async () => {
  const clock = new FakeClock(10_000);
  const cache = new PodStatusCache({ dropOlderUpdates: true });
  const runtime = new FakePlegRuntime();
  const generic = new GenericPLEG(runtime, {
    clock,
    cache,
    relistPeriodMs: 300_000,
    relistThresholdMs: 600_000,
  });
  const source = new FakeEventSource();
  const pleg = new EventedPLEG(source, { clock, cache, channel: generic.channel, generic });
  await pleg.run(new AbortController().signal);
  assert.deepEqual(generic.timing, { relistPeriodMs: 1000, relistThresholdMs: 180_000 });
  assert.equal(runtime.getPodsCalls.length, 5);
});
