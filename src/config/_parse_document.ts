/**
 * Parsing one manifest document (YAML or JSON) with the YAML rules of the kubelet's
 * decoder, for the static sources. Outcomes are values; every reason is one line.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import { truncate } from "../api/_field_errors.ts";
import { escapeControl } from "../util/escape_control.ts";
import { errText } from "../util/err_text.ts";
import { hasAliasCycle, KUBE_YAML_OPTIONS } from "../util/kube_yaml.ts";

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
  if (hasAliasCycle(parsed.value)) {
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
    docs = parseAllDocuments(text, KUBE_YAML_OPTIONS);
  } catch (err) {
    return { ok: false, reason: `cannot parse YAML: ${errText(err)}` };
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
    return { ok: false, reason: `invalid YAML: ${errText(err)}` };
  }
  if (value === null || value === undefined) return { ok: false, reason: "the manifest is empty" };
  return { ok: true, value };
}
