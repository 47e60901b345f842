/**
 * Parsing manifests (YAML or JSON) with the YAML rules of the kubelet's decoder, for
 * the static sources: one document ({@linkcode parseDocument}, the URL source) or a
 * stream of `---`-separated documents each judged on its own
 * ({@linkcode parseDocuments}, the file source). Outcomes are values; every reason
 * is one line.
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

/** A parsed document's value, or why it cannot be read; the reason is one line. */
export type DocumentResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** One non-empty document of a manifest stream. */
export interface ParsedDocument {
  /** Its 1-based position in the stream, empty documents counted (as `---` counts). */
  index: number;
  /** The 1-based line its content starts on. */
  line: number;
  result: DocumentResult;
}

/**
 * A document that may be a Secret (its text names the kind): a parser message about
 * it is cut before what it quotes from the source (the `yaml` package's messages may
 * quote it, as in `Unexpected scalar token in YAML stream: "<value>"`).
 */
const MAY_HOLD_SECRET = /\bSecret\b/;
/** The parts of the `yaml` package's messages that quote the source. */
const QUOTING = [
  /: .*$/,
  /(?<=Invalid escape sequence) .*$/,
  /(?<=cannot start with) .*$/,
  /(?<=Unresolved plain scalar) .*$/,
];

/** `message` without what it quotes from the source, and whether something was cut. */
function withoutQuotes(message: string): { text: string; cut: boolean } {
  let text = message;
  for (const pattern of QUOTING) text = text.replace(pattern, "");
  return { text, cut: text !== message };
}

/** Line and column (1-based) of an offset in `text`, by a binary search over line starts. */
function lineIndex(text: string): (at: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (at) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - starts[lo] + 1 };
  };
}

/**
 * Parses a stream of YAML documents (or one JSON object), each on its own: a document
 * with a syntax error is a bad document, and the others are still read. Empty
 * documents (a trailing `---`, a file of comments) are skipped. Only a stream that
 * cannot be split into documents, or that has no non-empty document, is an error of
 * the whole text. Never throws.
 *
 * A parser message is quoted with its line and column; for a document whose text
 * names a Secret, without the part that may quote the source, so a secret value
 * never reaches a log line.
 */
export function parseDocuments(text: string): { ok: true; documents: ParsedDocument[] } | {
  ok: false;
  reason: string;
} {
  if (/^\s*\{/.test(text)) {
    try {
      const value = JSON.parse(text);
      const line = lineIndex(text)(text.search(/\S/)).line;
      return { ok: true, documents: [{ index: 1, line, result: { ok: true, value } }] };
    } catch { /* parsed as YAML below (several JSON documents, or YAML flow style) */ }
  }
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, KUBE_YAML_OPTIONS);
  } catch (err) {
    return { ok: false, reason: oneLine(`cannot parse YAML: ${errText(err)}`) };
  }
  if (!Array.isArray(docs)) return { ok: false, reason: "the manifest is empty" };
  const position = lineIndex(text);
  const documents: ParsedDocument[] = [];
  docs.forEach((doc, i) => {
    const [from, , to] = doc.range ?? [0, 0, text.length];
    const start = doc.contents?.range?.[0] ?? from;
    const source = text.slice(from, to);
    const secret = MAY_HOLD_SECRET.test(source);
    const yamlError = (message: string, at: number) => {
      const { line, column } = position(at);
      const first = message.split("\n")[0];
      const shown = secret ? withoutQuotes(first) : { text: first, cut: false };
      const note = shown.cut ? " (the rest is not shown: the document may hold a Secret)" : "";
      return oneLine(`invalid YAML at line ${line}, column ${column}: ${shown.text}${note}`);
    };
    const line = position(start).line;
    const push = (result: DocumentResult) => documents.push({ index: i + 1, line, result });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      push({ ok: false, reason: yamlError(e.message, e.pos[0]) });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      push({ ok: false, reason: yamlError(errText(err), start) });
      return;
    }
    if (value === null || value === undefined) return; // an empty document
    if (hasAliasCycle(value)) {
      push({ ok: false, reason: "invalid YAML: an alias refers to a node that contains it" });
      return;
    }
    push({ ok: true, value });
  });
  if (documents.length === 0) return { ok: false, reason: "the manifest is empty" };
  return { ok: true, documents };
}
