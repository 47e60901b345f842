/**
 * Whether every pod source has delivered its first state, as the kubelet's
 * `SourcesReady` (pkg/kubelet/config/sources.go). Until then the agent must not treat
 * a pod missing from the merged state as deleted: container GC of deleted pods,
 * pod log directory GC and orphan cleanup wait for {@linkcode SourcesReady.allReady}.
 *
 * @module
 */

/** Answers "have all sources been seen?". */
export interface SourcesReady {
  /** True once every registered source has sent at least one full state. */
  allReady(): boolean;
}

/**
 * A {@linkcode SourcesReady} backed by a function, usually
 * `() => podConfig.seenAllSources()`.
 *
 * @example
 * ```ts
 * const ready = createSourcesReady(() => true);
 * ready.allReady(); // true
 * ```
 */
export function createSourcesReady(seenAllSources: () => boolean): SourcesReady {
  return { allReady: () => seenAllSources() };
}
