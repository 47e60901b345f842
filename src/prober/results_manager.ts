/**
 * The latest probe verdict per container, for one probe type (kubelet's
 * prober/results.Manager). The prober manager keeps three: liveness,
 * readiness and startup. The pod sync reads liveness and startup to decide
 * kills; status generation reads readiness and startup.
 *
 * @module
 */

import type { ProbeVerdict, ProbeVerdicts } from "../container/runtime.ts";

export type { ProbeVerdict };

/** A verdict that changed, as {@linkcode ResultsManager.onUpdate} listeners get it. */
export interface ResultUpdate {
  containerId: string;
  result: ProbeVerdict;
  podUid: string;
}

/** A listener of {@linkcode ResultsManager.onUpdate}. */
export type ResultListener = (update: ResultUpdate) => void;

/** Verdicts by container id, with change notifications. */
export class ResultsManager implements ProbeVerdicts {
  #results = new Map<string, ProbeVerdict>();
  #listeners = new Set<ResultListener>();

  /** The verdict for a container, or undefined when none is recorded. */
  get(containerId: string): ProbeVerdict | undefined {
    return this.#results.get(containerId);
  }

  /**
   * Records a verdict. Listeners are told only when it differs from the
   * recorded one; returns whether it did.
   */
  set(containerId: string, result: ProbeVerdict, podUid: string): boolean {
    if (this.#results.get(containerId) === result) return false;
    this.#results.set(containerId, result);
    const update = { containerId, result, podUid };
    for (const listener of [...this.#listeners]) listener(update);
    return true;
  }

  /** Forgets a container's verdict (no notification). */
  remove(containerId: string): void {
    this.#results.delete(containerId);
  }

  /** Calls `listener` on every changed verdict; returns the unsubscribe function. */
  onUpdate(listener: ResultListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** How many containers have a verdict. */
  get size(): number {
    return this.#results.size;
  }
}
