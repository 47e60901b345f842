/**
 * Pod admission on the node (kubelet's predicate admit handler, the part
 * that applies without an API server): the `--max-pods` limit.
 *
 * @module
 */

/** The verdict of {@linkcode admitPod}. */
export type AdmitResult =
  | { admit: true }
  | { admit: false; reason: string; message: string };

/**
 * Whether one more pod fits next to `activePods` admitted ones under
 * `maxPods`. A refusal carries the kubelet's reason and message:
 * `OutOfpods`, "Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110".
 */
export function admitPod(activePods: number, maxPods: number): AdmitResult {
  if (activePods < maxPods) return { admit: true };
  return {
    admit: false,
    reason: "OutOfpods",
    message:
      `Node didn't have enough resource: pods, requested: 1, used: ${activePods}, capacity: ${maxPods}`,
  };
}
