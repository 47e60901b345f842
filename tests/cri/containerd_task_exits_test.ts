import assert from "node:assert/strict";
import {
  decodeEnvelope,
  encodeSubscribeRequest,
  isTaskEventsUnsupported,
} from "../../src/cri/containerd_task_exits.ts";

const bytes = (s: string) => [...new TextEncoder().encode(s)];

Deno.test("encodeSubscribeRequest() writes each filter as field 1", () => {
  assert.deepEqual(
    [...encodeSubscribeRequest(['topic=="/a"', "x"])],
    [0x0a, 11, ...bytes('topic=="/a"'), 0x0a, 1, ...bytes("x")],
  );
  const long = "f".repeat(200);
  assert.deepEqual([...encodeSubscribeRequest([long]).subarray(0, 3)], [0x0a, 0xc8, 0x01]);
});

Deno.test("decodeEnvelope() reads namespace and topic and skips the timestamp and the event", () => {
  const timestamp = [0x0a, 4, 0x08, 0x96, 0x01, 0x10]; // Timestamp{seconds: 150, nanos: ...}
  timestamp[1] = timestamp.length - 2 + 1;
  timestamp.push(0x05);
  const envelope = [
    ...timestamp,
    0x12,
    6,
    ...bytes("k8s.io"),
    0x1a,
    11,
    ...bytes("/tasks/exit"),
    0x22,
    3,
    0x0a,
    1,
    0x41, // Any{type_url: "A"}
  ];
  assert.deepEqual(decodeEnvelope(Uint8Array.from(envelope)), {
    namespace: "k8s.io",
    topic: "/tasks/exit",
  });
});

Deno.test("decodeEnvelope() rejects a field running past the end in one line", () => {
  assert.throws(
    () => decodeEnvelope(Uint8Array.from([0x1a, 20, ...bytes("/tasks")])),
    /Cannot decode containerd Envelope: /,
  );
});

Deno.test("isTaskEventsUnsupported() is gRPC UNIMPLEMENTED only", () => {
  assert.equal(isTaskEventsUnsupported({ code: 12 }), true);
  assert.equal(isTaskEventsUnsupported({ code: 14 }), false);
  assert.equal(isTaskEventsUnsupported(undefined), false);
});
