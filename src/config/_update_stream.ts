/**
 * The fan-out behind `PodConfig.updates()`: every subscriber gets its own
 * unbounded queue of deep copies, so a slow consumer never blocks a source.
 *
 * @module
 */

import type { PodUpdate } from "./pod_update.ts";

type Listener = (update: PodUpdate) => void;

/** Publishes updates to every current subscriber. */
export class UpdateStream {
  #listeners = new Set<Listener>();

  /** Gives `update` (a copy each) to every subscriber. */
  publish(update: PodUpdate): void {
    for (const listener of this.#listeners) listener(update);
  }

  /**
   * Every update published after this call, in order, until `signal` aborts (the
   * iteration then ends without error).
   */
  subscribe(signal: AbortSignal): AsyncIterable<PodUpdate> {
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
}
