/**
 * PodConfig: merges the pods of every source (static pod directory, manifest URL,
 * later the API server) into one ordered stream of {@linkcode PodUpdate}s, the way
 * the kubelet's PodConfig does in incremental mode (pkg/kubelet/config/config.go).
 *
 * Sources send complete snapshots; {@linkcode PodConfig.merge} derives the
 * operations. Per merge the merging source's updates come in the kubelet's order:
 * REMOVE, ADD, UPDATE, DELETE, then (on the source's first state, if it brought no
 * ADD, UPDATE or DELETE) an empty ADD as its readiness signal, then RECONCILE.
 *
 * Better than the kubelet: a full name (`<name>_<namespace>`) or UID is admitted
 * only once across ALL sources, not just within one. The pod that held the name
 * first keeps it; the later one is rejected with a `FailedValidation` event (once,
 * not at every merge) and admitted by itself as soon as the name is free again.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import {
  ALL_SOURCES,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  podFullName,
} from "../api/pod_helpers.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import type { RecordEvent } from "../container/events.ts";
import type { PodSource, PodUpdate } from "./pod_update.ts";
import { createSourcesReady, type SourcesReady } from "./sources_ready.ts";
import { jsonEqual } from "./_json_equal.ts";

/** Options for {@linkcode PodConfig}. */
export interface PodConfigOptions {
  /** Time for `kubernetes.io/config.seen`. @default new RealClock() */
  clock?: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** Receives `FailedValidation` warnings for rejected duplicates. @default no-op */
  recordEvent?: RecordEvent;
}

/** Annotations the node sets itself; they never make a pod "changed". */
const LOCAL_ANNOTATIONS = [
  CONFIG_SOURCE_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
];

interface Desired {
  pod: Pod;
  uid: string;
  fullName: string;
}

interface SourceState {
  seen: boolean;
  /** The source's last snapshot, de-duplicated within the source. */
  desired: Desired[];
  /** Admitted pods by UID, as last sent downstream. */
  admitted: Map<string, Pod>;
  /** Rejections found inside the source's own last snapshot: key → message. */
  ownRejects: Map<string, string>;
  /** Every rejection last reported for this source: key → message. */
  reported: Map<string, string>;
}

/**
 * Formats a time in ms as RFC 3339 in UTC with fixed-width nanoseconds, the
 * `kubernetes.io/config.seen` format: `2026-11-23T17:51:56.123000000Z`.
 */
export function formatConfigSeen(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = Math.round((ms - whole) * 1e6);
  return `${new Date(whole).toISOString().slice(0, 23)}${String(nanos).padStart(6, "0")}Z`;
}

function annotationsWithoutLocal(pod: Pod): Record<string, string> {
  const out: Record<string, string> = { ...pod.metadata?.annotations };
  for (const key of LOCAL_ANNOTATIONS) delete out[key];
  return out;
}

/**
 * The kubelet's "semantically different" check: spec, labels, deletion timestamp
 * and grace period, and annotations other than the local ones. Status is not
 * compared here.
 */
function semanticallyDifferent(a: Pod, b: Pod): boolean {
  return !jsonEqual(a.spec, b.spec) ||
    !jsonEqual(a.metadata?.labels ?? {}, b.metadata?.labels ?? {}) ||
    a.metadata?.deletionTimestamp !== b.metadata?.deletionTimestamp ||
    a.metadata?.deletionGracePeriodSeconds !== b.metadata?.deletionGracePeriodSeconds ||
    !jsonEqual(annotationsWithoutLocal(a), annotationsWithoutLocal(b));
}

/** `obj` without its keys whose value is `undefined` (so deep comparisons stay exact). */
function compact<T extends object>(obj: T): T {
  const out = { ...obj };
  for (const key of Object.keys(out) as (keyof T)[]) {
    if (out[key] === undefined) delete out[key];
  }
  return out;
}

/** The stored pod updated from `incoming`, keeping local annotations and metadata. */
function updatedPod(stored: Pod, incoming: Pod): Pod {
  const inMeta = incoming.metadata ?? {};
  const annotations: Record<string, string> = { ...inMeta.annotations };
  for (const key of LOCAL_ANNOTATIONS) {
    const kept = stored.metadata?.annotations?.[key];
    if (kept !== undefined) annotations[key] = kept;
    else delete annotations[key];
  }
  const metadata = compact({
    ...structuredClone(stored.metadata),
    labels: structuredClone(inMeta.labels),
    deletionTimestamp: inMeta.deletionTimestamp,
    deletionGracePeriodSeconds: inMeta.deletionGracePeriodSeconds,
    annotations,
  });
  return compact({
    ...structuredClone(stored),
    metadata,
    spec: structuredClone(incoming.spec),
    status: structuredClone(incoming.status),
  });
}

/** `stored` with the status of `incoming`. */
function reconciledPod(stored: Pod, incoming: Pod): Pod {
  return compact({ ...structuredClone(stored), status: structuredClone(incoming.status) });
}

function rejectKey(pod: Pod): string {
  return `${pod.metadata?.uid ?? ""}|${podFullName(pod)}`;
}

type Listener = (update: PodUpdate) => void;

/**
 * The merger of all pod sources.
 *
 * Consume it with {@linkcode PodConfig.updates}: an async iterable per subscriber that
 * receives every update published from the moment `updates()` is called (subscribe
 * before {@linkcode PodConfig.run}, or start from {@linkcode PodConfig.snapshot}).
 * Each subscriber has its own unbounded queue, so a slow consumer never blocks a
 * source.
 *
 * @example
 * ```ts
 * const config = new PodConfig();
 * const ac = new AbortController();
 * const stream = config.updates(ac.signal);
 * config.run([fileSource, httpSource], ac.signal);
 * for await (const u of stream) console.log(u.op, u.source, u.pods.length);
 * ```
 */
export class PodConfig {
  /** `allReady()` once every registered source has sent its first state. */
  readonly sourcesReady: SourcesReady;
  #clock: Clock;
  #logger: Logger;
  #recordEvent: RecordEvent;
  #sources = new Map<string, SourceState>();
  #listeners = new Set<Listener>();

  constructor(options: PodConfigOptions = {}) {
    this.#clock = options.clock ?? new RealClock();
    this.#logger = options.logger ?? nullLogger;
    this.#recordEvent = options.recordEvent ?? (() => {});
    this.sourcesReady = createSourcesReady(() => this.seenAllSources());
  }

  /**
   * Registers a source, so readiness waits for it (the kubelet's `Channel(source)`).
   * Registering twice is harmless.
   *
   * @throws {TypeError} if `name` is empty or `*`.
   */
  addSource(name: string): void {
    this.#state(name);
  }

  /** The registered source names, in registration order. */
  sources(): string[] {
    return [...this.#sources.keys()];
  }

  /** Whether every registered source has sent at least one state. */
  seenAllSources(): boolean {
    for (const state of this.#sources.values()) if (!state.seen) return false;
    return true;
  }

  /**
   * Takes the complete current pod set of `source` and returns (and publishes to
   * every subscriber) the updates it causes, in order. An unregistered source is
   * registered first. `pods` is not changed; every returned pod is a deep copy.
   *
   * Pods without `metadata.uid`, and later pods with a full name or UID that an
   * earlier pod already has (in this snapshot or admitted from another source), are
   * left out and reported once with a `FailedValidation` warning event.
   */
  merge(source: string, pods: readonly Pod[]): PodUpdate[] {
    const state = this.#state(source);
    const firstSet = !state.seen;
    state.seen = true;

    // De-duplicate within the source. Pods are copied (and stamped) only when
    // they are stored, so an unchanged pod costs one comparison.
    const desired: Desired[] = [];
    const ownRejects = new Map<string, string>();
    const names = new Set<string>();
    const uids = new Set<string>();
    for (const pod of pods) {
      const name = podFullName(pod);
      const uid = pod.metadata?.uid;
      let problem: string | undefined;
      if (!uid) problem = "it has no metadata.uid";
      else if (names.has(name)) problem = `duplicate pod name "${name}"`;
      else if (uids.has(uid)) problem = `duplicate pod UID "${uid}"`;
      if (problem !== undefined) {
        ownRejects.set(
          rejectKey(pod),
          `Error validating pod ${name} from ${source} due to ${problem}, ignoring`,
        );
        continue;
      }
      names.add(name);
      uids.add(uid!);
      const old = state.admitted.get(uid!);
      // A pod not admitted yet may wait for a free name: keep a copy of it.
      const kept = old && podFullName(old) === name ? pod : structuredClone(pod);
      desired.push({ pod: kept, uid: uid!, fullName: name });
    }
    state.desired = desired;
    state.ownRejects = ownRejects;

    const order = [source, ...[...this.#sources.keys()].filter((s) => s !== source)];
    const { next, crossRejects } = this.#admit(order);

    const updates: PodUpdate[] = [];
    for (const name of order) {
      const st = this.#sources.get(name)!;
      const isMerging = name === source;
      const diff = this.#diff(name, st, next.get(name)!, isMerging);
      if (diff.removes.length) updates.push({ op: "REMOVE", source: name, pods: diff.removes });
      if (diff.adds.length) updates.push({ op: "ADD", source: name, pods: diff.adds });
      if (diff.updates.length) updates.push({ op: "UPDATE", source: name, pods: diff.updates });
      if (diff.deletes.length) updates.push({ op: "DELETE", source: name, pods: diff.deletes });
      if (
        isMerging && firstSet && !diff.adds.length && !diff.updates.length && !diff.deletes.length
      ) {
        updates.push({ op: "ADD", source: name, pods: [] });
      }
      if (diff.reconciles.length) {
        updates.push({ op: "RECONCILE", source: name, pods: diff.reconciles });
      }
      this.#report(name, st, crossRejects.get(name)!);
    }
    for (const update of updates) this.#publish(update);
    return updates.map((u) => structuredClone(u));
  }

  /** Every admitted pod of every source (deep copies), sources in registration order. */
  snapshot(): Pod[] {
    const out: Pod[] = [];
    for (const state of this.#sources.values()) {
      for (const pod of state.admitted.values()) out.push(structuredClone(pod));
    }
    return out;
  }

  /**
   * Publishes the merged state of all sources as one `SET` with source `*` (the
   * kubelet's `Sync()`) and returns it.
   */
  sync(): PodUpdate {
    const update: PodUpdate = { op: "SET", source: ALL_SOURCES, pods: this.snapshot() };
    this.#publish(update);
    return update;
  }

  /**
   * The merged stream for one subscriber: every update published after this call,
   * in order, until `signal` aborts (the iteration then ends without error).
   */
  updates(signal: AbortSignal): AsyncIterable<PodUpdate> {
    const queue: PodUpdate[] = [];
    let wake: (() => void) | undefined;
    const listener: Listener = (u) => {
      queue.push(structuredClone(u));
      wake?.();
    };
    const stop = () => {
      this.#listeners.delete(listener);
      wake?.();
    };
    if (signal.aborted) return (async function* () {})();
    this.#listeners.add(listener);
    signal.addEventListener("abort", stop, { once: true });
    return (async function* () {
      try {
        while (!signal.aborted) {
          if (queue.length) {
            yield queue.shift()!;
            continue;
          }
          await new Promise<void>((resolve) => wake = resolve);
          wake = undefined;
        }
      } finally {
        signal.removeEventListener("abort", stop);
        stop();
      }
    })();
  }

  /**
   * Registers every source, then runs them all, merging what each sends, until
   * `signal` aborts. Resolves when every source has returned. Sources reject bad
   * manifests one by one and never stop for them; a source that still fails
   * (a defect, or I/O it cannot recover from) rejects this with an error naming
   * the source, so the agent stops instead of running with a dead source.
   */
  async run(sources: readonly PodSource[], signal: AbortSignal): Promise<void> {
    for (const source of sources) this.addSource(source.name);
    await Promise.all(sources.map(async (source) => {
      try {
        await source.run((pods) => this.merge(source.name, pods), signal);
      } catch (err) {
        if (signal.aborted) return;
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`pod source '${source.name}' stopped: ${reason}`, { cause: err });
      }
    }));
  }

  #state(name: string): SourceState {
    if (typeof name !== "string" || name === "" || name === ALL_SOURCES) {
      throw new TypeError(
        `Cannot register pod source '${name}': the name must be non-empty, not '*'`,
      );
    }
    let state = this.#sources.get(name);
    if (!state) {
      state = {
        seen: false,
        desired: [],
        admitted: new Map(),
        ownRejects: new Map(),
        reported: new Map(),
      };
      this.#sources.set(name, state);
    }
    return state;
  }

  /**
   * Decides which desired pods are admitted. Pods already admitted under the same
   * UID and full name keep their place; the rest claim free names and UIDs, the
   * merging source first, then the others in registration order.
   */
  #admit(order: string[]) {
    const names = new Map<string, string>();
    const uids = new Map<string, string>();
    const next = new Map<string, Map<string, Desired>>();
    const crossRejects = new Map<string, Map<string, string>>();
    for (const name of order) {
      next.set(name, new Map());
      crossRejects.set(name, new Map());
    }
    const claim = (source: string, d: Desired) => {
      names.set(d.fullName, source);
      uids.set(d.uid, source);
      next.get(source)!.set(d.uid, d);
    };
    for (const name of order) {
      const st = this.#sources.get(name)!;
      for (const d of st.desired) {
        const old = st.admitted.get(d.uid);
        if (old && podFullName(old) === d.fullName) claim(name, d);
      }
    }
    for (const name of order) {
      const st = this.#sources.get(name)!;
      for (const d of st.desired) {
        if (next.get(name)!.has(d.uid)) continue;
        const owner = names.get(d.fullName) ?? uids.get(d.uid);
        if (owner === undefined) {
          claim(name, d);
          continue;
        }
        const what = names.has(d.fullName) ? `pod name "${d.fullName}"` : `pod UID "${d.uid}"`;
        crossRejects.get(name)!.set(
          rejectKey(d.pod),
          `Error validating pod ${d.fullName} from ${name} due to duplicate ${what}, already used by a pod from ${owner}, ignoring`,
        );
      }
    }
    return { next, crossRejects };
  }

  /**
   * Compares a source's admitted pods with the newly admitted ones and stores the
   * result. For a source other than the merging one nothing it sent has changed,
   * so only newly admitted pods (ADD) are looked at.
   */
  #diff(source: string, st: SourceState, incoming: Map<string, Desired>, full: boolean) {
    const removes: Pod[] = [];
    const adds: Pod[] = [];
    const updates: Pod[] = [];
    const deletes: Pod[] = [];
    const reconciles: Pod[] = [];
    const stored = new Map<string, Pod>();
    const seen = formatConfigSeen(this.#clock.now());
    if (full) {
      for (const [uid, old] of st.admitted) {
        const inc = incoming.get(uid);
        if (!inc || inc.fullName !== podFullName(old)) removes.push(old);
      }
    }
    for (const [uid, { pod: inc, fullName }] of incoming) {
      const old = st.admitted.get(uid);
      if (!old || podFullName(old) !== fullName) {
        const pod = structuredClone(inc);
        const meta = pod.metadata ??= {};
        meta.annotations = {
          ...meta.annotations,
          [CONFIG_SOURCE_ANNOTATION]: source,
          [CONFIG_SEEN_ANNOTATION]: seen,
        };
        adds.push(pod);
        stored.set(uid, pod);
      } else if (!full) {
        stored.set(uid, old);
      } else if (semanticallyDifferent(old, inc)) {
        const pod = updatedPod(old, inc);
        (pod.metadata?.deletionTimestamp ? deletes : updates).push(pod);
        stored.set(uid, pod);
      } else if (!jsonEqual(old.status, inc.status)) {
        const pod = reconciledPod(old, inc);
        reconciles.push(pod);
        stored.set(uid, pod);
      } else {
        stored.set(uid, old);
      }
    }
    st.admitted = stored;
    return { removes, adds, updates, deletes, reconciles };
  }

  #report(source: string, st: SourceState, crossRejects: Map<string, string>): void {
    const now = new Map([...st.ownRejects, ...crossRejects]);
    for (const [key, message] of now) {
      if (st.reported.get(key) === message) continue;
      const pod = key.slice(key.indexOf("|") + 1);
      this.#logger.warn(message, { source, pod });
      this.#recordEvent({ type: "Warning", reason: "FailedValidation", message, pod });
    }
    st.reported = now;
  }

  #publish(update: PodUpdate): void {
    this.#logger.debug(4, "Pod update", {
      op: update.op,
      source: update.source,
      pods: update.pods.map(podFullName),
    });
    for (const listener of this.#listeners) listener(update);
  }
}
