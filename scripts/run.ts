/**
 * Runs the agent with the permissions its configuration needs: reads the same
 * flags and config file the agent will (and the static pod manifests, for
 * their hostPath volumes), computes the scoped `--allow-*` lists with
 * {@linkcode computeAgentPermissions}, and starts
 * `deno run --v8-flags=<AGENT_V8_FLAGS> <those flags> <bundle>/main.js <args>`.
 * The agent never runs with -A.
 *
 * The agent runs from its bundle (scripts/bundle.ts: `deno bundle` of main.ts,
 * cached outside the repository under a hash of the sources, built at the
 * first start after an edit): it loads in a few files instead of ~500 modules,
 * which costs less memory and start time. `DENOLET_FROM_SOURCE=1` runs main.ts
 * from source instead; when the bundle cannot be built, one line on stderr
 * says why and the agent runs from source. `--help`, `--version` and the CLI
 * (`pods`, `logs`, `exec`) run from source.
 *
 * Two ways to use it. scripts/start.sh (what `deno task start` runs) calls
 * `run.ts --print-command <args>`, which only prints that command line,
 * shell-quoted, and exits; the shell then `exec`s it, so nothing but the
 * agent stays resident. Run directly, it stays as the agent's parent:
 *
 * ```sh
 * deno run --no-prompt --allow-read --allow-run="$(command -v deno)" --allow-sys=hostname \
 *   --allow-write="$HOME/.cache/denolet/bundle" \
 *   --allow-env=LOG_TOKENS,LOG_STREAM,DENOLET_FROM_SOURCE,DENOLET_BUNDLE_CACHE,XDG_CACHE_HOME,HOME \
 *   scripts/run.ts --pod-manifest-path=/etc/kubernetes/manifests
 * ```
 *
 * The launcher's own permissions: `--allow-run` for the Deno binary only
 * (deno.json computes its path; it runs `deno bundle` and the agent), writes
 * only to the bundle cache, and reads only during start-up: what it reads
 * (the config file, the drop-in dir, the manifests) is named by the flags and
 * the config file, so it cannot be listed before it starts; once the command is
 * built it revokes read, write, env and sys, and for the rest of its life it
 * can only run Deno and signal the agent.
 *
 * It forwards SIGINT, SIGTERM and SIGHUP to the agent, waits for it, and exits
 * with the agent's exit code (128 + the signal number when a signal killed it).
 * `--help`/`--version` are answered by the agent itself; bad flags get the
 * same one-line message the agent prints, and exit 1.
 *
 * @module
 */

import {
  computeAgentPermissions,
  DEFAULT_ENV_VARS,
  loadKubeletOptions,
  OptionsError,
  permissionFlags,
} from "../src/options/mod.ts";
import { CliUsageError, isCliCommand, parseCliArgs } from "../src/cli/cli_args.ts";
import { cliPermissions } from "../src/cli/agent_endpoint.ts";
import { type BundleOptions, defaultBundleCacheDir, ensureBundle, REPO_ROOT } from "./bundle.ts";
import { memoizedBundleKey } from "./bundle_key_memo.ts";
import {
  ensureLauncherBundle,
  LAUNCHER_STALE_EXIT,
  launcherKey,
  ownLauncherKey,
} from "./launcher_bundle.ts";

/**
 * The V8 flags the agent runs with, from source (here) and compiled
 * (scripts/compile.ts). `--max-semi-space-size=1` (MiB) caps the young
 * generation: V8 grows each of its two semi-spaces to 8 MiB under allocation
 * and keeps them, which an idle agent never needs (measured: ≈ 6–9 MiB less
 * RSS, same start time; see bench/memory_bench.ts). `--expose-gc` gives the
 * agent V8's memory-reducing GC, which its memory trim runs after bursts
 * (src/util/memory_trim.ts: V8 otherwise keeps the pages a burst grew the heap
 * to; measured on containerd, 110 idle pods: 143 → 99 MiB).
 */
export const AGENT_V8_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--expose-gc"];

/** The first argument that makes run.ts print the command instead of running it. */
export const PRINT_COMMAND_FLAG = "--print-command";

/** Set to `1`, the agent runs from main.ts instead of its bundle. */
export const FROM_SOURCE_ENV = "DENOLET_FROM_SOURCE";

/** The signals the launcher passes on to the agent. */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Options of {@linkcode buildRunCommand}. */
export interface RunCommandOptions {
  /** Run main.ts instead of the bundle. @default `DENOLET_FROM_SOURCE=1` in the environment */
  fromSource?: boolean;
  /** Where the bundle is built and kept (scripts/bundle.ts). @default the bundle defaults */
  bundle?: BundleOptions;
  /** Where the line saying the bundle could not be built goes. @default console.error */
  warn?: (line: string) => void;
}

/**
 * The `deno run` command line for `args`, with the permissions computed from
 * them, running the agent's bundle (built first when the sources changed;
 * {@linkcode ensureBundle}) or, with `fromSource` or when bundling fails,
 * main.ts. `--help` and `--version` need no permissions and run main.ts. For
 * the CLI (`pods`, `logs`, `exec` first: src/cli) main.ts with only
 * `--allow-net=127.0.0.1:<read-only port>`, and with `--config` read of that
 * file and the YAML parser's env names (`cliPermissions`); no V8 flags.
 *
 * Requires `--allow-read` on the config file, drop-in dir and manifest path,
 * and for the bundle `--allow-read` on the repository, `--allow-write` on the
 * bundle cache and `--allow-run` for the running Deno binary.
 *
 * @throws {OptionsError} for bad flags or config (one line naming what is wrong).
 */
export async function buildRunCommand(
  args: readonly string[],
  denoPath: string,
  options: RunCommandOptions = {},
): Promise<string[]> {
  const mainPath = `${REPO_ROOT}/main.ts`;
  if (isCliCommand(args[0])) {
    // `denolet pods|logs|exec`: only the agent's loopback port (and --config); bad CLI
    // arguments get no permission at all, the CLI says what is wrong.
    const cli = await cliCommandPermissions(args);
    return [denoPath, "run", "--no-prompt", ...permissionFlags(cli), mainPath, ...args];
  }
  const result = await loadKubeletOptions(args, { hostname: Deno.hostname });
  // --help/--version only print, but loading main.ts needs the env names the
  // gRPC and YAML libraries read at import.
  const flags = result.kind === "run"
    ? permissionFlags(await computeAgentPermissions(result.options))
    : permissionFlags({ read: [], write: [], net: [], env: [...DEFAULT_ENV_VARS] });
  const entry = result.kind === "run" ? await agentEntry(mainPath, options) : mainPath;
  return [
    denoPath,
    "run",
    `--v8-flags=${AGENT_V8_FLAGS.join(",")}`,
    "--no-prompt",
    ...flags,
    entry,
    ...args,
  ];
}

/** The bundle's main.js, or `mainPath` from source (asked for, or the bundle failed). */
async function agentEntry(mainPath: string, options: RunCommandOptions): Promise<string> {
  if (options.fromSource ?? envIfGranted(FROM_SOURCE_ENV) === "1") return mainPath;
  try {
    return await ensureBundle(options.bundle);
  } catch (e) {
    (options.warn ?? console.error)(
      `denolet: running main.ts from source: cannot bundle the agent: ${
        e instanceof Error ? e.message : e
      }`,
    );
    return mainPath;
  }
}

/** `name` from the environment, or undefined when unset or not granted (never prompts). */
function envIfGranted(name: string): string | undefined {
  const granted = Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
  return granted ? Deno.env.get(name) : undefined;
}

/** The CLI's permissions for `args` (src/cli), none when they do not parse. */
async function cliCommandPermissions(args: readonly string[]) {
  const none = { read: [], write: [], net: [], env: [] };
  let parsed;
  try {
    parsed = parseCliArgs(args);
  } catch (e) {
    if (e instanceof CliUsageError) return none;
    throw e;
  }
  try {
    return await cliPermissions(parsed);
  } catch (e) {
    if (e instanceof CliUsageError) return { ...none, read: parsed.config ? [parsed.config] : [] };
    throw e;
  }
}

/**
 * `args` as one POSIX shell line: every word in single quotes (a `'` inside
 * becomes `'\''`), so `eval "exec $line"` runs exactly these words.
 */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
}

/**
 * Gives up the permissions only start-up needed: read, write, env and sys.
 * What is left is `--allow-run` (the Deno binary) and signals.
 */
export async function dropStartupPermissions(): Promise<void> {
  for (const name of ["read", "write", "env", "sys"] as const) {
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

/** Builds the launcher bundle start.sh runs next time; a failure only costs start time, so it is one line. */
async function buildLauncherBundle(key: string): Promise<void> {
  try {
    await ensureLauncherBundle({ key, cacheDir: defaultBundleCacheDir() });
  } catch (e) {
    console.error(`denolet: the launcher runs from source: ${e instanceof Error ? e.message : e}`);
  }
}

if (import.meta.main) {
  const printOnly = Deno.args[0] === PRINT_COMMAND_FLAG;
  const args = printOnly ? Deno.args.slice(1) : Deno.args;
  let cmd: string[];
  try {
    if (printOnly) {
      // start.sh's print step, from the launcher bundle or from source.
      const own = await ownLauncherKey(import.meta.url);
      const agentKey = await memoizedBundleKey({ cacheDir: defaultBundleCacheDir() });
      const key = await launcherKey(agentKey);
      if (own !== undefined && own !== key) Deno.exit(LAUNCHER_STALE_EXIT);
      cmd = await buildRunCommand(args, Deno.execPath(), { bundle: { key: agentKey } });
      if (own === undefined) await buildLauncherBundle(key);
    } else {
      cmd = await buildRunCommand(args, Deno.execPath());
    }
  } catch (err) {
    if (!(err instanceof OptionsError)) throw err;
    // The same one line the agent prints for bad input.
    console.error(`denolet: ${err.message}`);
    Deno.exit(1);
  }
  if (printOnly) {
    console.log(shellQuote(cmd));
    Deno.exit(0);
  }
  try {
    Deno.exit(await launch(cmd));
  } catch (err) {
    console.error(`denolet: cannot start the agent: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
