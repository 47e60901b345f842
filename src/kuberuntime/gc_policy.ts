/**
 * The container garbage collection policy (kubelet's container.GCPolicy),
 * from `--minimum-container-ttl-duration`,
 * `--maximum-dead-containers-per-container` and `--maximum-dead-containers`.
 *
 * @module
 */

/** How many dead containers are kept, and from what age they may go. */
export interface GCPolicy {
  /** Minimum age in ms before a dead container may be removed. */
  minAgeMs: number;
  /** Dead containers kept per (pod UID, container name); negative = no limit. */
  maxPerPodContainer: number;
  /** Dead containers kept on the node; negative = no limit. */
  maxContainers: number;
}

/** The kubelet's effective defaults: MinAge 0, MaxPerPodContainer 1, MaxContainers -1. */
export const DEFAULT_GC_POLICY: Readonly<GCPolicy> = {
  minAgeMs: 0,
  maxPerPodContainer: 1,
  maxContainers: -1,
};

/**
 * Returns `policy` when it is valid; throws RangeError on a negative or
 * non-finite MinAge, or a count that is not an integer.
 */
export function validateGCPolicy(policy: GCPolicy): GCPolicy {
  if (!Number.isFinite(policy.minAgeMs) || policy.minAgeMs < 0) {
    throw new RangeError(
      `Cannot use container GC policy: field 'minAgeMs' must be >= 0, got ${policy.minAgeMs}`,
    );
  }
  for (const key of ["maxPerPodContainer", "maxContainers"] as const) {
    if (!Number.isInteger(policy[key])) {
      throw new RangeError(
        `Cannot use container GC policy: field '${key}' must be an integer, got ${policy[key]}`,
      );
    }
  }
  return policy;
}
