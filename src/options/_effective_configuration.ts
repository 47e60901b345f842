/**
 * The effective KubeletConfiguration v1beta1 fields, as the kubelet's
 * `/configz` shows them: every setting of the table that has a config field,
 * with its resolved value (defaults, `--config`, drop-ins and flags merged),
 * nested by its dotted field path (`authentication.webhook.cacheTTL`),
 * durations as Go text (`2m0s`). Unset optional values are left out, as Go's
 * `omitempty` leaves out nil pointers. Secret-bearing values are masked as
 * when the config is logged: every `staticPodURLHeader` value, and the
 * `staticPodURL`'s userinfo, query values and fragment.
 *
 * @module
 */

import { maskUrl } from "../util/mask_url.ts";
import { formatDuration } from "./duration.ts";
import { SETTINGS } from "./_settings.ts";

const MASKED = "<masked>";

function shown(kind: string, key: string, value: unknown): unknown {
  if (kind === "duration" && typeof value === "number") return formatDuration(value);
  if (kind === "headers") {
    return Object.fromEntries(
      Object.entries(value as Record<string, string[]>).map(([k, vs]) => [k, vs.map(() => MASKED)]),
    );
  }
  if (key === "staticPodURL" && value !== "") return maskUrl(value as string);
  return structuredClone(value);
}

/** The v1beta1 view of merged `values` (durations in ms), secrets masked. */
export function effectiveKubeletConfiguration(
  values: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (s.field === undefined) continue;
    const value = values[s.key];
    if (value === undefined || value === null) continue;
    const path = s.field.split(".");
    let at = out;
    for (const part of path.slice(0, -1)) {
      at[part] ??= {};
      at = at[part] as Record<string, unknown>;
    }
    at[path[path.length - 1]] = shown(s.kind, s.key, value);
  }
  return out;
}
