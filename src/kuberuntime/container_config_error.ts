/**
 * The error of a container configuration that cannot be built (a missing
 * ConfigMap or Secret, an unknown fieldRef, a root user under runAsNonRoot):
 * the start step reports it as the kubelet's `CreateContainerConfigError`.
 *
 * Its message is shown in the pod status, an event and the logs, so it names
 * objects, keys and fields but never a resolved value.
 *
 * @module
 */

/** A container configuration that cannot be built; becomes CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}
