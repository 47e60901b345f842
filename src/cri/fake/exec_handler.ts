/**
 * How the fake runtime answers ExecSync: a replaceable handler, a default
 * that runs what the fake knows of the command, and the exec timeout taken
 * from the request.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { Clock } from "../../util/clock.ts";
import type { FakeContainer } from "./container_store.ts";
import { RpcError } from "./_util.ts";
import { planCommand } from "./command_plan.ts";

/** What an exec returns; text is UTF-8 encoded. */
export interface ExecResult {
  stdout?: string | Uint8Array;
  stderr?: string | Uint8Array;
  /** @default 0 */
  exitCode?: number;
}

/**
 * Answers one ExecSync. `signal` aborts when the exec times out; `clock` is the
 * fake's clock, for handlers that take time.
 */
export type ExecHandler = (
  container: FakeContainer,
  cmd: string[],
  context: { clock: Clock; signal: AbortSignal },
) => ExecResult | Promise<ExecResult>;

/**
 * The default exec runs what the fake knows of the command line (the rules of
 * command_plan.ts): `sh -c "echo hello; echo err >&2; exit 3"` prints both
 * lines and exits 3, `sleep N` waits N seconds on the clock, `false` exits 1,
 * `sleep infinity` runs until the exec times out. A command the fake does
 * not know exits 0 with the command, joined by spaces, as stdout.
 */
export const defaultExecHandler: ExecHandler = async (_container, cmd, { clock, signal }) => {
  const plan = planCommand(cmd);
  if (plan.end.kind === "run" && !plan.end.known) return { stdout: cmd.join(" "), exitCode: 0 };
  let stdout = "";
  let stderr = "";
  for (const step of plan.steps) {
    if (step.kind === "sleep") await clock.sleep(step.ms, signal);
    else if (step.stream === "stdout") stdout += step.text;
    else stderr += step.text;
  }
  if (plan.end.kind === "run") {
    await new Promise((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }
  return { stdout, stderr, exitCode: plan.end.kind === "exit" ? plan.end.exitCode : 0 };
};

function bytes(data: string | Uint8Array | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/** One exec for {@linkcode runExec}. */
export interface ExecCall {
  container: FakeContainer;
  cmd: string[];
  /** Seconds; 0 means no limit. */
  timeoutSeconds: number;
  /** The clock the timeout is measured on. */
  clock: Clock;
}

/**
 * Runs `handler` with the request's timeout measured on the clock; a timeout
 * answers DeadlineExceeded like containerd does.
 */
export async function runExec(
  handler: ExecHandler,
  call: ExecCall,
): Promise<{ stdout: Uint8Array; stderr: Uint8Array; exitCode: number }> {
  const { container, cmd, timeoutSeconds, clock } = call;
  const controller = new AbortController();
  const work = Promise.resolve().then(() =>
    handler(container, cmd, { clock, signal: controller.signal })
  );
  let result: ExecResult;
  if (timeoutSeconds > 0) {
    let cancel = () => {};
    const timedOut = new Promise<"timeout">((resolve) => {
      cancel = clock.after(timeoutSeconds * 1000, () => resolve("timeout"));
    });
    const winner = await Promise.race([work, timedOut]);
    cancel();
    if (winner === "timeout") {
      controller.abort();
      work.catch(() => {});
      throw new RpcError(
        status.DEADLINE_EXCEEDED,
        `failed to exec in container: timeout ${timeoutSeconds}s exceeded: context deadline exceeded`,
      );
    }
    result = winner;
  } else {
    result = await work;
  }
  return {
    stdout: bytes(result.stdout),
    stderr: bytes(result.stderr),
    exitCode: result.exitCode ?? 0,
  };
}
