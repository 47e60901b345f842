/**
 * Where the CLI finds the running agent, and the permissions that takes:
 * `http://127.0.0.1:<readOnlyPort>` (`[::1]` when the agent's config binds
 * it there), the port from `--read-only-port`, else from the `--config`
 * file's `readOnlyPort` (parsed as the agent parses it; the KubeletConfiguration
 * default with a config file is 0, off), else the kubelet's legacy default
 * 10255. The CLI needs only `--allow-net=<that host:port>`, plus with
 * `--config` read of the file and the two env names the YAML parser reads.
 *
 * @module
 */

import type { CliArgs } from "./cli_args.ts";
import { CliUsageError } from "./cli_args.ts";

/** The read-only port the agent listens on without `--config` (the kubelet's legacy default). */
export const DEFAULT_READ_ONLY_PORT = 10255;

/** Environment variables the `yaml` package reads while parsing (as src/options/permissions.ts). */
const YAML_ENV = ["LOG_TOKENS", "LOG_STREAM"];

/** Where the agent is. */
export interface AgentEndpoint {
  /** `127.0.0.1` or `[::1]`. */
  host: string;
  port: number;
  /** `http://host:port`. */
  base: string;
  /** Where the port came from, for messages: `--read-only-port`, `readOnlyPort in 'f'`, `default`. */
  source: string;
}

/** How the endpoint reads `--config`. @default Deno.readTextFile */
export type ReadTextFile = (path: string) => Promise<string>;

async function configFields(path: string, read: ReadTextFile): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await read(path);
  } catch (e) {
    throw new CliUsageError(`cannot read --config ${path}: ${e instanceof Error ? e.message : e}`);
  }
  // Only here: the CLI loads the YAML parser when it is given a config file.
  const [{ parse }, { KUBE_YAML_OPTIONS }] = await Promise.all([
    import("yaml"),
    import("../util/kube_yaml.ts"),
  ]);
  let doc: unknown;
  try {
    doc = parse(text, KUBE_YAML_OPTIONS);
  } catch (e) {
    throw new CliUsageError(`cannot parse --config ${path}: ${e instanceof Error ? e.message : e}`);
  }
  return doc !== null && typeof doc === "object" ? doc as Record<string, unknown> : {};
}

/**
 * The agent's endpoint for `args`.
 *
 * @throws {CliUsageError} when the config file cannot be read or turns the port off.
 */
export async function agentEndpoint(
  args: Pick<CliArgs, "readOnlyPort" | "config">,
  read: ReadTextFile = Deno.readTextFile,
): Promise<AgentEndpoint> {
  let port = DEFAULT_READ_ONLY_PORT;
  let host = "127.0.0.1";
  let source = "default";
  if (args.config !== undefined) {
    const fields = await configFields(args.config, read);
    if (fields.address === "::1") host = "[::1]";
    if (args.readOnlyPort === undefined) {
      port = typeof fields.readOnlyPort === "number" ? fields.readOnlyPort : 0;
      source = `readOnlyPort in '${args.config}'`;
      if (port <= 0) {
        throw new CliUsageError(
          `the read-only port is off in '${args.config}' (readOnlyPort ${port}): set readOnlyPort ` +
            "and localDebuggingHandlers: true there, or give --read-only-port",
        );
      }
    }
  }
  if (args.readOnlyPort !== undefined) {
    port = args.readOnlyPort;
    source = "--read-only-port";
  }
  return { host, port, base: `http://${host}:${port}`, source };
}

/** The Deno permissions the CLI needs for `args`, as allow-lists. */
export async function cliPermissions(
  args: Pick<CliArgs, "readOnlyPort" | "config">,
  read: ReadTextFile = Deno.readTextFile,
): Promise<{ read: string[]; write: string[]; net: string[]; env: string[] }> {
  const endpoint = await agentEndpoint(args, read);
  const withConfig = args.config !== undefined;
  return {
    read: withConfig ? [args.config!] : [],
    write: [],
    net: [`${endpoint.host}:${endpoint.port}`],
    env: withConfig ? [...YAML_ENV] : [],
  };
}
