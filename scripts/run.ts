/**
 * Runs the agent from source with the permissions its configuration needs:
 * reads the same flags and config file the agent will, computes the scoped
 * `--allow-*` lists with {@linkcode computePermissions}, and starts
 * `deno run <those flags> main.ts <args>`. The agent never runs with -A.
 *
 * ```sh
 * deno run --allow-read --allow-run --allow-sys=hostname --allow-env=LOG_TOKENS,LOG_STREAM \
 *   scripts/run.ts --pod-manifest-path=/etc/kubernetes/manifests
 * ```
 *
 * `--help`/`--version` are answered by the agent itself; bad flags get the
 * same one-line message the agent prints, and exit 1.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { loadKubeletOptions } from "../src/options/kubelet_options.ts";
import { OptionsError } from "../src/options/options_error.ts";
import {
  computePermissions,
  DEFAULT_ENV_VARS,
  permissionFlags,
} from "../src/options/permissions.ts";

/**
 * The `deno run` command line for `args`, with the permissions computed from
 * them; `--help` and `--version` need none.
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
    ? permissionFlags(computePermissions(result.options))
    : permissionFlags({ read: [], write: [], net: [], env: [...DEFAULT_ENV_VARS] });
  return [denoPath, "run", "--no-prompt", ...flags, mainPath, ...args];
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
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      try {
        child.kill(sig);
      } catch {
        // already gone
      }
    });
  }
  const status = await child.status;
  Deno.exit(status.code);
}
