/**
 * The outcome of one probe action, as a value: what the four probe kinds
 * (HTTP, TCP, exec, gRPC) return and what workers count towards thresholds.
 *
 * A probe that runs and finds the target unhealthy is a `"failure"` with an
 * output text ("HTTP probe failed with statuscode: 500"). A probe that could
 * not be run at all (a named port the container does not declare, the runtime
 * refusing ExecSync) carries an `error`: only those are retried, as the
 * kubelet's `maxProbeRetries` does.
 *
 * @module
 */

/**
 * The result of one probe action (kubelet's probe.Result): `"warning"` counts
 * as success but is reported with a ProbeWarning event (an HTTP redirect to
 * another host that was not followed).
 */
export type ProbeResult = "success" | "warning" | "failure" | "unknown";

/** One probe action's result, its output text, and the error when it could not run. */
export interface ProbeOutcome {
  result: ProbeResult;
  /** Human-readable output: the failure reason, or the body/command output on success. */
  output: string;
  /** Set when the probe could not be run (result is then `"unknown"`); such probes are retried. */
  error?: Error;
}

/** The kinds of probe a container declares. */
export type ProbeType = "liveness" | "readiness" | "startup";

/** Every probe type, in the order workers are created (startup first, as it gates the others). */
export const PROBE_TYPES: readonly ProbeType[] = ["startup", "readiness", "liveness"];

/** The capitalised name the kubelet uses in events and metrics ("Liveness"). */
export function probeTypeName(type: ProbeType): "Liveness" | "Readiness" | "Startup" {
  switch (type) {
    case "liveness":
      return "Liveness";
    case "readiness":
      return "Readiness";
    case "startup":
      return "Startup";
  }
}

/** A successful outcome. */
export function success(output = ""): ProbeOutcome {
  return { result: "success", output };
}

/** A failed outcome with its reason. */
export function failure(output: string): ProbeOutcome {
  return { result: "failure", output };
}

/** An outcome for a probe that could not be run. */
export function errored(error: Error): ProbeOutcome {
  return { result: "unknown", output: "", error };
}
