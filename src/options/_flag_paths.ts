/**
 * Path flags as the agent uses them: relative ones resolved against the working
 * directory, and `--config` / `--config-dir` checked before they are read.
 *
 * @module
 */

import { isAbsolute, resolve } from "../util/posix_path.ts";
import { OptionsError } from "./options_error.ts";
import { SETTINGS } from "./_settings.ts";
import { COMMA_REASON, describeValue } from "./_validate.ts";

/**
 * Makes every path-kind flag value in `values` absolute, in place, asking `cwd`
 * only when one is relative. Returns a warning when `--root-dir` was relative:
 * the state dir decides where everything lands.
 */
export function resolveFlagPaths(values: Record<string, unknown>, cwd: () => string): string[] {
  let base: string | undefined;
  const warnings: string[] = [];
  for (const s of SETTINGS) {
    const v = values[s.key];
    if (s.kind !== "path" || typeof v !== "string" || v === "" || isAbsolute(v)) continue;
    base ??= cwd();
    const resolved = resolve(base, v);
    values[s.key] = resolved;
    if (s.key === "rootDir") {
      warnings.push(
        `--root-dir ${describeValue(v)} is relative: using ${
          describeValue(resolved)
        } (resolved against the working directory)`,
      );
    }
  }
  return warnings;
}

/**
 * Refuses an empty `--config` or `--config-dir`, or one with a comma (it could
 * not be granted), before either is read.
 *
 * @throws {OptionsError} naming the flag.
 */
export function checkConfigPaths(configFile: string | undefined, configDir: string | undefined) {
  if (configFile === "") throw new OptionsError(`invalid value "" for flag --config: empty`);
  if (configDir === "") throw new OptionsError(`invalid value "" for flag --config-dir: empty`);
  for (const [flag, path] of [["--config", configFile], ["--config-dir", configDir]]) {
    if (path?.includes(",")) {
      throw new OptionsError(
        `invalid value ${describeValue(path)} for flag ${flag}: ${COMMA_REASON}`,
        flag,
      );
    }
  }
}
