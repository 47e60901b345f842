/**
 * The kubelet's command line, pflag style: `--flag value`, `--flag=value`,
 * booleans as `--flag` or `--flag=true|false`, repeatable `--manifest-url-header`
 * and `--allow-host-path`,
 * `-h` and `-v` shorthands, `_` accepted for `-` in names.
 *
 * @module
 */

import { parseDuration } from "./duration.ts";
import { OptionsError } from "./options_error.ts";
import { parseMapText, parseTaintsText, parseThresholdsText } from "./_cluster_values.ts";
import { BY_FLAG, type Setting } from "./_settings.ts";

/** What the command line set. */
export interface ParsedFlags {
  /** Typed values by setting key (durations in ms), only for flags given. */
  values: Record<string, unknown>;
  /** Setting key → the flag that set it, e.g. `"--max-pods"`. */
  setBy: Map<string, string>;
  /** Deprecation warnings for flags used, one line each. */
  warnings: string[];
}

const SHORTHANDS: Record<string, string> = { h: "help", v: "v" };
const INT32_MAX = 2 ** 31 - 1;

function invalid(value: string, flag: string, reason: string): OptionsError {
  return new OptionsError(`invalid value "${value}" for flag ${flag}: ${reason}`, flag);
}

/** Go's strconv.ParseBool spellings. */
export function parseBoolText(text: string): boolean | undefined {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
  return undefined;
}

/** Parses a decimal int32, or returns a reason it is not one. */
export function parseIntText(text: string): number | string {
  if (!/^[+-]?\d+$/.test(text)) return "not an integer";
  const n = Number(text);
  if (n > INT32_MAX || n < -INT32_MAX - 1) return "out of range";
  return n;
}

/**
 * Parses one `--manifest-url-header` value `k:v,k2:v2` into `into`, appending to
 * headers already there (same-name headers keep their order).
 *
 * @throws {TypeError} for a pair without `:` or with an empty key.
 */
export function parseHeaderText(text: string, into: Record<string, string[]>): void {
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue;
    const colon = pair.indexOf(":");
    if (colon < 0) throw new TypeError(`malformed pair "${pair}", expected key:value`);
    const key = pair.slice(0, colon).trim();
    const value = pair.slice(colon + 1).trim();
    if (key === "") throw new TypeError(`empty header name in "${pair}"`);
    (into[key] ??= []).push(value);
  }
}

function convert(
  setting: Setting,
  flag: string,
  text: string,
  previous: unknown,
): unknown {
  switch (setting.kind) {
    case "string":
    case "path":
      return text;
    case "bool": {
      const b = parseBoolText(text);
      if (b === undefined) throw invalid(text, flag, "not a boolean (true or false)");
      return b;
    }
    case "int": {
      const n = parseIntText(text);
      if (typeof n === "string") throw invalid(text, flag, n);
      return n;
    }
    case "duration":
      try {
        return parseDuration(text);
      } catch {
        throw invalid(text, flag, "not a duration (e.g. 20s, 1m30s)");
      }
    case "strings":
    case "paths": {
      // Comma-separated and repeatable: later flags add to earlier ones.
      const list = [...((previous ?? []) as string[])];
      for (const part of text.split(",")) if (part.trim() !== "") list.push(part.trim());
      return list;
    }
    case "headers": {
      const into = structuredClone((previous ?? {}) as Record<string, string[]>);
      try {
        parseHeaderText(text, into);
      } catch (e) {
        throw invalid(text, flag, (e as Error).message);
      }
      return into;
    }
    case "map":
    case "thresholds": {
      // Repeatable: later flags add keys (and a repeated key takes the later value).
      const into = { ...((previous ?? {}) as Record<string, string>) };
      try {
        (setting.kind === "map" ? parseMapText : parseThresholdsText)(text, into);
      } catch (e) {
        throw invalid(text, flag, (e as Error).message);
      }
      return into;
    }
    case "taints":
      try {
        return [...((previous ?? []) as unknown[]), ...parseTaintsText(text)];
      } catch (e) {
        throw invalid(text, flag, (e as Error).message);
      }
  }
}

/**
 * Parses kubelet-style arguments. Only flags given appear in the result; a
 * non-repeatable flag given twice keeps the last value, as pflag does.
 *
 * @throws {OptionsError} for an unknown flag, a missing or bad value, or a
 * positional argument, with one line such as `unknown flag: --foo`.
 */
export function parseKubeletFlags(args: readonly string[]): ParsedFlags {
  const values: Record<string, unknown> = {};
  const setBy = new Map<string, string>();
  const warnings: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      if (i + 1 < args.length) {
        throw new OptionsError(
          `unexpected argument "${args[i + 1]}": denolet takes no positional arguments`,
        );
      }
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      throw new OptionsError(
        `unexpected argument "${arg}": denolet takes no positional arguments`,
      );
    }
    const long = arg.startsWith("--");
    const body = arg.slice(long ? 2 : 1);
    const eq = body.indexOf("=");
    const rawName = eq < 0 ? body : body.slice(0, eq);
    let inline: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    const name = long ? rawName.replaceAll("_", "-") : SHORTHANDS[rawName];
    const setting = name === undefined ? undefined : BY_FLAG.get(name);
    if (setting === undefined || name === undefined) {
      throw new OptionsError(
        long ? `unknown flag: --${rawName}` : `unknown shorthand flag: '${rawName}' in ${arg}`,
        arg,
      );
    }
    const flag = `--${name}`;
    if (setting.kind === "bool") {
      inline ??= "true";
    } else if (inline === undefined) {
      if (i + 1 >= args.length) {
        throw new OptionsError(`flag needs an argument: ${flag}`, flag);
      }
      inline = args[++i];
    }
    values[setting.key] = convert(setting, flag, inline, values[setting.key]);
    setBy.set(setting.key, flag);
    if (setting.deprecation !== undefined && !warnings.includes(setting.deprecation)) {
      warnings.push(setting.deprecation);
    }
  }
  return { values, setBy, warnings };
}
