/**
 * The errors the {@linkcode Runtime} door throws that callers branch on, in
 * runtime-neutral terms (src/kuberuntime maps the CRI's gRPC errors to them),
 * so no consumer of the runtime needs to know the CRI.
 *
 * @module
 */

/** A command run in a container (exec probe, exec hook) ran out of time. */
export class CommandTimedOutError extends Error {
  constructor(message = "command timed out", options?: ErrorOptions) {
    super(message, options);
    this.name = "CommandTimedOutError";
  }
}

/** The runtime has no container event stream (CRI GetContainerEvents unimplemented). */
export class EventStreamUnsupportedError extends Error {
  constructor(message = "the runtime does not implement container events", options?: ErrorOptions) {
    super(message, options);
    this.name = "EventStreamUnsupportedError";
  }
}
