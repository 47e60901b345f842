/**
 * The generic pod lifecycle event generator (kubelet's GenericPLEG): it lists
 * every pod of the runtime periodically, compares each container's state with
 * the previous listing, emits events for the changes, and re-inspects the
 * changed pods into the pod status cache.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { PodStatusCache } from "../container/cache.ts";
import type { PodStatus, Runtime, RuntimePod } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { LoopWaker, runEvery } from "../util/run_every.ts";
import { relistHealth } from "./_relist_health.ts";
import {
  generateEvents,
  idsOf,
  keepPodIps,
  runtimePodOf,
  samePodStates,
  stateOf,
} from "./_relist_events.ts";
import { EventChannel, type PlegHealth, type PodLifecycleEvent } from "./pleg.ts";

export { generateEvents, keepPodIps, type PlegContainerState } from "./_relist_events.ts";

/** The part of the {@linkcode Runtime} the PLEG uses. */
export type PlegRuntime = Pick<Runtime, "getPods" | "getPodStatus">;

/** Options for {@linkcode GenericPLEG}. */
export interface GenericPLEGOptions {
  clock: Clock;
  /** The pod status cache the PLEG keeps up to date. */
  cache: PodStatusCache;
  /** Where events go; share one with the evented PLEG. @default a new channel of capacity 1000 */
  channel?: EventChannel;
  /** @default nullLogger */
  logger?: Logger;
  /** Time between relists (1 s; 300 s while the evented PLEG is in use). @default 1000 */
  relistPeriodMs?: number;
  /** Unhealthy when the last relist started longer ago (3 min; 10 min with evented). @default 180000 */
  relistThresholdMs?: number;
  /**
   * Called after each successful relist with its duration and the time since
   * the previous relist started (undefined for the first); metrics
   * kubelet_pleg_relist_duration_seconds / kubelet_pleg_relist_interval_seconds.
   * @default undefined
   */
  onRelist?: (durationMs: number, intervalMs: number | undefined) => void;
}

interface PodRecord {
  old?: RuntimePod;
  current?: RuntimePod;
}

/** Relisting pod lifecycle event generator. */
export class GenericPLEG {
  #runtime: PlegRuntime;
  #clock: Clock;
  #cache: PodStatusCache;
  #channel: EventChannel;
  #logger: Logger;
  #periodMs: number;
  #thresholdMs: number;
  #onRelist?: (durationMs: number, intervalMs: number | undefined) => void;
  #records = new Map<string, PodRecord>();
  /** Pods whose inspection failed, retried on the next relist. */
  #toReinspect = new Map<string, RuntimePod | undefined>();
  /** Start of the last successful relist. */
  #relistTime?: number;
  /** Start of the previous relist attempt (for the interval metric). */
  #lastStart?: number;
  #lock: Promise<unknown> = Promise.resolve();
  #waker = new LoopWaker();
  /** The last successful listing and when it started; dropped by updateCache(). */
  #listing?: { at: number; pods: RuntimePod[] };

  constructor(runtime: PlegRuntime, options: GenericPLEGOptions) {
    this.#runtime = runtime;
    this.#clock = options.clock;
    this.#cache = options.cache;
    this.#channel = options.channel ?? new EventChannel();
    this.#logger = options.logger ?? nullLogger;
    this.#periodMs = options.relistPeriodMs ?? 1000;
    this.#thresholdMs = options.relistThresholdMs ?? 180_000;
    this.#onRelist = options.onRelist;
  }

  /** The channel events are sent to. */
  get channel(): EventChannel {
    return this.#channel;
  }

  /** The current relist period and health threshold, in ms. */
  get timing(): { relistPeriodMs: number; relistThresholdMs: number } {
    return { relistPeriodMs: this.#periodMs, relistThresholdMs: this.#thresholdMs };
  }

  /** Start time of the last successful relist, if any. */
  get relistTime(): number | undefined {
    return this.#relistTime;
  }

  /** Events as they are generated, until `signal` aborts (one consumer). */
  events(signal: AbortSignal): AsyncIterable<PodLifecycleEvent> {
    return this.#channel.receive(signal);
  }

  /**
   * Changes the relist period and threshold (the evented PLEG sets 1 s / 3 min
   * back when it gives up). A running loop relists at once and uses the new period.
   */
  setRelistTiming(relistPeriodMs: number, relistThresholdMs: number): void {
    this.#periodMs = relistPeriodMs;
    this.#thresholdMs = relistThresholdMs;
    this.#waker.wake();
  }

  /**
   * Makes the running loop relist now instead of at the end of its wait (a
   * runtime's cue that something changed); several calls during one relist
   * make one more relist after it.
   */
  requestRelist(): void {
    this.#waker.wake();
  }

  /**
   * The last relist's listing (`getPods(true)`) and when it started, when
   * that was at most `maxAgeMs` before `now` and no pod was re-inspected
   * after a sync since ({@linkcode GenericPLEG.updateCache}); else
   * undefined. Lets housekeeping reuse the relist's listing instead of
   * listing the runtime again (src/pleg/listing_reuse.ts).
   */
  recentListing(now: number, maxAgeMs: number): { at: number; pods: RuntimePod[] } | undefined {
    const listing = this.#listing;
    if (!listing || now - listing.at > maxAgeMs || now < listing.at) return undefined;
    return listing;
  }

  /**
   * The "PLEG" health check: unhealthy until a relist succeeded, or when the
   * last successful relist started more than the threshold before `now`.
   */
  healthy(now: number): PlegHealth {
    return relistHealth(this.#relistTime, this.#thresholdMs, now);
  }

  /**
   * Relists every `relistPeriodMs` (after each relist completes; a timing
   * change relists at once) until `signal` aborts.
   */
  async run(signal: AbortSignal): Promise<void> {
    await runEvery(() => this.relist(), {
      clock: this.#clock,
      periodMs: () => this.#periodMs,
      signal,
      waker: this.#waker,
      onError: (err) => this.#logger.error("GenericPLEG: relist failed", { err }),
    });
  }

  /**
   * One relist: lists all pods, sends the events for every changed container,
   * re-inspects the changed pods (and those whose inspection failed before)
   * into the cache, and finally bumps the cache's global timestamp. Returns the
   * events sent (ContainerChanged is generated but never sent); a failed
   * listing logs the error and returns none.
   */
  relist(): Promise<PodLifecycleEvent[]> {
    return this.#locked(() => this.#relist());
  }

  /**
   * Inspects one pod now (after a sync started or killed containers), stores
   * the status in the cache and sends the events its changes imply, so the
   * agent does not wait for the next relist. Returns the events sent; an
   * inspection failure is stored in the cache and retried by the next relist.
   */
  updateCache(
    uid: string,
    options: { name?: string; namespace?: string } = {},
  ): Promise<PodLifecycleEvent[]> {
    this.#listing = undefined;
    return this.#locked(async () => {
      this.#listing = undefined;
      const record = this.#records.get(uid);
      const known = record?.current ?? record?.old;
      const name = options.name ?? known?.name ?? "";
      const namespace = options.namespace ?? known?.namespace ?? "";
      const timestamp = this.#clock.now();
      let status: PodStatus;
      try {
        status = await this.#runtime.getPodStatus(uid, name, namespace);
      } catch (err) {
        this.#failInspection(uid, name, namespace, known, err, timestamp);
        return [];
      }
      status.ips = keepPodIps(status, this.#cache.get(uid).status);
      this.#cache.set(uid, status, undefined, timestamp);
      this.#toReinspect.delete(uid);
      const pod = runtimePodOf(status);
      const old = record?.old;
      const events = idsOf(old, pod).flatMap((id) =>
        generateEvents(uid, id, stateOf(old, id), stateOf(pod, id))
      );
      this.#records.set(uid, { old: pod });
      return this.#send(events);
    });
  }

  async #relist(): Promise<PodLifecycleEvent[]> {
    const start = this.#clock.now();
    const interval = this.#lastStart === undefined ? undefined : start - this.#lastStart;
    this.#lastStart = start;
    let pods: RuntimePod[];
    try {
      pods = await this.#runtime.getPods(true);
    } catch (err) {
      this.#logger.error("GenericPLEG: Unable to retrieve pods", { err });
      return [];
    }
    this.#relistTime = start;
    this.#listing = { at: start, pods };

    for (const r of this.#records.values()) r.current = undefined;
    for (const p of pods) {
      const r = this.#records.get(p.uid);
      if (r) r.current = p;
      else this.#records.set(p.uid, { current: p });
    }

    const sent: PodLifecycleEvent[] = [];
    const needsReinspection = new Map<string, RuntimePod | undefined>();
    for (const [uid, record] of [...this.#records]) {
      const events = samePodStates(record.old, record.current)
        ? []
        : idsOf(record.old, record.current).flatMap((id) =>
          generateEvents(uid, id, stateOf(record.old, id), stateOf(record.current, id))
        );
      if (events.length === 0 && !this.#toReinspect.has(uid)) {
        // Nothing changed; forget pods that are gone and had nothing to report.
        if (!record.current && !record.old) this.#records.delete(uid);
        continue;
      }
      if (!(await this.#inspect(uid, record.current))) {
        needsReinspection.set(uid, record.current);
        continue;
      }
      if (record.current) this.#records.set(uid, { old: record.current });
      else this.#records.delete(uid);
      sent.push(...this.#send(events));
    }
    this.#cache.updateTime(start);
    this.#toReinspect = needsReinspection;
    this.#onRelist?.(this.#clock.now() - start, interval);
    return sent;
  }

  /** Inspects a listed pod into the cache (deletes it when gone). False when inspection failed. */
  async #inspect(uid: string, pod: RuntimePod | undefined): Promise<boolean> {
    if (!pod) {
      this.#cache.delete(uid);
      return true;
    }
    const timestamp = this.#clock.now();
    try {
      const status = await this.#runtime.getPodStatus(uid, pod.name, pod.namespace);
      status.ips = keepPodIps(status, this.#cache.get(uid).status);
      this.#cache.set(uid, status, undefined, timestamp);
      return true;
    } catch (err) {
      this.#failInspection(uid, pod.name, pod.namespace, pod, err, timestamp);
      return false;
    }
  }

  #failInspection(
    uid: string,
    name: string,
    namespace: string,
    pod: RuntimePod | undefined,
    err: unknown,
    timestamp: number,
  ): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#logger.error("PLEG: Ignoring events for pod", {
      pod: `${namespace}/${name}`,
      podUID: uid,
      err: error,
    });
    const previous = this.#cache.get(uid).status;
    this.#cache.set(uid, { ...previous, uid, name, namespace }, error, timestamp);
    this.#toReinspect.set(uid, pod);
  }

  #send(events: PodLifecycleEvent[]): PodLifecycleEvent[] {
    const sent: PodLifecycleEvent[] = [];
    for (const e of events) {
      if (e.type === "ContainerChanged") continue;
      if (this.#channel.send(e)) sent.push(e);
      else {
        this.#logger.error("Event channel is full, discard this relist() cycle event", {
          podUID: e.podUid,
          type: e.type,
        });
      }
    }
    return sent;
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#lock.then(fn, fn);
    this.#lock = next.catch(() => {});
    return next;
  }
}
