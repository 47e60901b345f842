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
import { ALL_SOURCES, podFullName } from "../api/pod_helpers.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import type { RecordEvent } from "../container/events.ts";
import type { PodSource, PodUpdate } from "./pod_update.ts";
import { createSourcesReady, type SourcesReady } from "./sources_ready.ts";
import { admitPods, desiredPods, type SourceState } from "./_pod_admit.ts";
import { diffSource, formatConfigSeen } from "./_pod_changes.ts";
import { UpdateStream } from "./_update_stream.ts";

export { formatConfigSeen };

/** Options for {@linkcode PodConfig}. */
export interface PodConfigOptions {
  /** Time for `kubernetes.io/config.seen`. */
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** Receives `FailedValidation` warnings for rejected duplicates. @default no-op */
  recordEvent?: RecordEvent;
}

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
 * const config = new PodConfig({ clock: new RealClock() });
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
  #stream = new UpdateStream();

  constructor(options: PodConfigOptions) {
    this.#clock = options.clock;
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
    const { desired, rejects } = desiredPods(source, pods, state.admitted);
    state.desired = desired;
    state.ownRejects = rejects;

    const order = [source, ...[...this.#sources.keys()].filter((s) => s !== source)];
    const { next, crossRejects } = admitPods(this.#sources, order);
    const seen = formatConfigSeen(this.#clock.now());

    const updates: PodUpdate[] = [];
    for (const name of order) {
      const st = this.#sources.get(name)!;
      const isMerging = name === source;
      const diff = diffSource(st.admitted, next.get(name)!, {
        source: name,
        seen,
        full: isMerging,
      });
      st.admitted = diff.stored;
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
    return this.#stream.subscribe(signal);
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
        throw new Error(`pod source '${source.name}' stopped: ${errText(err)}`, { cause: err });
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
    this.#stream.publish(update);
  }
}
