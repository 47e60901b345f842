/**
 * The vocabulary shared by the pod sources and the {@linkcode PodConfig} merger:
 * operations, updates, the {@linkcode PodSource} interface and the event callback,
 * as in the kubelet's pkg/kubelet/types/pod_update.go.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";

/**
 * What an update means, in the kubelet's words:
 * - `SET`: the complete current state of one source (or of all, source `*`);
 * - `ADD`: pods new to the node (an empty ADD is the readiness signal of a source
 *   whose first state brought nothing to add, update or delete);
 * - `UPDATE`: pods whose spec, labels or non-local annotations changed;
 * - `DELETE`: pods the source deletes gracefully (`metadata.deletionTimestamp` set);
 * - `REMOVE`: pods gone from their source;
 * - `RECONCILE`: pods where only the status differs.
 */
export type PodOperation = "SET" | "ADD" | "UPDATE" | "DELETE" | "REMOVE" | "RECONCILE";

/** One step of the merged stream: an operation on pods of one source. */
export interface PodUpdate {
  op: PodOperation;
  /** `file`, `http`, `api`, or `*` for a {@linkcode PodOperation} `SET` of all sources. */
  source: string;
  /** Deep copies; the receiver may keep and change them. */
  pods: Pod[];
}

/**
 * Anything that yields pods: the static pod directory, the manifest URL and, later,
 * the API server (source name `api`). A source sends complete snapshots of its pods;
 * the merger works out the operations (the newest kubelet design).
 */
export interface PodSource {
  /** The source name stamped into `kubernetes.io/config.source`: `file`, `http`, `api`. */
  readonly name: string;
  /**
   * Runs until `signal` aborts, calling `send` with the full set of pods of this
   * source every time it may have changed (at least once when it has a first state).
   * Resolves after the abort; it does not reject for the abort itself.
   */
  run(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<void>;
}
