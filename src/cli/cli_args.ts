/**
 * The command line of `denolet pods|logs|exec`, kubectl's spelling:
 *
 * ```sh
 * denolet pods [-n NS]
 * denolet logs [-n NS] POD [-c C] [-f] [--tail N] [--previous] [--timestamps]
 * denolet exec [-n NS] POD [-c C] -- CMD [ARG...]
 * ```
 *
 * and, for every subcommand, where the agent is: `--read-only-port=N`, or
 * `--config=FILE` (the agent's KubeletConfiguration: its `readOnlyPort` and
 * `address`). Flags take `--flag=v` or `--flag v`; everything after `--` is
 * the command of `exec`.
 *
 * @module
 */

/** The subcommands. */
export const CLI_COMMANDS = ["pods", "logs", "exec"] as const;

/** One of {@linkcode CLI_COMMANDS}. */
export type CliCommand = typeof CLI_COMMANDS[number];

/** Whether `arg` (the program's first argument) names a CLI subcommand. */
export function isCliCommand(arg: string | undefined): arg is CliCommand {
  return (CLI_COMMANDS as readonly string[]).includes(arg ?? "");
}

/** Parsed arguments. */
export interface CliArgs {
  command: CliCommand;
  /** `-n` / `--namespace`; undefined means all (pods) or `default` (logs, exec). */
  namespace?: string;
  pod?: string;
  /** `-c` / `--container`. */
  container?: string;
  follow: boolean;
  /** `--tail`; undefined means all lines. */
  tail?: number;
  previous: boolean;
  timestamps: boolean;
  /** The command after `--` (exec). */
  cmd: string[];
  /** `--read-only-port`. */
  readOnlyPort?: number;
  /** `--config`. */
  config?: string;
  help: boolean;
}

/** Bad command-line input; the message is one line. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

const VALUED: Record<string, string> = {
  "-n": "namespace",
  "--namespace": "namespace",
  "-c": "container",
  "--container": "container",
  "--tail": "tail",
  "--read-only-port": "readOnlyPort",
  "--config": "config",
};

const BOOLEAN: Record<string, "follow" | "previous" | "timestamps" | "help"> = {
  "-f": "follow",
  "--follow": "follow",
  "-p": "previous",
  "--previous": "previous",
  "--timestamps": "timestamps",
  "-h": "help",
  "--help": "help",
};

function integer(flag: string, text: string, min: number): number {
  if (!/^-?\d+$/.test(text) || Number(text) < min) {
    throw new CliUsageError(`invalid value "${text}" for ${flag}: must be an integer >= ${min}`);
  }
  return Number(text);
}

/**
 * Parses `args` (starting with the subcommand).
 *
 * @throws {CliUsageError} naming the bad flag or the missing argument.
 */
export function parseCliArgs(args: readonly string[]): CliArgs {
  const [command, ...rest] = args;
  if (!isCliCommand(command)) throw new CliUsageError(`unknown command "${command ?? ""}"`);
  const out: CliArgs = {
    command,
    follow: false,
    previous: false,
    timestamps: false,
    cmd: [],
    help: false,
  };
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--") {
      out.cmd = rest.slice(i + 1);
      break;
    }
    const eq = arg.startsWith("-") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name in BOOLEAN && eq < 0) {
      out[BOOLEAN[name]] = true;
      continue;
    }
    if (name in VALUED) {
      let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined) throw new CliUsageError(`flag ${name} needs a value`);
      value = value.trim();
      const key = VALUED[name];
      if (key === "tail") out.tail = integer(name, value, -1);
      else if (key === "readOnlyPort") out.readOnlyPort = integer(name, value, 1);
      else (out as unknown as Record<string, string>)[key] = value;
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") throw new CliUsageError(`unknown flag ${name}`);
    positional.push(arg);
  }
  if (out.tail === -1) out.tail = undefined; // kubectl's -1: all lines
  if (out.help) return out;
  const max = command === "pods" ? 0 : 1;
  if (positional.length > max) {
    throw new CliUsageError(
      command === "exec"
        ? `unexpected argument "${positional[max]}": put the command after --`
        : `unexpected argument "${positional[max]}"`,
    );
  }
  out.pod = positional[0];
  if (command !== "pods" && !out.pod) throw new CliUsageError(`${command} needs a POD name`);
  if (command === "exec" && out.cmd.length === 0) {
    throw new CliUsageError("exec needs a command after --, e.g. denolet exec POD -- ls /");
  }
  return out;
}

/** The usage text of the CLI. */
export const CLI_USAGE = `Usage (talks to the running agent on its read-only port, 127.0.0.1):
  denolet pods [-n NS]
  denolet logs [-n NS] POD [-c C] [-f] [--tail N] [--previous] [--timestamps]
  denolet exec [-n NS] POD [-c C] -- CMD [ARG...]
Where the agent is: --read-only-port=N, or --config=FILE (its KubeletConfiguration);
default 10255. The agent must run with localDebuggingHandlers (--local-debugging-handlers)
for logs and exec.
`;
