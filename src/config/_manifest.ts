/**
 * Decoding, defaulting and validating the pods of the static sources (file and
 * URL), shared by file.ts and http.ts. Outcomes are values: a pod or list of pods,
 * or the reason the manifest was rejected.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Pod, Toleration } from "../api/types.ts";
import { decodePod } from "../api/decode_pod.ts";
import { setPodDefaults } from "../api/defaults.ts";
import { formatFieldErrors, validatePod } from "../api/validation.ts";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  FILE_SOURCE,
  type HTTP_SOURCE,
} from "../api/pod_helpers.ts";
import { errText } from "../util/err_text.ts";
import { oneLine, parseDocument } from "./_parse_document.ts";

export { decodeText, oneLine, parseDocument } from "./_parse_document.ts";

/** 10 MiB, the kubelet's `maxConfigLength` for one manifest file or body. */
export const MAX_CONFIG_LENGTH = 10 * (1 << 20);

/**
 * A decoded manifest: the pods, or why it was rejected. A PodList may be accepted
 * with some of its items rejected: `rejected` then holds one reason per bad item,
 * naming it (`items[3]: ...`). `unknownFields` names the fields that were dropped
 * because core/v1 has no such field (a typo, most often).
 */
export type DecodeResult =
  | { ok: true; pods: Pod[]; rejected?: string[]; unknownFields?: string[] }
  | { ok: false; reason: string };

/** Where a static pod came from; decides its name suffix, UID and toleration. */
export interface StaticOrigin {
  source: typeof FILE_SOURCE | typeof HTTP_SOURCE;
  /** The node name; lowercased for `spec.nodeName` and the pod name suffix `-<node>`. */
  nodeName: string;
  /** The manifest file path (as listed, symlinks not resolved) or the URL. */
  location: string;
}

/** "a list", "null", "a string": what a document is when it is no object. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return `a ${typeof value}`;
}

/**
 * Checks `value` is an object of the given kind in apiVersion v1 (`optional`: or has
 * neither kind nor apiVersion, as a PodList item may).
 */
export function kindProblem(value: unknown, kind: string, optional = false): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `not a ${kind}: the document is ${describe(value)}`;
  }
  const obj = value as { kind?: unknown; apiVersion?: unknown };
  if (optional && obj.kind === undefined && obj.apiVersion === undefined) return undefined;
  if (obj.kind !== kind) return `not a ${kind}: kind is '${oneLine(String(obj.kind ?? ""))}'`;
  if (obj.apiVersion !== "v1") {
    return `not a ${kind}: apiVersion is '${oneLine(String(obj.apiVersion ?? ""))}', expected 'v1'`;
  }
  return undefined;
}

/** JSON with object keys sorted, so equal objects hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function hex32(...parts: string[]): string {
  const h = createHash("sha256");
  for (const part of parts) h.update(part).update("\n");
  return h.digest("hex").slice(0, 32);
}

/**
 * The UID of a static pod without `metadata.uid`: a hash of where it comes from
 * (node and file path, or URL) and its namespace/name, NOT of its content.
 *
 * Why not content, as the kubelet does: the kubelet hashes the defaulted object, so
 * every edit of a manifest, and every upgrade that adds a defaulted field, gives a
 * new UID; the pod is then removed and re-added, restarting all its containers.
 * With an identity-based UID an edit is an UPDATE, and only the containers whose
 * spec changed are restarted. Renaming the pod still gives a new UID.
 */
export function staticPodUid(origin: StaticOrigin, namespace: string, name: string): string {
  return origin.source === FILE_SOURCE
    ? hex32(
      `host:${origin.nodeName.toLowerCase()}`,
      `file:${origin.location}`,
      `pod:${namespace}/${name}`,
    )
    : hex32(`url:${origin.location}`, `pod:${namespace}/${name}`);
}

const NO_EXECUTE_TOLERATION: Toleration = { operator: "Exists", effect: "NoExecute" };

/**
 * Turns one decoded Pod object into the pod the node runs: API defaults, name
 * `<name>-<lowercased node>`, namespace `default`, `spec.nodeName`, UID (kept when
 * the manifest sets one), `config.source` and `config.hash` annotations, phase
 * Pending, and for file pods the keyless NoExecute toleration. Then validated.
 *
 * `kubernetes.io/config.hash` is a hash of the manifest's content as written
 * (before defaults), unlike the kubelet where it equals the UID: the UID now stays
 * stable across edits, and the hash still changes with every edit so a mirror pod
 * can follow the manifest.
 */
export function toStaticPod(raw: Record<string, unknown>, origin: StaticOrigin): DecodeResult {
  try {
    return toStaticPodUnguarded(raw, origin);
  } catch (err) {
    // A defect, not bad input: still only this pod is rejected.
    return {
      ok: false,
      reason: oneLine(`invalid pod: internal error: ${errText(err)}`),
    };
  }
}

function toStaticPodUnguarded(raw: Record<string, unknown>, origin: StaticOrigin): DecodeResult {
  const meta = raw.metadata;
  if (meta !== undefined && meta !== null && (typeof meta !== "object" || Array.isArray(meta))) {
    return { ok: false, reason: "invalid pod: metadata is not an object" };
  }
  const decoded = decodePod(raw);
  if (!decoded.ok) {
    return { ok: false, reason: oneLine(`invalid pod: ${formatFieldErrors(decoded.errors)}`) };
  }
  const name = decoded.pod.metadata?.name;
  if (typeof name !== "string" || name === "") {
    return { ok: false, reason: "invalid pod: name is needed for the pod" };
  }
  const contentHash = hex32(canonicalJson(raw));
  const pod = setPodDefaults({ ...decoded.pod, kind: "Pod", apiVersion: "v1" });
  const namespace = pod.metadata?.namespace || "default";
  const node = origin.nodeName.toLowerCase();
  const fullName = `${name}-${node}`;
  const uid = pod.metadata?.uid || staticPodUid(origin, namespace, fullName);
  const annotations = {
    ...pod.metadata?.annotations,
    [CONFIG_SOURCE_ANNOTATION]: origin.source,
    [CONFIG_HASH_ANNOTATION]: contentHash,
  };
  const spec = { ...pod.spec!, nodeName: node };
  if (origin.source === FILE_SOURCE) {
    const tolerations = [...(spec.tolerations ?? [])];
    const has = tolerations.some((t) =>
      t.operator === "Exists" && t.effect === "NoExecute" && !t.key &&
      t.tolerationSeconds === undefined
    );
    if (!has) tolerations.push({ ...NO_EXECUTE_TOLERATION });
    spec.tolerations = tolerations;
  }
  // As on create in the API server, the status a manifest carries is not kept.
  const out: Pod = {
    ...pod,
    metadata: { ...pod.metadata, name: fullName, namespace, uid, annotations },
    spec,
    status: { phase: "Pending" },
  };
  const errors = validatePod(out);
  if (errors.length > 0) {
    return { ok: false, reason: oneLine(`invalid pod: ${formatFieldErrors(errors)}`) };
  }
  const unknownFields = decoded.unknownFields;
  return { ok: true, pods: [out], ...(unknownFields.length > 0 ? { unknownFields } : {}) };
}

/** Decodes a manifest holding exactly one Pod (the file source's rule). */
export function decodeSinglePod(text: string, origin: StaticOrigin): DecodeResult {
  const parsed = parseDocument(text);
  if (!parsed.ok) return parsed;
  const problem = kindProblem(parsed.value, "Pod");
  if (problem) return { ok: false, reason: problem };
  return toStaticPod(parsed.value as Record<string, unknown>, origin);
}

/**
 * Decodes a manifest holding a Pod or a PodList (the URL source's rule). Each item
 * of a list is decoded and validated on its own: a bad item is named in `rejected`
 * (`items[3]: invalid pod: ...`) and the other items are served. The kubelet instead
 * rejects the whole list for one bad item, which stops every pod of the URL.
 */
export function decodePodOrList(text: string, origin: StaticOrigin): DecodeResult {
  const parsed = parseDocument(text);
  if (!parsed.ok) return parsed;
  const value = parsed.value as Record<string, unknown>;
  if (kindProblem(value, "Pod") === undefined) return toStaticPod(value, origin);
  const listProblem = kindProblem(value, "PodList");
  if (listProblem) {
    const kind = typeof value === "object" && value !== null && !Array.isArray(value)
      ? `kind is '${oneLine(String(value.kind ?? ""))}'`
      : `the document is ${describe(value)}`;
    return { ok: false, reason: `not a Pod or PodList: ${kind}` };
  }
  const items = value.items ?? [];
  if (!Array.isArray(items)) return { ok: false, reason: "invalid PodList: items is not a list" };
  const pods: Pod[] = [];
  const rejected: string[] = [];
  const unknownFields: string[] = [];
  for (const [i, item] of items.entries()) {
    const problem = kindProblem(item, "Pod", true);
    const one: DecodeResult = problem
      ? { ok: false, reason: problem }
      : toStaticPod(item as Record<string, unknown>, origin);
    if (!one.ok) {
      rejected.push(`items[${i}]: ${one.reason}`);
      continue;
    }
    pods.push(...one.pods);
    for (const field of one.unknownFields ?? []) unknownFields.push(`items[${i}].${field}`);
  }
  return {
    ok: true,
    pods,
    ...(rejected.length > 0 ? { rejected } : {}),
    ...(unknownFields.length > 0 ? { unknownFields } : {}),
  };
}
