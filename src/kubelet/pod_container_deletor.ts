/**
 * The per-pod container deletor (the kubelet's podContainerDeletor): after a
 * container dies, dead instances of that container beyond the newest `keep`
 * are removed at once, instead of waiting for the next minute's container GC.
 * The newest dead instance always stays: the restart count and the
 * lastState of the status depend on it.
 *
 * @module
 */

import type { PodStatus } from "../container/runtime.ts";
import { type Logger, nullLogger } from "../util/logger.ts";

/**
 * The ids of dead instances of the container `containerId` belongs to, beyond
 * the newest `keep` (at least 1), newest first in `status`.
 */
export function deadContainersToRemove(
  status: PodStatus,
  containerId: string,
  keep: number,
): string[] {
  const died = status.containerStatuses.find((c) => c.id === containerId);
  if (!died) return [];
  const dead = status.containerStatuses
    .filter((c) => c.name === died.name && c.state === "exited")
    .sort((a, b) => b.createdAt - a.createdAt);
  return dead.slice(Math.max(1, keep)).map((c) => c.id);
}

/** Options for {@linkcode PodContainerDeletor}. */
export interface PodContainerDeletorOptions {
  /** Removes one container (the CRI RemoveContainer). */
  removeContainer(containerId: string): Promise<void>;
  /** Dead instances kept per container: `--maximum-dead-containers-per-container`, at least 1. */
  keep: number;
  /** @default nullLogger */
  logger?: Logger;
}

/** Removes surplus dead instances after ContainerDied events, one removal at a time. */
export class PodContainerDeletor {
  #options: PodContainerDeletorOptions;
  #queue = Promise.resolve();
  #pending = new Set<string>();

  constructor(options: PodContainerDeletorOptions) {
    this.#options = options;
  }

  /** Schedules removal of the surplus dead instances next to `containerId`. */
  deleteDeadContainers(status: PodStatus, containerId: string): Promise<void> {
    const ids = deadContainersToRemove(status, containerId, this.#options.keep)
      .filter((id) => !this.#pending.has(id));
    for (const id of ids) this.#pending.add(id);
    const logger = this.#options.logger ?? nullLogger;
    this.#queue = this.#queue.then(async () => {
      for (const id of ids) {
        try {
          await this.#options.removeContainer(id);
          logger.debug(4, "Removed dead container", { pod: status.name, containerId: id });
        } catch (err) {
          logger.warn("Failed to remove dead container", { containerId: id, err });
        } finally {
          this.#pending.delete(id);
        }
      }
    });
    return this.#queue;
  }
}
