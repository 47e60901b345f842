/**
 * Exec probes (kubelet's pkg/probe/exec over the runtime's ExecSync): the command runs
 * in the container with the probe's timeout; exit code 0 is healthy.
 *
 * @module
 */

import { CommandTimedOutError } from "../container/runtime_errors.ts";
import { errored, failure, type ProbeOutcome, success } from "./probe_result.ts";

/** How much command output a probe keeps (the kubelet keeps 10 KiB). */
export const MAX_EXEC_OUTPUT_BYTES = 10 * 1024;

/**
 * What an exec probe needs of the runtime: structurally `Runtime.execSync`
 * (src/container/runtime.ts). A call that runs out of time rejects with
 * `CommandTimedOutError` (src/container/runtime_errors.ts).
 */
export interface ExecSyncRunner {
  execSync(
    containerId: string,
    cmd: string[],
    options?: { timeoutSeconds?: number; signal?: AbortSignal },
  ): Promise<{ exitCode: number; stdout: Uint8Array | string; stderr: Uint8Array | string }>;
}

function text(data: Uint8Array | string): string {
  return typeof data === "string" ? data : new TextDecoder().decode(data);
}

function isTimeout(error: unknown): boolean {
  return error instanceof CommandTimedOutError ||
    (error instanceof Error && error.name === "CommandTimedOutError");
}

/**
 * Runs `cmd` in the container through `runner.execSync` with
 * `timeoutSeconds`. Exit 0 is success, any other exit code a failure whose
 * output is the command's combined stdout and stderr (at most 10 KiB); a
 * timeout is a failure; any other error is an error outcome (retried).
 */
export async function execProbe(
  runner: ExecSyncRunner,
  request: { containerId: string; cmd: string[]; timeoutSeconds: number },
): Promise<ProbeOutcome> {
  if (request.cmd.length === 0) {
    return errored(new TypeError("Cannot run exec probe: the command is empty"));
  }
  let reply;
  try {
    reply = await runner.execSync(request.containerId, request.cmd, {
      timeoutSeconds: request.timeoutSeconds,
    });
  } catch (e) {
    if (isTimeout(e)) {
      return failure(
        `command ${
          JSON.stringify(request.cmd.join(" "))
        } timed out after ${request.timeoutSeconds}s`,
      );
    }
    return errored(e instanceof Error ? e : new Error(String(e)));
  }
  let output = text(reply.stdout) + text(reply.stderr);
  if (output.length > MAX_EXEC_OUTPUT_BYTES) output = output.slice(0, MAX_EXEC_OUTPUT_BYTES);
  if (reply.exitCode === 0) return success(output);
  return failure(output === "" ? `command exited with code ${reply.exitCode}` : output);
}
