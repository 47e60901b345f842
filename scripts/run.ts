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
 * `--help`/`--version` and bad flags are answered by the agent itself, so the
 * messages are the same as the compiled binary's.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { loadKubeletOptions } from "../src/options/kubelet_options.ts";
import { OptionsError } from "../src/options/options_error.ts";
import { computePermissions, permissionFlags } from "../src/options/permissions.ts";

/** The `deno run` command line for `args`, or undefined when options cannot be read. */
export async function buildRunCommand(
  args: readonly string[],
  denoPath: string,
): Promise<string[]> {
  const mainPath = fileURLToPath(new URL("../main.ts", import.meta.url));
  let flags: string[] = [];
  try {
    const result = await loadKubeletOptions(args, { hostname: Deno.hostname });
    if (result.kind === "run") {
      const perms = computePermissions(result.options);
      // main.ts creates the root dir and the pod log dir on first start.
      flags = permissionFlags(perms);
    }
  } catch (err) {
    // The agent reports bad flags itself (one clear line, exit 1); it needs no
    // permissions to do that.
    if (!(err instanceof OptionsError)) throw err;
  }
  return [denoPath, "run", "--no-prompt", ...flags, mainPath, ...args];
}

if (import.meta.main) {
  const cmd = await buildRunCommand(Deno.args, Deno.execPath());
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
