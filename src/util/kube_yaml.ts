/**
 * The YAML rules of the kubelet's decoders (sigs.k8s.io/yaml on gopkg.in/yaml.v2),
 * as options of the `yaml` package, for every YAML the agent reads the way the
 * kubelet does: static pod manifests and the KubeletConfiguration file.
 *
 * @module
 */

import type { DocumentOptions, ParseOptions, SchemaOptions, Tags } from "yaml";

/**
 * YAML 1.1, so unquoted `yes`/`no`/`on`/`off`/`y`/`n` are booleans and `0644` is
 * octal; `<<` merge keys; duplicate keys refused. Two YAML 1.1 types yaml.v2 lacks or
 * maps otherwise are left out: sexagesimal numbers (`1:20` stays a string) and
 * timestamps (`2024-05-01` stays the string as written, where yaml.v2 makes it
 * `2024-05-01T00:00:00Z`). The parser's own warnings are not printed.
 *
 * Note: the `yaml` package reads the environment variables `LOG_TOKENS` and
 * `LOG_STREAM` while parsing, so the agent needs `--allow-env=LOG_TOKENS,LOG_STREAM`.
 */
export const KUBE_YAML_OPTIONS: Readonly<ParseOptions & DocumentOptions & SchemaOptions> = {
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
 * Whether a parsed value contains itself: a YAML alias to an enclosing node
 * (`a: &x [*x]`) makes a cycle, which the kubelet's decoder refuses and which
 * would make a walk over the value loop forever.
 */
export function hasAliasCycle(value: unknown): boolean {
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
