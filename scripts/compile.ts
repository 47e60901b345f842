/**
 * Builds the single denolet binary with `deno compile`, baking in the minimal
 * permission set computed from the configuration (never -A):
 *
 * ```sh
 * deno run --no-prompt --allow-read --allow-run="$(command -v deno)" --allow-sys=hostname \
 *   --allow-write="$HOME/.cache/denolet/bundle" \
 *   --allow-env=DENORT_BIN,LOG_TOKENS,LOG_STREAM,DENOLET_BUNDLE_CACHE,XDG_CACHE_HOME,HOME \
 *   scripts/compile.ts [--output dist/denolet] [--target triple] [-- kubelet flags...]
 * ```
 *
 * It compiles the agent's bundle (scripts/bundle.ts: built into the bundle
 * cache when the sources changed), the same main.js scripts/run.ts runs, so
 * the binary loads a few modules instead of ~500; when the bundle cannot be
 * built, one line says why and it compiles main.ts. It runs only the Deno
 * binary and writes only to the bundle cache (`deno compile` writes the
 * output). The hostPath paths granted are those of the manifests
 * in `--pod-manifest-path` when the binary is built (plus `--allow-host-path`).
 *
 * The kubelet flags (e.g. `--config /etc/denolet/config.yaml` or
 * `--container-runtime-endpoint embedded`) only decide the permissions; run the
 * binary with the same flags. `deno compile` needs the `denort` base binary:
 * it downloads it, or takes the file named by the DENORT_BIN environment
 * variable (which it reads itself).
 *
 * @module
 */

import {
  computeAgentPermissions,
  loadKubeletOptions,
  OptionsError,
  permissionFlags,
  type Permissions,
} from "../src/options/mod.ts";
import { AGENT_V8_FLAGS } from "./run.ts";
import { ensureBundle } from "./bundle.ts";

/** Printed when `deno compile` cannot get its base binary. */
export const DENORT_MESSAGE =
  "deno compile needs the denort base binary: set DENORT_BIN=/path/to/denort (download blocked here)";

/** Options of {@linkcode buildCompileCommand}. */
export interface CompileCommandOptions {
  /** The permissions the binary runs with. */
  permissions: Permissions;
  /** The deno executable. @default "deno" */
  deno?: string;
  /** Where the binary goes. @default "dist/denolet" */
  output?: string;
  /** The entry module. @default "main.ts" */
  entry?: string;
  /** `--target` triple for cross-compiling. @default the host */
  target?: string;
}

/**
 * The `deno compile` command line (program first):
 * `deno compile [--target T] --output dist/denolet --v8-flags=<AGENT_V8_FLAGS>
 * <permission flags> main.ts`: the binary runs with the same V8 flags as the
 * agent started from source (scripts/run.ts).
 * No `--include` is needed: the CRI descriptor is imported as JSON.
 */
export function buildCompileCommand(options: CompileCommandOptions): string[] {
  return [
    options.deno ?? "deno",
    "compile",
    ...(options.target !== undefined ? ["--target", options.target] : []),
    "--output",
    options.output ?? "dist/denolet",
    `--v8-flags=${AGENT_V8_FLAGS.join(",")}`,
    ...permissionFlags(options.permissions),
    options.entry ?? "main.ts",
  ];
}

/**
 * The clear message for a failed `deno compile` whose stderr shows it could not
 * get the denort base binary, else undefined.
 */
export function explainCompileFailure(stderr: string): string | undefined {
  // deno colours its errors; match on the plain text.
  // deno-lint-ignore no-control-regex
  const plain = stderr.replace(/\x1b\[[0-9;]*m/g, "");
  return /Setting up base binary|denort|dl\.deno\.land/i.test(plain) ? DENORT_MESSAGE : undefined;
}

interface ScriptArgs {
  output?: string;
  target?: string;
  kubeletArgs: string[];
}

function parseScriptArgs(args: string[]): ScriptArgs {
  const out: ScriptArgs = { kubeletArgs: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.kubeletArgs.push(...args.slice(i + 1));
      break;
    }
    const [name, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    if (name === "--output" || name === "--target") {
      const value = inline ?? args[++i];
      if (value === undefined) throw new OptionsError(`flag needs an argument: ${name}`);
      if (name === "--output") out.output = value;
      else out.target = value;
    } else {
      out.kubeletArgs.push(a);
    }
  }
  return out;
}

/** The bundle's main.js, or main.ts (with one line saying why) when it cannot be built. */
async function compileEntry(): Promise<string> {
  try {
    return await ensureBundle();
  } catch (e) {
    console.error(
      `compiling main.ts from source: cannot bundle the agent: ${
        e instanceof Error ? e.message : e
      }`,
    );
    return "main.ts";
  }
}

async function main(args: string[]): Promise<number> {
  const script = parseScriptArgs(args);
  const loaded = await loadKubeletOptions(script.kubeletArgs, { hostname: () => "localhost" });
  if (loaded.kind !== "run") {
    console.log(loaded.text.trimEnd());
    return 0;
  }
  const denort = Deno.env.get("DENORT_BIN");
  if (denort !== undefined) {
    const info = await Deno.stat(denort).catch(() => undefined);
    if (info === undefined || !info.isFile) {
      console.error(`DENORT_BIN=${denort} is not a file: ${DENORT_MESSAGE}`);
      return 1;
    }
  }
  const [program, ...rest] = buildCompileCommand({
    permissions: await computeAgentPermissions(loaded.options),
    deno: Deno.execPath(),
    output: script.output,
    target: script.target,
    entry: await compileEntry(),
  });
  console.error(`$ deno ${rest.join(" ")}`);
  const child = new Deno.Command(program, {
    args: rest,
    cwd: new URL("..", import.meta.url),
    stdout: "inherit",
    stderr: "piped",
  }).spawn();
  const { code, stderr } = await child.output();
  const text = new TextDecoder().decode(stderr);
  if (code === 0) {
    if (text !== "") console.error(text.trimEnd());
    return 0;
  }
  const explained = explainCompileFailure(text);
  console.error(explained ?? text.trimEnd());
  return code === 0 ? 1 : code;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    console.error(e.message);
    Deno.exit(1);
  }
}
