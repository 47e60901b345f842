/**
 * What one setting is: its kubelet flag name, its KubeletConfiguration v1beta1
 * field (if any), its kind, help group and help text. The table of them is
 * `SETTINGS` in _settings.ts.
 *
 * @module
 */

/** How a setting's value is written. */
export type SettingKind =
  | "string"
  | "path"
  | "paths"
  | "strings"
  | "bool"
  | "int"
  | "duration"
  | "headers"
  | "map"
  | "taints"
  | "thresholds";

/** The help groups, in the order `--help` prints them. */
export const GROUPS = [
  "Configuration",
  "Node",
  "Cluster (with --kubeconfig)",
  "Kubelet API server (with --kubeconfig)",
  "Container runtime",
  "Pod sources",
  "Images",
  "Container garbage collection (deprecated, flag only)",
  "Local server",
  "Permissions (denolet only)",
  "Logging",
  "General",
] as const;

/** One of {@linkcode GROUPS}. */
export type Group = typeof GROUPS[number];

/** One setting: a flag, a config field, or both. */
export interface Setting {
  /** Key in the resolved values (the KubeletOptions property, mostly). */
  key: string;
  /** Flag name without dashes. */
  flag?: string;
  /** Dotted KubeletConfiguration field path. */
  field?: string;
  kind: SettingKind;
  group: Group;
  /** Help text, one sentence. */
  help: string;
  /** Shown as the value placeholder in help. */
  placeholder?: string;
  /** Default shown in help when it is not obvious from the values table. */
  helpDefault?: string;
  /** Printed as a warning when the flag is used. */
  deprecation?: string;
}
