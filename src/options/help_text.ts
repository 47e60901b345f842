/**
 * `--help`: every flag grouped by topic, with its default and, where there is
 * one, the KubeletConfiguration field that sets the same thing.
 *
 * @module
 */

import { formatDuration } from "./duration.ts";
import { versionText } from "./version.ts";
import { defaultValues, GROUPS, type Setting, SETTINGS } from "./_settings.ts";

const INDENT = "      ";

function placeholder(s: Setting): string {
  if (s.kind === "bool") return "";
  if (s.placeholder !== undefined) return ` ${s.placeholder}`;
  return s.kind === "duration" ? " duration" : s.kind === "int" ? " int" : " string";
}

function defaultText(s: Setting): string | undefined {
  if (s.helpDefault !== undefined) return s.helpDefault;
  if (s.kind === "bool") return undefined;
  const v = defaultValues(false)[s.key];
  if (v === undefined || v === "") return undefined;
  if (s.kind === "duration") return formatDuration(v as number);
  return String(v);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

function describe(s: Setting): string[] {
  const head = s.flag === undefined
    ? `  ${s.field} (config file field only)`
    : `  ${s.flag.length === 1 ? `-${s.flag}, ` : ""}--${s.flag}${placeholder(s)}`;
  let text = s.help;
  const def = defaultText(s);
  if (def !== undefined) text += ` (default ${def})`;
  if (s.flag !== undefined && s.field !== undefined) text += ` [config:\u00a0${s.field}]`; // kept on one line
  if (s.deprecation !== undefined) text += " DEPRECATED.";
  return [head, ...wrap(text, 92).map((l) => INDENT + l.replaceAll("\u00a0", " "))];
}

/** The `--help` text, grouped by topic; ends with a newline. */
export function helpText(): string {
  const out: string[] = [
    versionText(),
    "",
    "A Kubernetes node agent: runs the pods from a manifest directory, a manifest URL or an",
    "API server on a CRI container runtime, with kubelet flag and config names.",
    "",
    "Usage: denolet [flags]",
    "",
    "Settings come from, lowest to highest: built-in defaults, the --config file, the",
    "--config-dir drop-ins, then flags. With a config file the KubeletConfiguration v1beta1",
    "defaults apply; without one, the kubelet's legacy defaults (read-only port 10255).",
    "Durations use Go syntax: 500ms, 20s, 1m30s, 2h.",
    "",
    "Safer defaults than the kubelet's: the read-only port listens on 127.0.0.1 unless",
    "--address says otherwise; the HTTP endpoints drop a connection that sends no complete",
    "request headers within 10s or sits idle for 30s. The agent runs with Deno permissions",
    "computed from these settings (never -A): its files and sockets, the manifest URL, the",
    "node IPs, the pod network (--pod-network-cidr) and the hostPath paths of the manifests",
    "present at start (more with --allow-host-path).",
  ];
  for (const group of GROUPS) {
    out.push("", `${group}:`);
    for (const s of SETTINGS.filter((x) => x.group === group)) out.push(...describe(s));
  }
  return out.join("\n") + "\n";
}
