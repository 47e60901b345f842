/**
 * What the pod lifecycle event generators (generic relisting and evented)
 * tell the sync loop: kubelet's pleg.PodLifecycleEvent, and the bounded
 * channel both generators write into.
 *
 * @module
 */

/** Kinds of pod lifecycle events (kubelet's names). */
export type PodLifecycleEventType =
  | "ContainerStarted"
  | "ContainerDied"
  | "ContainerRemoved"
  | "PodSync"
  | "ContainerChanged";

/** One pod lifecycle event. */
export interface PodLifecycleEvent {
  podUid: string;
  type: PodLifecycleEventType;
  /** The container (or sandbox) id the event is about. */
  data: string;
}

/** A health verdict for the node's runtime state ("PLEG" check). */
export interface PlegHealth {
  ok: boolean;
  message: string;
}

/** Options for {@linkcode EventChannel}. */
export interface EventChannelOptions {
  /** Events buffered before new ones are dropped (kubelet: plegChannelCapacity). @default 1000 */
  capacity?: number;
  /** Called for each dropped event (metric kubelet_pleg_discard_events). @default undefined */
  onDiscard?: (event: PodLifecycleEvent) => void;
}

/**
 * A bounded single-consumer queue of events, like the kubelet's buffered Go
 * channel: {@linkcode EventChannel.send} never blocks and drops the event
 * when the buffer is full.
 */
export class EventChannel {
  readonly capacity: number;
  #buffer: PodLifecycleEvent[] = [];
  #discarded = 0;
  #onDiscard?: (event: PodLifecycleEvent) => void;
  #wake?: () => void;

  constructor(options: EventChannelOptions = {}) {
    const capacity = options.capacity ?? 1000;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Cannot create event channel: capacity must be >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#onDiscard = options.onDiscard;
  }

  /** Buffered events not yet received. */
  get length(): number {
    return this.#buffer.length;
  }

  /** How many events were dropped because the buffer was full. */
  get discarded(): number {
    return this.#discarded;
  }

  /** Queues an event; returns false (and counts it) when the buffer is full. */
  send(event: PodLifecycleEvent): boolean {
    if (this.#buffer.length >= this.capacity) {
      this.#discarded++;
      this.#onDiscard?.(event);
      return false;
    }
    this.#buffer.push(event);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    return true;
  }

  /** Takes every buffered event without waiting. */
  drain(): PodLifecycleEvent[] {
    return this.#buffer.splice(0);
  }

  /** Yields events as they are sent, until `signal` aborts. Only one receiver at a time. */
  async *receive(signal: AbortSignal): AsyncIterable<PodLifecycleEvent> {
    while (!signal.aborted) {
      const next = this.#buffer.shift();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal.addEventListener("abort", onAbort, { once: true });
        this.#wake = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
      });
    }
  }
}
