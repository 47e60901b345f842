/**
 * A recorded event as the API server stores it: the core/v1 Event the
 * kubelet posts (client-go's `tools/record` `makeEvent`), and the merge patch
 * that updates its count when it repeats.
 *
 * An event lives in its involved object's namespace; an event about a
 * cluster-scoped object (the Node, namespace "") goes to `default`, as the
 * kubelet's node events do. Times are RFC 3339 in whole seconds, as v1
 * Event's `firstTimestamp` / `lastTimestamp` (metav1.Time) serialize.
 *
 * @module
 */

import type { Event, ObjectReference } from "kubernetes-types/core/v1.d.ts";
import type { RecordedEvent } from "../container/events.ts";
import type { InvolvedObject } from "../container/ref.ts";

/** The namespace an event about `object` is stored in: its own, or `default`. */
export function eventNamespace(object: InvolvedObject): string {
  return object.namespace || "default";
}

/** `ms` since the epoch as RFC 3339 in whole seconds: `2023-11-14T22:13:20Z`. */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The v1 ObjectReference of an involved object, without its empty fields (Go's omitempty). */
export function objectReference(object: InvolvedObject): ObjectReference {
  const ref: ObjectReference = { kind: object.kind };
  if (object.namespace) ref.namespace = object.namespace;
  ref.name = object.name;
  if (object.uid) ref.uid = object.uid;
  if (object.apiVersion) ref.apiVersion = object.apiVersion;
  if (object.fieldPath) ref.fieldPath = object.fieldPath;
  return ref;
}

/**
 * The core/v1 Event for a recorded event: its name, the involved object's
 * namespace (`default` for a node), the source, the count and both times,
 * and `reportingComponent` / `reportingInstance` from the source (as
 * client-go fills them). `host` stands in for a source without one.
 */
export function toV1Event(ev: RecordedEvent, host?: string): Event {
  const sourceHost = ev.source.host ?? host;
  const event: Event = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: ev.name, namespace: eventNamespace(ev.involvedObject) },
    involvedObject: objectReference(ev.involvedObject),
    reason: ev.reason,
    message: ev.message,
    type: ev.type,
    source: sourceHost === undefined
      ? { component: ev.source.component }
      : { component: ev.source.component, host: sourceHost },
    count: ev.count,
    firstTimestamp: rfc3339Seconds(ev.firstTimestamp),
    lastTimestamp: rfc3339Seconds(ev.lastTimestamp),
    reportingComponent: ev.source.component,
  };
  if (sourceHost !== undefined) event.reportingInstance = sourceHost;
  return event;
}

/** The merge patch of a repeat: what changes when an event occurs again. */
export function repeatPatch(
  ev: RecordedEvent,
): { count: number; lastTimestamp: string; message: string } {
  return { count: ev.count, lastTimestamp: rfc3339Seconds(ev.lastTimestamp), message: ev.message };
}
