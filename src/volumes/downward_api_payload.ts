/**
 * The files of a `downwardAPI` volume or projected source
 * (pkg/volume/downwardapi CollectData): each item's `fieldRef` (the pod's
 * name, namespace, uid, one label or annotation, or all of them as sorted
 * `key="value"` lines, as the kubelet formats them) or `resourceFieldRef` (a
 * container's limit or request, divided by `divisor` and rounded up; a limit
 * the container does not set is the node's allocatable), with the item's
 * `mode` or `defaultMode` (0644). The values are resolved as env's are
 * (src/kuberuntime/container_env.ts).
 *
 * @module
 */

import type { DownwardAPIVolumeFile, Pod } from "kubernetes-types/core/v1.d.ts";
import { type EnvOptions, fieldValue, resourceValue } from "../kuberuntime/container_env.ts";
import { errText } from "../util/err_text.ts";
import type { Payload } from "./atomic_writer.ts";
import { checkMode, DEFAULT_MODE } from "./_key_to_path.ts";

const VOLUME_FIELD_PATHS = new Set(["metadata.name", "metadata.namespace", "metadata.uid"]);
const SUBSCRIPT = /^metadata\.(labels|annotations)\['[^']+'\]$/;

const NAMED_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};
/** What Go's strconv.IsPrint accepts: letters, marks, numbers, punctuation, symbols, ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Go's `%q` of a string (strconv.Quote): `"` and `\` escaped, `\n`, `\t`
 * and the like named, other ASCII controls as `\xNN`, other characters Go
 * does not print as `\uNNNN` or `\UNNNNNNNN`, the rest as it is.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    const hex = (n: number) => code.toString(16).padStart(n, "0");
    if (NAMED_ESCAPES[ch]) out += NAMED_ESCAPES[ch];
    else if (PRINTABLE.test(ch)) out += ch;
    else if (code < 0x80) out += `\\x${hex(2)}`;
    else if (code < 0x10000) out += `\\u${hex(4)}`;
    else out += `\\U${hex(8)}`;
  }
  return out + '"';
}

/**
 * A map as the kubelet writes `metadata.labels`/`metadata.annotations`
 * (fieldpath.FormatMap): one `key="value"` line per entry, sorted by key,
 * no newline after the last.
 */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${goQuote(map![k])}`).join("\n");
}

function fieldData(pod: Pod, path: string, env: EnvOptions): string {
  if (path === "metadata.labels") return formatMap(pod.metadata?.labels);
  if (path === "metadata.annotations") return formatMap(pod.metadata?.annotations);
  if (!VOLUME_FIELD_PATHS.has(path) && !SUBSCRIPT.test(path)) {
    throw new TypeError(
      `fieldPath ${
        JSON.stringify(path)
      } is not supported in a downwardAPI volume (metadata.name, ` +
        "metadata.namespace, metadata.uid, metadata.labels, metadata.annotations or one label " +
        "or annotation)",
    );
  }
  return fieldValue(pod, path, env);
}

function resourceData(pod: Pod, item: DownwardAPIVolumeFile, env: EnvOptions): string {
  const ref = item.resourceFieldRef!;
  const name = ref.containerName;
  if (!name) {
    throw new TypeError(
      `resourceFieldRef of ${JSON.stringify(item.path)} needs a containerName in a volume`,
    );
  }
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const container = all.find((c) => c.name === name);
  if (!container) {
    throw new TypeError(
      `resourceFieldRef of ${JSON.stringify(item.path)}: container ${
        JSON.stringify(name)
      } is not in the pod`,
    );
  }
  try {
    return resourceValue(pod, container, ref, env);
  } catch (e) {
    throw new TypeError(`resourceFieldRef of ${JSON.stringify(item.path)}: ${errText(e)}`);
  }
}

/**
 * The payload of downwardAPI `items` of `pod`. `env` gives the node facts
 * (nodeAllocatable) for limits a container does not set. Throws a TypeError
 * naming the item for an unsupported field path, an unknown container or
 * resource, a bad mode.
 */
export function downwardAPIPayload(
  pod: Pod,
  items: DownwardAPIVolumeFile[] | undefined,
  defaultMode: number = DEFAULT_MODE,
  env: EnvOptions = {},
): Payload {
  checkMode(defaultMode, "defaultMode");
  const enc = new TextEncoder();
  const payload: Payload = new Map();
  for (const item of items ?? []) {
    const mode = item.mode === undefined
      ? defaultMode
      : checkMode(item.mode, `mode of ${JSON.stringify(item.path)}`);
    let text: string;
    if (item.fieldRef) text = fieldData(pod, item.fieldRef.fieldPath, env);
    else if (item.resourceFieldRef) text = resourceData(pod, item, env);
    else {
      throw new TypeError(
        `downwardAPI item ${JSON.stringify(item.path)} has neither fieldRef nor resourceFieldRef`,
      );
    }
    payload.set(item.path, { data: enc.encode(text), mode });
  }
  return payload;
}
