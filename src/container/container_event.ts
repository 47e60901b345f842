/**
 * One event of the runtime's container event stream, in the runtime-neutral
 * model: what happened to which container, when, and the pod's status the
 * runtime sent with it. The evented PLEG consumes these; src/kuberuntime
 * builds them from the CRI's ContainerEventResponse.
 *
 * @module
 */

import type { PodStatus } from "./runtime.ts";

/** What happened to the container (the CRI's ContainerEventType). */
export type ContainerEventType = "created" | "started" | "stopped" | "deleted";

/** One container event. */
export interface ContainerEvent {
  containerId: string;
  type: ContainerEventType;
  /** When the runtime generated the event, ms since the epoch. */
  createdAt: number;
  /** The pod's status sent with the event; undefined when it carried no sandbox status. */
  podStatus?: PodStatus;
}

/** The output of a command run in a container. */
export interface ExecResult {
  exitCode: number;
  stdout: Uint8Array | string;
  stderr: Uint8Array | string;
}
