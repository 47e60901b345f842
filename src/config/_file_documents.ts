/**
 * Decoding one file of the static pod directory for {@linkcode FileSource}: a stream
 * of YAML documents (or one JSON object), each a `v1` Pod, PodList, ConfigMap or
 * Secret, each judged on its own. A bad document (or PodList item) is one reason
 * naming where it is (`document 2 (line 14)`, `items[3]`; nothing for the only
 * document of a file) and the field; the other documents still count. Within one
 * file the first definition of a name wins.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import { isPlainObject } from "../api/decode_pod.ts";
import { podFullName } from "../api/pod_helpers.ts";
import { decodeLocalObject, type LocalObject, localObjectKey } from "./_local_object.ts";
import {
  type DecodeResult,
  describe,
  kindProblem,
  type StaticOrigin,
  toStaticPod,
} from "./_manifest.ts";
import { oneLine, type ParsedDocument, parseDocuments } from "./_parse_document.ts";

/** Bad documents named one by one per file; the rest are counted in one more line. */
const MAX_REJECTED = 20;
const KINDS = "Pod, PodList, ConfigMap or Secret";

/** One thing a manifest file defines: a pod or a local object. */
export interface ManifestItem {
  /** Unique per thing: `Pod <name>-<node>_<namespace>` or `ConfigMap <namespace>/<name>`. */
  key: string;
  /** Where it is in its file: `""` for the only document, else `document 2 (line 14)`, `items[3]`. */
  where: string;
  /** Equal for equal content, to keep an unchanged item's object across re-reads. */
  fingerprint: string;
  pod?: Pod;
  object?: LocalObject;
}

/** What a readable manifest file holds. */
export interface ManifestContent {
  /** The good pods and objects, in document order. */
  items: ManifestItem[];
  /** One line per bad document or PodList item (at most 21 lines). */
  rejected: string[];
  /** Fields core/v1 has no such field for, dropped, each named with where it is. */
  unknownFields: string[];
}

/** A manifest file's content, or why none of it can be read. */
export type ManifestFileResult = ({ ok: true } & ManifestContent) | { ok: false; reason: string };

/** How a message names a thing a later definition clashes with. */
export function describeItem(item: ManifestItem): string {
  if (item.pod) {
    return `pod name '${item.pod.metadata?.name}' in namespace '${item.pod.metadata?.namespace}'`;
  }
  return oneLine(item.key);
}

/** `text` after where it is: `document 2 (line 14): text`, or `text` alone. */
export function prefixed(where: string, text: string): string {
  return where === "" ? text : `${where}: ${text}`;
}

function podItem(pod: Pod, where: string): ManifestItem {
  return { key: `Pod ${podFullName(pod)}`, where, fingerprint: JSON.stringify(pod), pod };
}

/** Decodes a file's text; `origin.location` is its path. Never throws for bad input. */
export function decodeManifestFile(text: string, origin: StaticOrigin): ManifestFileResult {
  const parsed = parseDocuments(text);
  if (!parsed.ok) return parsed;
  const content: ManifestContent = { items: [], rejected: [], unknownFields: [] };
  const several = parsed.documents.length > 1;
  const firstWhere = new Map<string, string>();
  const add = (item: ManifestItem) => {
    const first = firstWhere.get(item.key);
    if (first === undefined) {
      firstWhere.set(item.key, item.where);
      content.items.push(item);
    } else {
      content.rejected.push(
        prefixed(
          item.where,
          `duplicate ${describeItem(item)}, already defined in ${first || "this file"}`,
        ),
      );
    }
  };
  for (const doc of parsed.documents) {
    decodeDocument(doc, several ? `document ${doc.index} (line ${doc.line})` : "", origin, {
      add,
      reject: (where, reason) => content.rejected.push(prefixed(where, reason)),
      unknown: (where, field) => content.unknownFields.push(prefixed(where, field)),
    });
  }
  if (content.rejected.length > MAX_REJECTED + 1) {
    const more = content.rejected.length - MAX_REJECTED;
    content.rejected = [
      ...content.rejected.slice(0, MAX_REJECTED),
      `and ${more} more bad documents or items`,
    ];
  }
  return { ok: true, ...content };
}

interface Sink {
  add(item: ManifestItem): void;
  reject(where: string, reason: string): void;
  unknown(where: string, field: string): void;
}

function decodeDocument(doc: ParsedDocument, where: string, origin: StaticOrigin, sink: Sink) {
  if (!doc.result.ok) return sink.reject(where, doc.result.reason);
  const value = doc.result.value;
  if (!isPlainObject(value)) {
    return sink.reject(where, `not a ${KINDS}: the document is ${describe(value)}`);
  }
  const kind = value.kind;
  if (kind !== "Pod" && kind !== "PodList" && kind !== "ConfigMap" && kind !== "Secret") {
    return sink.reject(where, `not a ${KINDS}: kind is '${oneLine(String(kind ?? ""))}'`);
  }
  const problem = kindProblem(value, kind);
  if (problem) return sink.reject(where, problem);
  if (kind === "Pod") return addPods(toStaticPod(value, origin), where, sink);
  if (kind === "PodList") {
    const items = value.items ?? [];
    if (!Array.isArray(items)) return sink.reject(where, "invalid PodList: items is not a list");
    items.forEach((item, i) => {
      const itemWhere = where === "" ? `items[${i}]` : `${where} items[${i}]`;
      const itemProblem = kindProblem(item, "Pod", true);
      if (itemProblem) return sink.reject(itemWhere, itemProblem);
      addPods(toStaticPod(item as Record<string, unknown>, origin), itemWhere, sink);
    });
    return;
  }
  const decoded = decodeLocalObject(value);
  if (!decoded.ok) return sink.reject(where, decoded.reason);
  const object = decoded.object;
  sink.add({
    key: localObjectKey(object),
    where,
    fingerprint: object.metadata!.resourceVersion!,
    object,
  });
  for (const field of decoded.unknownFields ?? []) sink.unknown(where, field);
}

function addPods(result: DecodeResult, where: string, sink: Sink): void {
  if (!result.ok) return sink.reject(where, result.reason);
  for (const pod of result.pods) sink.add(podItem(pod, where));
  for (const field of result.unknownFields ?? []) sink.unknown(where, field);
}
