/**
 * The agent's event recorder: events about pods and containers, named with
 * the kubelet's reasons (Pulling, Started, BackOff, ...), logged through the
 * {@linkcode Logger} and kept in memory (newest N) for the status endpoints
 * and, later, the API server. Identical events are aggregated into one with a
 * count, like v1 Event's count / firstTimestamp / lastTimestamp.
 *
 * Logging follows the kubelet, which logs every event at `--v=3`: Normal
 * events are logged at `--v=3`. Warning events are also shown at `--v=0`, but
 * aggregated like the kubelet's event correlator: per object and reason
 * (whatever the container or message), the first 10 in 10 minutes are shown
 * and the others logged at `--v=3` only; the first shown one of the next
 * window says how many were held back. One pod of 500 containers in
 * image-pull back-off so writes 10 event lines per 10 minutes at `--v=0`, not
 * thousands a minute.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { EventLog } from "./_event_log.ts";
import { containerFieldPath, type InvolvedObject } from "./ref.ts";

/** v1 Event types. */
export type EventType = "Normal" | "Warning";

/** What {@linkcode EventRecorder.record} takes. */
export interface EventInput {
  type: EventType;
  reason: string;
  message: string;
  involvedObject: InvolvedObject;
}

/** A recorded (possibly aggregated) event, shaped like a v1 Event. */
export interface RecordedEvent {
  /** `<object name>.<hex>`, unique within the recorder. */
  name: string;
  type: EventType;
  reason: string;
  message: string;
  involvedObject: InvolvedObject;
  source: { component: string; host?: string };
  /** How many identical events this one stands for. */
  count: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/**
 * The one event shape the agent's modules record (image pulls, probes, the
 * sync steps, container and image GC, pod sources): a pod event names the
 * pod (and a container's `fieldPath`); an event without `pod` and `uid` is
 * about the node. {@linkcode EventRecorder.recordSimple} turns it into an
 * {@linkcode EventInput}.
 */
export interface SimpleEvent {
  type: EventType;
  reason: string;
  message: string;
  /** The pod name, or its full name `name_namespace`. */
  pod?: string;
  uid?: string;
  fieldPath?: string;
  namespace?: string;
}

/** A function recording a {@linkcode SimpleEvent}: what every module that records events takes. */
export type RecordEvent = (e: SimpleEvent) => void;

/**
 * The {@linkcode SimpleEvent} fields that say an event is about `pod` (its
 * full name `name_namespace` and uid), or about its container
 * `containerName` (plus the container's field path, when the pod has it).
 */
export function aboutPod(
  pod: Pod,
  containerName?: string,
): Pick<SimpleEvent, "pod" | "uid" | "fieldPath"> {
  const about = {
    pod: `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}`,
    uid: pod.metadata?.uid,
  };
  const fieldPath = containerName === undefined
    ? undefined
    : containerFieldPath(pod, containerName);
  return fieldPath === undefined ? about : { ...about, fieldPath };
}

/** Filter for {@linkcode EventRecorder.list}; every given field must match. */
export interface EventFilter {
  type?: EventType;
  reason?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** Options for {@linkcode EventRecorder}. */
export interface EventRecorderOptions {
  clock: Clock;
  /** Where each event is logged. @default no logging */
  logger?: Logger;
  /** How many distinct events are kept; older ones are dropped. @default 1000 */
  maxEvents?: number;
  /** The reporting component. @default "kubelet" */
  component?: string;
  /** The node name, used as source host and for events without a pod. @default undefined */
  host?: string;
  /**
   * Warning events logged at `--v=0` per object and reason in each
   * `logWindowMs`; the others are logged at `--v=3`. @default 10
   */
  logBurst?: number;
  /** @default 600_000 (10 minutes, the kubelet's aggregation interval) */
  logWindowMs?: number;
}

export { EVENT_LOG_VERBOSITY } from "./_event_log.ts";

/** Listener of recorded events, called on each new or aggregated event. */
export type EventListener = (event: RecordedEvent) => void;

function eventKey(e: EventInput): string {
  const o = e.involvedObject;
  return JSON.stringify([
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.fieldPath ?? "",
    e.type,
    e.reason,
    e.message,
  ]);
}

function matches(e: RecordedEvent, f: EventFilter): boolean {
  const o = e.involvedObject;
  return (f.type === undefined || e.type === f.type) &&
    (f.reason === undefined || e.reason === f.reason) &&
    (f.kind === undefined || o.kind === f.kind) &&
    (f.namespace === undefined || o.namespace === f.namespace) &&
    (f.name === undefined || o.name === f.name) &&
    (f.uid === undefined || o.uid === f.uid);
}

/** Records, logs, aggregates and keeps events. */
export class EventRecorder {
  #clock: Clock;
  #log?: EventLog;
  #max: number;
  #component: string;
  #host?: string;
  /** Insertion order = age order: an aggregated event moves to the end. */
  #events = new Map<string, RecordedEvent>();
  #seq = 0;
  #listeners = new Set<EventListener>();

  constructor(options: EventRecorderOptions) {
    const max = options.maxEvents ?? 1000;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`Cannot create event recorder: maxEvents must be >= 1, got ${max}`);
    }
    this.#clock = options.clock;
    if (options.logger) {
      this.#log = new EventLog(options.logger, {
        burst: options.logBurst ?? 10,
        windowMs: options.logWindowMs ?? 600_000,
      });
    }
    this.#max = max;
    this.#component = options.component ?? "kubelet";
    this.#host = options.host;
  }

  /** Records an event, aggregating it with an identical earlier one. Returns the stored event. */
  record(input: EventInput): RecordedEvent {
    const now = this.#clock.now();
    const key = eventKey(input);
    let ev = this.#events.get(key);
    if (ev) {
      ev.count++;
      ev.lastTimestamp = now;
      this.#events.delete(key);
    } else {
      ev = {
        name: `${input.involvedObject.name || "unknown"}.${now.toString(16)}${
          (this.#seq++).toString(16)
        }`,
        type: input.type,
        reason: input.reason,
        message: input.message,
        involvedObject: { ...input.involvedObject },
        source: this.#host === undefined
          ? { component: this.#component }
          : { component: this.#component, host: this.#host },
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
      };
    }
    this.#events.set(key, ev);
    while (this.#events.size > this.#max) {
      this.#events.delete(this.#events.keys().next().value!);
    }
    this.#log?.log(ev);
    for (const l of this.#listeners) l(ev);
    return ev;
  }

  /** Records an event given in the short {@linkcode SimpleEvent} shape. */
  recordSimple(e: SimpleEvent): RecordedEvent {
    return this.record({
      type: e.type,
      reason: e.reason,
      message: e.message,
      involvedObject: this.#objectOf(e),
    });
  }

  /** Kept events, oldest first, optionally filtered. Returns copies. */
  list(filter: EventFilter = {}): RecordedEvent[] {
    const out: RecordedEvent[] = [];
    for (const e of this.#events.values()) {
      if (matches(e, filter)) out.push({ ...e, involvedObject: { ...e.involvedObject } });
    }
    return out;
  }

  /** Number of distinct events kept. */
  get size(): number {
    return this.#events.size;
  }

  /** Calls `listener` for each recorded event; returns the unsubscribe function. */
  watch(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #objectOf(e: SimpleEvent): InvolvedObject {
    if (e.pod === undefined && e.uid === undefined) {
      return { kind: "Node", namespace: "", name: this.#host ?? "", uid: this.#host ?? "" };
    }
    let name = e.pod ?? "";
    let namespace = e.namespace;
    const i = name.lastIndexOf("_");
    if (i >= 0) {
      // A pod full name "name_namespace": pod names cannot contain "_".
      namespace ??= name.slice(i + 1);
      name = name.slice(0, i);
    }
    const obj: InvolvedObject = {
      kind: "Pod",
      apiVersion: "v1",
      namespace: namespace ?? "default",
      name,
      uid: e.uid ?? "",
    };
    if (e.fieldPath) obj.fieldPath = e.fieldPath;
    return obj;
  }
}

/**
 * The {@linkcode RecordEvent} callback for a recorder, for modules that accept
 * `recordEvent?: (e) => void`.
 */
export function toRecordEvent(recorder: EventRecorder): RecordEvent {
  return (e) => {
    recorder.recordSimple(e);
  };
}
