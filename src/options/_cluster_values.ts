/**
 * The value kinds of the cluster settings, from a flag's text or a config
 * field: `map` (`k=v,k2=v2`: `--node-labels`, `--system-reserved`,
 * `--kube-reserved`), `taints` (`key=value:Effect,key:Effect`:
 * `--register-with-taints`; in the config file a list of Taint objects) and
 * `thresholds` (`memory.available<100Mi,nodefs.available<10%`:
 * `--eviction-hard`; in the config file a mapping of signal to value), and
 * their checks as the kubelet makes them.
 *
 * @module
 */

import type { Taint } from "kubernetes-types/core/v1.d.ts";
import { parseQuantity } from "../api/quantity.ts";
import { EVICTION_SIGNALS } from "../nodestatus/eviction_thresholds.ts";

/** Taint effects a node may register with. */
export const TAINT_EFFECTS: ReadonlySet<string> = new Set([
  "NoSchedule",
  "PreferNoSchedule",
  "NoExecute",
]);

/** Eviction signals the kubelet knows (one definition: src/nodestatus/eviction_thresholds.ts). */
const SIGNALS: ReadonlySet<string> = new Set(EVICTION_SIGNALS);

/** Resources `systemReserved` / `kubeReserved` may hold. */
const RESERVABLE: ReadonlySet<string> = new Set(["cpu", "memory", "ephemeral-storage", "pid"]);

/**
 * `--node-labels` keys in `kubernetes.io` / `k8s.io` the kubelet allows (its
 * kubeletapis.KubeletLabels and the kubelet.kubernetes.io/, node.kubernetes.io/
 * namespaces); others in those namespaces are refused at start.
 */
const ALLOWED_KUBERNETES_LABELS: ReadonlySet<string> = new Set([
  "beta.kubernetes.io/arch",
  "beta.kubernetes.io/instance-type",
  "beta.kubernetes.io/os",
  "failure-domain.beta.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "kubernetes.io/arch",
  "kubernetes.io/hostname",
  "kubernetes.io/os",
  "node.kubernetes.io/instance-type",
  "topology.kubernetes.io/region",
  "topology.kubernetes.io/zone",
]);

/** Parses `k=v,k2=v2` into `into` (later keys win). @throws {TypeError} for a pair without `=`. */
export function parseMapText(text: string, into: Record<string, string>): void {
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new TypeError(`malformed pair "${pair}", expected key=value`);
    into[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
}

/** Parses `key=value:Effect` / `key:Effect` items. @throws {TypeError} naming the bad item. */
export function parseTaintsText(text: string): Taint[] {
  const out: Taint[] = [];
  for (const item of text.split(",")) {
    if (item.trim() === "") continue;
    const colon = item.lastIndexOf(":");
    if (colon < 0) throw new TypeError(`taint "${item}" has no effect, expected key=value:Effect`);
    const kv = item.slice(0, colon).trim();
    const effect = item.slice(colon + 1).trim();
    const eq = kv.indexOf("=");
    const taint: Taint = { key: eq < 0 ? kv : kv.slice(0, eq), effect };
    if (eq >= 0) taint.value = kv.slice(eq + 1);
    out.push(taint);
  }
  return out;
}

/** Parses `signal<value,...`. @throws {TypeError} for an item without `<`. */
export function parseThresholdsText(text: string, into: Record<string, string>): void {
  for (const item of text.split(",")) {
    if (item.trim() === "") continue;
    const lt = item.indexOf("<");
    if (lt <= 0) throw new TypeError(`malformed threshold "${item}", expected signal<value`);
    into[item.slice(0, lt).trim()] = item.slice(lt + 1).trim();
  }
}

/** A config value as a string map, or the reason it is not one. */
export function mapFromConfig(value: unknown): Record<string, string> | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a mapping of names to strings";
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") return `"${k}" is not a string`;
    out[k] = v;
  }
  return out;
}

/** A config value as a taint list, or the reason it is not one. */
export function taintsFromConfig(value: unknown): Taint[] | string {
  if (!Array.isArray(value)) return "not a list of taints";
  const out: Taint[] = [];
  for (const [i, t] of value.entries()) {
    if (typeof t !== "object" || t === null || typeof t.key !== "string") {
      return `item ${i} is not a taint with a string key`;
    }
    if (typeof t.effect !== "string") return `item ${i} has no string effect`;
    if (t.value !== undefined && typeof t.value !== "string") {
      return `item ${i}'s value is not a string`;
    }
    out.push(
      t.value === undefined
        ? { key: t.key, effect: t.effect }
        : { key: t.key, value: t.value, effect: t.effect },
    );
  }
  return out;
}

const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Why a label key is not a qualified name, or undefined. */
function keyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!QUALIFIED_NAME.test(key) || name.length > 63 || (slash >= 0 && slash > 253)) {
    return `"${key}" is not a valid label key (a DNS-1123 prefix/ and a name of at most 63 characters)`;
  }
  return undefined;
}

/** Why the `--node-labels` are refused, or undefined. */
export function nodeLabelsProblem(labels: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(labels)) {
    const bad = keyProblem(key);
    if (bad) return bad;
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      return `the value "${value}" of label "${key}" is not a valid label value`;
    }
    const prefix = key.includes("/") ? key.slice(0, key.indexOf("/")) : "";
    const kubeNamespace = prefix === "kubernetes.io" || prefix.endsWith(".kubernetes.io") ||
      prefix === "k8s.io" || prefix.endsWith(".k8s.io");
    const allowedNamespace = prefix === "kubelet.kubernetes.io" ||
      prefix.endsWith(".kubelet.kubernetes.io") || prefix === "node.kubernetes.io" ||
      prefix.endsWith(".node.kubernetes.io");
    if (kubeNamespace && !allowedNamespace && !ALLOWED_KUBERNETES_LABELS.has(key)) {
      return `label "${key}" is in the kubernetes.io/k8s.io namespace: only kubelet.kubernetes.io/, ` +
        `node.kubernetes.io/ and the well-known node labels may be set by the node`;
    }
  }
  return undefined;
}

/** Why the taints are refused, or undefined. */
export function taintsProblem(taints: readonly Taint[]): string | undefined {
  for (const t of taints) {
    const bad = keyProblem(t.key);
    if (bad) return `taint key ${bad.slice(0, bad.indexOf(" is"))} is not a valid label key`;
    if (t.value !== undefined && (t.value.length > 63 || !LABEL_VALUE.test(t.value))) {
      return `taint "${t.key}" has an invalid value "${t.value}"`;
    }
    if (!TAINT_EFFECTS.has(t.effect)) {
      return `taint "${t.key}" has effect "${t.effect}": must be NoSchedule, PreferNoSchedule or NoExecute`;
    }
  }
  return undefined;
}

/** Why a reserved-resources map is refused, or undefined. */
export function reservedProblem(reserved: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(reserved)) {
    if (!RESERVABLE.has(name)) {
      return `"${name}" cannot be reserved: only cpu, memory, ephemeral-storage and pid`;
    }
    try {
      if (parseQuantity(value).sign() < 0) return `"${name}=${value}" is negative`;
    } catch {
      return `"${name}=${value}" is not a quantity`;
    }
  }
  return undefined;
}

/** Why eviction thresholds are refused, or undefined. */
export function thresholdsProblem(thresholds: Record<string, string>): string | undefined {
  for (const [signal, value] of Object.entries(thresholds)) {
    if (!SIGNALS.has(signal)) return `unknown eviction signal "${signal}"`;
    if (value.endsWith("%")) {
      const pct = Number(value.slice(0, -1));
      if (value === "%" || !Number.isFinite(pct) || pct < 0 || pct > 100) {
        return `"${signal}<${value}" is not a percentage between 0% and 100%`;
      }
      continue;
    }
    try {
      // The kubelet refuses 0 too ("eviction threshold ... must be positive").
      if (parseQuantity(value).sign() <= 0) return `"${signal}<${value}" must be positive`;
    } catch {
      return `"${signal}<${value}" is not a quantity or percentage`;
    }
  }
  return undefined;
}
