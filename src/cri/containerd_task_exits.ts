/**
 * containerd's own event stream (`containerd.services.events.v1.Events/
 * Subscribe`, served on the same socket as the CRI) read for one thing: that
 * a task (a container's or a sandbox's process) exited or was OOM-killed. Not
 * CRI: containerd 1.6 has no CRI event stream (GetContainerEvents came in
 * 1.7), so without this the agent notices a dead container only at the next
 * relist. The agent uses each exit as a cue to relist at once; the relist
 * stays the one source of pod state (the events' payloads are not decoded),
 * and a lost stream costs only that cue.
 *
 * The two messages (SubscribeRequest `{ repeated string filters = 1 }` and
 * Envelope `{ Timestamp timestamp = 1; string namespace = 2; string topic = 3;
 * Any event = 4 }`) are protobufjs (light) types built from a small inline
 * schema, as src/prober/health_service.ts does for the gRPC health service;
 * the timestamp and the event are left undecoded (declared as bytes).
 *
 * Permissions: `--allow-read`/`--allow-write` (and `--allow-net=unix:`) for
 * the socket, as the CRI client.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import protobuf from "protobufjs/light";
import { guardHttp2SessionDestroy } from "../util/guard_http2_session_destroy.ts";
import { parseEndpoint } from "./endpoint.ts";

/** The events that mean "relist now". */
export const TASK_EXIT_TOPICS = ["/tasks/exit", "/tasks/oom"] as const;

const SUBSCRIBE = "/containerd.services.events.v1.Events/Subscribe";

/** One event of the stream: its containerd namespace (the CRI's is "k8s.io") and topic. */
export interface TaskEvent {
  namespace: string;
  topic: string;
}

const root = protobuf.Root.fromJSON({
  nested: {
    containerd: {
      nested: {
        SubscribeRequest: { fields: { filters: { rule: "repeated", type: "string", id: 1 } } },
        // timestamp and event are messages; as bytes they are kept undecoded.
        Envelope: {
          fields: {
            timestamp: { type: "bytes", id: 1 },
            namespace: { type: "string", id: 2 },
            topic: { type: "string", id: 3 },
            event: { type: "bytes", id: 4 },
          },
        },
      },
    },
  },
});
const subscribeRequest = root.lookupType("containerd.SubscribeRequest");
const envelope = root.lookupType("containerd.Envelope");

/** SubscribeRequest with `filters` (any one must match). */
export function encodeSubscribeRequest(filters: readonly string[]): Uint8Array {
  return subscribeRequest.encode({ filters: [...filters] }).finish();
}

/**
 * The namespace and topic of an Envelope; other fields are skipped.
 * @throws {RangeError} on a truncated or malformed message.
 */
export function decodeEnvelope(bytes: Uint8Array): TaskEvent {
  let decoded: { namespace?: string; topic?: string };
  try {
    decoded = envelope.decode(bytes) as { namespace?: string; topic?: string };
  } catch (err) {
    throw new RangeError(`Cannot decode containerd Envelope: ${(err as Error).message}`);
  }
  return { namespace: decoded.namespace ?? "", topic: decoded.topic ?? "" };
}

/**
 * Follows containerd's task exit events on `endpoint` until `signal` aborts
 * or the stream fails (it then throws: UNIMPLEMENTED from a runtime that is
 * not containerd, UNAVAILABLE while it restarts). Yields each event.
 */
export async function* containerdTaskExits(
  endpoint: string,
  signal: AbortSignal,
): AsyncGenerator<TaskEvent, void, undefined> {
  if (signal.aborted) return;
  const { target } = parseEndpoint(endpoint);
  guardHttp2SessionDestroy();
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
    "grpc.default_authority": "localhost",
    "grpc.enable_http_proxy": 0,
    "grpc.use_local_subchannel_pool": 1,
  });
  const call = client.makeServerStreamRequest<readonly string[], TaskEvent>(
    SUBSCRIBE,
    (filters) => Buffer.from(encodeSubscribeRequest(filters)),
    (bytes) => decodeEnvelope(bytes),
    TASK_EXIT_TOPICS.map((t) => `topic=="${t}"`),
    new grpc.Metadata(),
    {},
  );
  const onAbort = () => call.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const event of call) yield event as TaskEvent;
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
    call.cancel();
    client.close();
  }
}

/** Whether a stream error means the runtime serves no containerd event API (gRPC UNIMPLEMENTED). */
export function isTaskEventsUnsupported(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 12;
}
