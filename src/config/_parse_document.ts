/**
 * Parsing one manifest document (YAML or JSON) with the YAML rules of the kubelet's
 * decoder, for the static sources. Outcomes are values; every reason is one line.
 *
 * @module
 */

import {
  type DocumentOptions,
  parseAllDocuments,
  type ParseOptions,
  type SchemaOptions,
  type Tags,
} from "yaml";
import { escapeControl, truncate } from "../api/_field_errors.ts";

/** Longest reason text built from a manifest, in characters. */
const MAX_REASON_LENGTH = 2_000;

/** `text` on one line (control characters escaped) and at most 2,000 characters. */
export function oneLine(text: string): string {
  return truncate(escapeControl(text), MAX_REASON_LENGTH);
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Decodes bytes as UTF-8 text, or returns undefined for invalid UTF-8. */
export function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The YAML rules of the kubelet's decoder (sigs.k8s.io/yaml on gopkg.in/yaml.v2):
 * YAML 1.1, so unquoted `yes`/`no`/`on`/`off`/`y`/`n` are booleans and `0644` is
 * octal; `<<` merge keys; duplicate keys refused. Two YAML 1.1 types yaml.v2 lacks or
 * maps otherwise are left out: sexagesimal numbers (`1:20` stays a string) and
 * timestamps (`2024-05-01` stays the string as written, where yaml.v2 makes it
 * `2024-05-01T00:00:00Z`). The parser's own warnings are not printed.
 */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  merge: true,
  uniqueKeys: true,
  prettyErrors: false,
  logLevel: "error",
  customTags: (tags: Tags) =>
    tags.filter((tag) => {
      if (typeof tag === "string") return !["timestamp", "intTime", "floatTime"].includes(tag);
      return tag.tag !== "tag:yaml.org,2002:timestamp" && tag.format !== "TIME";
    }),
};

/**
 * Parses one YAML or JSON document into a plain value. Never throws; every reason
 * is one line.
 *
 * Note: the `yaml` package reads the environment variables `LOG_TOKENS` and
 * `LOG_STREAM` while parsing, so the agent needs `--allow-env=LOG_TOKENS,LOG_STREAM`;
 * without it every YAML manifest is rejected with the permission error as reason.
 */
export function parseDocument(text: string): { ok: true; value: unknown } | {
  ok: false;
  reason: string;
} {
  const parsed = parseUnchecked(text);
  if (!parsed.ok) return { ok: false, reason: oneLine(parsed.reason) };
  if (hasCycle(parsed.value)) {
    return { ok: false, reason: "invalid YAML: an alias refers to a node that contains it" };
  }
  return parsed;
}

function parseUnchecked(text: string): { ok: true; value: unknown } | {
  ok: false;
  reason: string;
} {
  if (/^\s*\{/.test(text)) {
    // JSON is YAML too, but JSON.parse is far faster; YAML gives the error messages.
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch { /* parsed as YAML below */ }
  }
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, YAML_OPTIONS);
  } catch (err) {
    return { ok: false, reason: `cannot parse YAML: ${err instanceof Error ? err.message : err}` };
  }
  if (!Array.isArray(docs) || docs.length === 0) {
    return { ok: false, reason: "the manifest is empty" };
  }
  if (docs.length > 1) {
    return {
      ok: false,
      reason: `the manifest holds ${docs.length} YAML documents; expected one`,
    };
  }
  const doc = docs[0];
  if (doc.errors.length > 0) {
    return { ok: false, reason: `invalid YAML: ${doc.errors[0].message.split("\n")[0]}` };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, reason: `invalid YAML: ${err instanceof Error ? err.message : err}` };
  }
  if (value === null || value === undefined) return { ok: false, reason: "the manifest is empty" };
  return { ok: true, value };
}

/** Whether a parsed value contains itself (a YAML alias to an enclosing node). */
function hasCycle(value: unknown): boolean {
  const onPath = new Set<object>();
  const done = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (v === null || typeof v !== "object") return false;
    if (onPath.has(v)) return true;
    if (done.has(v)) return false;
    onPath.add(v);
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) if (visit(child)) return true;
    onPath.delete(v);
    done.add(v);
    return false;
  };
  return visit(value);
}
