import assert from "node:assert/strict";
import type { RecordedEvent } from "../../src/container/events.ts";
import {
  eventNamespace,
  repeatPatch,
  rfc3339Seconds,
  toV1Event,
} from "../../src/events/v1_event.ts";

const T0 = 1_700_000_000_123; // 2023-11-14T22:13:20.123Z

function recorded(over: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    name: "web.18bcfe56c9b0",
    type: "Warning",
    reason: "BackOff",
    message: "Back-off restarting failed container app",
    involvedObject: {
      kind: "Pod",
      apiVersion: "v1",
      namespace: "ns1",
      name: "web",
      uid: "u1",
      fieldPath: "spec.containers{app}",
    },
    source: { component: "kubelet", host: "node1" },
    count: 3,
    firstTimestamp: T0,
    lastTimestamp: T0 + 61_900,
    ...over,
  };
}

Deno.test("rfc3339Seconds() writes whole seconds in UTC", () => {
  assert.equal(rfc3339Seconds(T0), "2023-11-14T22:13:20Z");
  assert.equal(rfc3339Seconds(T0 + 877), "2023-11-14T22:13:21Z");
});

Deno.test("toV1Event() is the kubelet's core/v1 Event for a pod's container", () => {
  assert.deepEqual(toV1Event(recorded()), {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "web.18bcfe56c9b0", namespace: "ns1" },
    involvedObject: {
      kind: "Pod",
      namespace: "ns1",
      name: "web",
      uid: "u1",
      apiVersion: "v1",
      fieldPath: "spec.containers{app}",
    },
    reason: "BackOff",
    message: "Back-off restarting failed container app",
    type: "Warning",
    source: { component: "kubelet", host: "node1" },
    count: 3,
    firstTimestamp: "2023-11-14T22:13:20Z",
    lastTimestamp: "2023-11-14T22:14:22Z",
    reportingComponent: "kubelet",
    reportingInstance: "node1",
  });
});

Deno.test("toV1Event() puts a node event in default, without the empty namespace and fieldPath", () => {
  const ev = toV1Event(
    recorded({
      reason: "Starting",
      involvedObject: { kind: "Node", namespace: "", name: "node1", uid: "node1" },
      source: { component: "kubelet" },
    }),
    "node1",
  );
  assert.equal(ev.metadata?.namespace, "default");
  assert.deepEqual(ev.involvedObject, { kind: "Node", name: "node1", uid: "node1" });
  assert.deepEqual(ev.source, { component: "kubelet", host: "node1" });
  assert.equal(ev.reportingInstance, "node1");
  assert.equal(eventNamespace({ kind: "Node", namespace: "", name: "n", uid: "n" }), "default");
});

Deno.test("repeatPatch() carries only count, lastTimestamp and message", () => {
  assert.deepEqual(repeatPatch(recorded({ count: 7 })), {
    count: 7,
    lastTimestamp: "2023-11-14T22:14:22Z",
    message: "Back-off restarting failed container app",
  });
});
