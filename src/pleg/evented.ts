/**
 * The evented pod lifecycle event generator (kubelet's EventedPLEG): instead
 * of relisting, it follows the runtime's GetContainerEvents stream, builds
 * each pod's status from the event, and stores it in the cache. The generic
 * PLEG keeps running slowly beside it (300 s / 10 min) as a safety net; when
 * the stream keeps failing (or the runtime does not implement it) the evented
 * PLEG stops and puts the generic one back to 1 s / 3 min.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { PodStatusCache } from "../container/cache.ts";
import type { ContainerEvent, ContainerEventType } from "../container/container_event.ts";
import type { Runtime } from "../container/runtime.ts";
import { EventStreamUnsupportedError } from "../container/runtime_errors.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { runEvery } from "../util/run_every.ts";
import { keepPodIps } from "./_relist_events.ts";
import type { EventChannel, PlegHealth, PodLifecycleEvent, PodLifecycleEventType } from "./pleg.ts";

/** The part of the {@linkcode Runtime} the evented PLEG uses. */
export type ContainerEventSource = Pick<Runtime, "containerEvents">;

/** The part of the GenericPLEG the evented PLEG drives. */
export interface RelistingPleg {
  relist(): Promise<unknown>;
  setRelistTiming(relistPeriodMs: number, relistThresholdMs: number): void;
}

/** Options for {@linkcode EventedPLEG}. */
export interface EventedPLEGOptions {
  clock: Clock;
  /** The pod status cache; create it with `dropOlderUpdates: true`. */
  cache: PodStatusCache;
  /** The generic PLEG running beside it: relisted on stream errors, sped up on fall-back. */
  generic: RelistingPleg;
  /** Where events go; the same channel as the generic PLEG's. */
  channel: EventChannel;
  /** @default nullLogger */
  logger?: Logger;
  /** Stream failures before falling back to the generic PLEG. @default 5 */
  maxStreamRetries?: number;
  /** How often the cache's global timestamp is bumped. @default 2000 */
  globalCacheUpdatePeriodMs?: number;
  /** Relist period the generic PLEG gets back on fall-back. @default 1000 */
  relistPeriodMs?: number;
  /** Relist threshold the generic PLEG gets back on fall-back. @default 180000 */
  relistThresholdMs?: number;
  /**
   * Called on each stream error (metric kubelet_evented_pleg_connection_error_count).
   * @default undefined
   */
  onStreamError?: (err: unknown) => void;
}

const EVENT_TYPES: Record<ContainerEventType, PodLifecycleEventType[]> = {
  created: [],
  started: ["ContainerStarted"],
  stopped: ["ContainerDied"],
  deleted: ["ContainerDied", "ContainerRemoved"],
};

/** Pod lifecycle events from the runtime's container event stream. */
export class EventedPLEG {
  #source: ContainerEventSource;
  #clock: Clock;
  #cache: PodStatusCache;
  #generic: RelistingPleg;
  #channel: EventChannel;
  #logger: Logger;
  #maxRetries: number;
  #globalPeriodMs: number;
  #relistPeriodMs: number;
  #relistThresholdMs: number;
  #onStreamError?: (err: unknown) => void;
  #inUse = false;
  #failures = 0;

  constructor(source: ContainerEventSource, options: EventedPLEGOptions) {
    this.#source = source;
    this.#clock = options.clock;
    this.#cache = options.cache;
    this.#generic = options.generic;
    this.#channel = options.channel;
    this.#logger = options.logger ?? nullLogger;
    this.#maxRetries = options.maxStreamRetries ?? 5;
    this.#globalPeriodMs = options.globalCacheUpdatePeriodMs ?? 2000;
    this.#relistPeriodMs = options.relistPeriodMs ?? 1000;
    this.#relistThresholdMs = options.relistThresholdMs ?? 180_000;
    this.#onStreamError = options.onStreamError;
  }

  /** True while the evented PLEG runs (false before run() and after falling back). */
  get inUse(): boolean {
    return this.#inUse;
  }

  /** Stream failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Unhealthy only when the event channel is full. */
  healthy(): PlegHealth {
    if (this.#channel.length >= this.#channel.capacity) {
      return {
        ok: false,
        message:
          `EventedPLEG: pleg event channel capacity is full with ${this.#channel.length} events`,
      };
    }
    return { ok: true, message: "" };
  }

  /**
   * Follows the event stream until `signal` aborts or the evented PLEG falls
   * back to the generic one (after `maxStreamRetries` stream errors, or at
   * once when the runtime does not implement GetContainerEvents). Each stream
   * error forces a generic relist before the retry. Resolves when stopped.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.#inUse = true;
    const stopTicker = this.#startGlobalCacheTicker();
    try {
      while (!signal.aborted) {
        if (this.#failures >= this.#maxRetries) {
          this.#fallBack("Evented PLEG is not working");
          return;
        }
        let err: unknown;
        try {
          for await (const event of this.#source.containerEvents(signal)) {
            this.handleEvent(event);
          }
          if (signal.aborted) return;
          err = new Error("container event stream ended");
        } catch (e) {
          if (signal.aborted) return;
          err = e;
        }
        this.#failures++;
        this.#onStreamError?.(err);
        if (err instanceof EventStreamUnsupportedError) {
          this.#fallBack("the runtime does not implement GetContainerEvents");
          return;
        }
        this.#logger.debug(4, "Evented PLEG: Failed to get container events, retrying", { err });
        await this.#generic.relist();
      }
    } finally {
      await stopTicker();
      this.#inUse = false;
    }
  }

  /**
   * Handles one event from the stream: builds the pod status from it and
   * stores it in the cache (an update older than the cached one is dropped,
   * and sends nothing), deletes the pod from the cache when its sandbox was
   * deleted, and sends the mapped events. Returns the events sent.
   */
  handleEvent(event: ContainerEvent): PodLifecycleEvent[] {
    const status = event.podStatus;
    if (!status) {
      this.#logger.debug(4, "Evented PLEG: Skipping event without sandbox status", {
        containerID: event.containerId,
      });
      return [];
    }
    const uid = status.uid;
    status.ips = keepPodIps(status, this.#cache.get(uid).status);
    let send: boolean;
    if (event.type === "deleted") {
      if (status.sandboxStatuses.some((s) => s.id === event.containerId)) this.#cache.delete(uid);
      send = true;
    } else {
      send = this.#cache.set(uid, status, undefined, event.createdAt);
    }
    if (!send) return [];
    const sent: PodLifecycleEvent[] = [];
    for (const type of EVENT_TYPES[event.type] ?? []) {
      const e = { podUid: uid, type, data: event.containerId };
      if (this.#channel.send(e)) sent.push(e);
      else {
        this.#logger.error("Evented PLEG: Event channel is full, discarded event", {
          podUID: uid,
          type,
        });
      }
    }
    return sent;
  }

  #fallBack(why: string): void {
    this.#logger.info("Fall back to Generic PLEG relisting", { reason: why });
    this.#inUse = false;
    this.#generic.setRelistTiming(this.#relistPeriodMs, this.#relistThresholdMs);
  }

  /**
   * Bumps the cache's global timestamp every period so blocked pod workers
   * are not stuck; the returned function stops the ticker and resolves once
   * it has ended.
   */
  #startGlobalCacheTicker(): () => Promise<void> {
    const stop = new AbortController();
    const ticker = runEvery((now) => this.#cache.updateTime(now), {
      clock: this.#clock,
      periodMs: this.#globalPeriodMs,
      signal: stop.signal,
      immediate: false,
    });
    return () => {
      stop.abort();
      return ticker;
    };
  }
}
