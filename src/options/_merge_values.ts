/**
 * Every setting's value merged in the kubelet's precedence (defaults <
 * `--config` < `--config-dir` drop-ins < flags), config values typed by their
 * setting's kind, each with the label of where it came from.
 *
 * @module
 */

import { parseDuration } from "./duration.ts";
import { configField, type LoadedConfiguration } from "./kubelet_configuration.ts";
import { OptionsError } from "./options_error.ts";
import type { ParsedFlags } from "./parse_kubelet_flags.ts";
import { defaultValues, type Setting, SETTINGS } from "./_settings.ts";
import { describeValue } from "./_validate.ts";
import { mapFromConfig, taintsFromConfig } from "./_cluster_values.ts";

/** The merged values by setting key, and where each came from. */
export interface MergedValues {
  /** Typed values by setting key (durations in ms). */
  values: Record<string, unknown>;
  /** `--max-pods`, `field maxPods in '/etc/k.yaml'`, or `default`. */
  labelOf: (key: string) => string;
}

/**
 * A config field's value as its setting's kind wants it.
 *
 * @throws {OptionsError} naming `label` when the value is of another type.
 */
function typedFromConfig(setting: Setting, value: unknown, label: string): unknown {
  const bad = (reason: string) =>
    new OptionsError(`invalid value ${describeValue(value)} for ${label}: ${reason}`, label);
  switch (setting.kind) {
    case "string":
    case "path":
      if (typeof value !== "string") throw bad("not a string");
      return value;
    case "bool":
      if (typeof value !== "boolean") throw bad("not a boolean (true or false)");
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) throw bad("not an integer");
      return value;
    case "duration":
      if (typeof value !== "string") throw bad('not a duration string (e.g. "20s", "1m30s")');
      try {
        return parseDuration(value);
      } catch {
        throw bad("not a duration (e.g. 20s, 1m30s)");
      }
    case "paths":
    case "strings":
      if (!Array.isArray(value) || value.some((x) => typeof x !== "string")) {
        throw bad(setting.kind === "paths" ? "not a list of paths" : "not a list of strings");
      }
      return [...value];
    case "headers": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw bad("not a mapping of header names to lists of values");
      }
      const out: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(value)) {
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
          throw bad(`header "${k}" is not a list of strings`);
        }
        out[k] = [...v];
      }
      return out;
    }
    case "map":
    case "thresholds": {
      const map = mapFromConfig(value);
      if (typeof map === "string") throw bad(map);
      return map;
    }
    case "taints": {
      const taints = taintsFromConfig(value);
      if (typeof taints === "string") throw bad(taints);
      return taints;
    }
  }
}

/**
 * Merges the defaults (legacy ones without `configFile`), the loaded config
 * files and the flags; derives `serializeImagePulls` from
 * `maxParallelImagePulls` when neither config nor flags set it.
 *
 * @throws {OptionsError} when a config field has the wrong type.
 */
export function mergeValues(
  flags: ParsedFlags,
  loaded: LoadedConfiguration,
  configFile: string | undefined,
): MergedValues {
  const values = defaultValues(configFile === undefined);
  const labels = new Map<string, string>();
  for (const s of SETTINGS) {
    if (s.field === undefined) continue;
    const raw = configField(loaded.fields, s.field);
    if (raw === undefined || raw === null) continue;
    const label = `field ${s.field} in '${loaded.origins.get(s.field) ?? configFile}'`;
    values[s.key] = typedFromConfig(s, raw, label);
    labels.set(s.key, label);
  }
  for (const [key, v] of Object.entries(flags.values)) {
    values[key] = v;
    labels.set(key, flags.setBy.get(key)!);
  }
  if (values.serializeImagePulls === undefined) {
    const parallel = values.maxParallelImagePulls as number | null;
    values.serializeImagePulls = !(parallel !== null && parallel >= 2);
  }
  if (values.nodeStatusReportFrequency === undefined) {
    // The kubelet: an explicit nodeStatusUpdateFrequency is also the report
    // frequency, for backward compatibility; else 5 minutes.
    values.nodeStatusReportFrequency = labels.has("nodeStatusUpdateFrequency")
      ? values.nodeStatusUpdateFrequency
      : 300_000;
  }
  return { values, labelOf: (key) => labels.get(key) ?? "default" };
}
