/**
 * Runs the agent from source with the permissions its configuration needs:
 * reads the same flags and config file the agent will (and the static pod
 * manifests, for their hostPath volumes), computes the scoped `--allow-*`
 * lists with {@linkcode computeAgentPermissions}, and starts
 * `deno run <those flags> main.ts <args>`. The agent never runs with -A.
 *
 * ```sh
 * deno run --no-prompt --allow-read --allow-run="$(command -v deno)" --allow-sys=hostname \
 *   --allow-env=LOG_TOKENS,LOG_STREAM scripts/run.ts --pod-manifest-path=/etc/kubernetes/manifests
 * ```
 *
 * The launcher's own permissions: `--allow-run` for the Deno binary only
 * (deno.json computes its path), and reads only during start-up: what it reads
 * (the config file, the drop-in dir, the manifests) is named by the flags and
 * the config file, so it cannot be listed before it starts; once the command is
 * built it revokes read, env and sys, and for the rest of its life it can only
 * run Deno and signal the agent.
 *
 * It forwards SIGINT, SIGTERM and SIGHUP to the agent, waits for it, and exits
 * with the agent's exit code (128 + the signal number when a signal killed it).
 * `--help`/`--version` are answered by the agent itself; bad flags get the
 * same one-line message the agent prints, and exit 1.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import {
  computeAgentPermissions,
  DEFAULT_ENV_VARS,
  loadKubeletOptions,
  OptionsError,
  permissionFlags,
} from "../src/options/mod.ts";

/** The signals the launcher passes on to the agent. */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * The `deno run` command line for `args`, with the permissions computed from
 * them; `--help` and `--version` need none.
 *
 * Requires `--allow-read` on the config file, drop-in dir and manifest path.
 *
 * @throws {OptionsError} for bad flags or config (one line naming what is wrong).
 */
export async function buildRunCommand(
  args: readonly string[],
  denoPath: string,
): Promise<string[]> {
  const mainPath = fileURLToPath(new URL("../main.ts", import.meta.url));
  const result = await loadKubeletOptions(args, { hostname: Deno.hostname });
  // --help/--version only print, but loading main.ts needs the env names the
  // gRPC and YAML libraries read at import.
  const flags = result.kind === "run"
    ? permissionFlags(await computeAgentPermissions(result.options))
    : permissionFlags({ read: [], write: [], net: [], env: [...DEFAULT_ENV_VARS] });
  return [denoPath, "run", "--no-prompt", ...flags, mainPath, ...args];
}

/**
 * Gives up the permissions only start-up needed: read, env and sys. What is
 * left is `--allow-run` (the Deno binary) and signals.
 */
export async function dropStartupPermissions(): Promise<void> {
  for (const name of ["read", "env", "sys"] as const) {
    await Deno.permissions.revoke({ name });
  }
}

/** Options of {@linkcode superviseChild}. */
export interface SuperviseOptions {
  /** Signals passed on to the child. @default FORWARDED_SIGNALS */
  signals?: readonly Deno.Signal[];
}

/**
 * Spawns `cmd` with inherited stdio, forwards `signals` to it while it runs,
 * and resolves with its exit code (Deno reports 128 + the signal number for a
 * child killed by a signal). Listeners are in place before the child starts,
 * so no signal falls between the two, and removed once it has exited.
 *
 * Requires `--allow-run` for `cmd[0]`.
 */
export async function superviseChild(
  cmd: readonly string[],
  options: SuperviseOptions = {},
): Promise<number> {
  let child: Deno.ChildProcess | undefined;
  const pending: Deno.Signal[] = [];
  const forward = (sig: Deno.Signal) => {
    if (child === undefined) return void pending.push(sig);
    try {
      child.kill(sig);
    } catch {
      // already gone: its status settles below
    }
  };
  const listeners = (options.signals ?? FORWARDED_SIGNALS).map((sig) => {
    const listener = () => forward(sig);
    Deno.addSignalListener(sig, listener);
    return [sig, listener] as const;
  });
  try {
    child = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    for (const sig of pending) forward(sig);
    return (await child.status).code;
  } finally {
    for (const [sig, listener] of listeners) Deno.removeSignalListener(sig, listener);
  }
}

/** Drops the start-up permissions, then runs `cmd` as the agent; resolves with its exit code. */
export async function launch(cmd: readonly string[]): Promise<number> {
  await dropStartupPermissions();
  return await superviseChild(cmd);
}

if (import.meta.main) {
  let cmd: string[];
  try {
    cmd = await buildRunCommand(Deno.args, Deno.execPath());
  } catch (err) {
    if (!(err instanceof OptionsError)) throw err;
    // The same one line the agent prints for bad input.
    console.error(`denolet: ${err.message}`);
    Deno.exit(1);
  }
  try {
    Deno.exit(await launch(cmd));
  } catch (err) {
    console.error(`denolet: cannot start the agent: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
