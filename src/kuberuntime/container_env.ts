/**
 * A container's environment and `$(VAR)` expansion with the kubelet's
 * semantics: `$(NAME)` is replaced by a variable defined earlier (or an env
 * var of the container), `$$` is an escaped `$`, and a reference that does
 * not resolve stays as written.
 *
 * @module
 */

import type { Container, EnvVar, Pod } from "kubernetes-types/core/v1.d.ts";
import { parseQuantity, type Quantity } from "../api/quantity.ts";

/** A container configuration that cannot be built; becomes CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}

/**
 * Expands `$(VAR)` references in `input` with `lookup`. `$$` becomes `$`; a
 * `$` not followed by `(` or `$` is kept; an unclosed `$(` is kept; a name
 * `lookup` does not know stays as `$(NAME)`.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let checkpoint = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== "$" || i + 1 >= input.length) continue;
    out += input.slice(checkpoint, i);
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 1;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += "$(";
        i += 1;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close;
      }
    } else {
      out += "$" + next;
      i += 1;
    }
    checkpoint = i + 1;
  }
  return out + input.slice(checkpoint);
}

/** Node facts the environment may refer to. */
export interface EnvOptions {
  /** The pod's IPs, primary first. @default [] */
  podIps?: string[];
  /** The node's IPs, primary first. @default [] */
  hostIps?: string[];
  /** The node name (spec.nodeName when the pod has none). @default "" */
  nodeName?: string;
  /** Node allocatable, used for resourceFieldRef limits a container does not set. */
  nodeAllocatable?: { cpu?: string; memory?: string; "ephemeral-storage"?: string };
}

/** One CRI env entry. */
export interface EnvEntry {
  key: string;
  value: string;
}

function mapKey(path: string, prefix: string): string | undefined {
  const m = path.match(new RegExp(`^${prefix.replace(".", "\\.")}\\['(.*)'\\]$`));
  return m ? m[1] : undefined;
}

function fieldValue(pod: Pod, path: string, options: EnvOptions): string {
  const podIps = options.podIps ?? [];
  const hostIps = options.hostIps ?? [];
  switch (path) {
    case "metadata.name":
      return pod.metadata?.name ?? "";
    case "metadata.namespace":
      return pod.metadata?.namespace ?? "";
    case "metadata.uid":
      return pod.metadata?.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName || options.nodeName || "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.podIP":
      return podIps[0] ?? "";
    case "status.podIPs":
      return podIps.join(",");
    case "status.hostIP":
      return hostIps[0] ?? "";
    case "status.hostIPs":
      return hostIps.join(",");
  }
  const label = mapKey(path, "metadata.labels");
  if (label !== undefined) return pod.metadata?.labels?.[label] ?? "";
  const annotation = mapKey(path, "metadata.annotations");
  if (annotation !== undefined) return pod.metadata?.annotations?.[annotation] ?? "";
  throw new ContainerConfigError(`Cannot resolve env fieldRef: unsupported fieldPath '${path}'`);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new ContainerConfigError("Cannot resolve resourceFieldRef: divisor is zero");
  return a % b === 0n ? a / b : a / b + (a > 0n ? 1n : 0n);
}

function resourceValue(
  pod: Pod,
  container: Container,
  ref: { containerName?: string; resource: string; divisor?: string },
  options: EnvOptions,
): string {
  const target = ref.containerName
    ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]
      .find((c) => c.name === ref.containerName)
    : container;
  if (!target) {
    throw new ContainerConfigError(
      `Cannot resolve resourceFieldRef: container '${ref.containerName}' is not in the pod`,
    );
  }
  const [kind, name] = ref.resource.split(".", 2) as [string, string];
  if ((kind !== "limits" && kind !== "requests") || !name) {
    throw new ContainerConfigError(
      `Cannot resolve resourceFieldRef: unsupported resource '${ref.resource}'`,
    );
  }
  const map = target.resources?.[kind] as Record<string, string> | undefined;
  let text = map?.[name];
  if (text === undefined && kind === "limits") {
    text = (options.nodeAllocatable as Record<string, string> | undefined)?.[name];
  }
  const q: Quantity = parseQuantity(text ?? "0");
  const divisor = parseQuantity(ref.divisor ?? "1");
  if (name === "cpu") return String(ceilDiv(q.milliValue(), divisor.milliValue()));
  return String(ceilDiv(q.value(), divisor.value()));
}

function unsupported(kind: string, name: string | undefined, optional: boolean | undefined) {
  if (optional) return;
  throw new ContainerConfigError(
    `Cannot resolve env: ${kind} '${name ?? ""}' is not available on a standalone node`,
  );
}

/**
 * The container's environment (envFrom, then env, later names overriding
 * earlier ones), with `$(VAR)` in plain values expanded against the variables
 * defined before them. Throws {@linkcode ContainerConfigError} for sources the
 * node cannot resolve (ConfigMaps and Secrets unless optional).
 */
export function makeEnvironment(
  pod: Pod,
  container: Container,
  options: EnvOptions = {},
): EnvEntry[] {
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      unsupported("configMap", from.configMapRef.name, from.configMapRef.optional);
    }
    if (from.secretRef) unsupported("secret", from.secretRef.name, from.secretRef.optional);
  }
  for (const v of container.env ?? [] as EnvVar[]) {
    const src = v.valueFrom;
    if (!src) {
      env.set(v.name, expandVars(v.value ?? "", (n) => env.get(n)));
    } else if (src.fieldRef) {
      env.set(v.name, fieldValue(pod, src.fieldRef.fieldPath, options));
    } else if (src.resourceFieldRef) {
      env.set(v.name, resourceValue(pod, container, src.resourceFieldRef, options));
    } else if (src.configMapKeyRef) {
      unsupported("configMap", src.configMapKeyRef.name, src.configMapKeyRef.optional);
    } else if (src.secretKeyRef) {
      unsupported("secret", src.secretKeyRef.name, src.secretKeyRef.optional);
    } else {
      throw new ContainerConfigError(`Cannot resolve env '${v.name}': valueFrom has no source`);
    }
  }
  return [...env].map(([key, value]) => ({ key, value }));
}

/** Command and args with `$(VAR)` expanded against the container's environment. */
export function expandCommandAndArgs(
  container: Container,
  env: EnvEntry[],
): { command: string[]; args: string[] } {
  const map = new Map(env.map((e) => [e.key, e.value]));
  const lookup = (n: string) => map.get(n);
  return {
    command: (container.command ?? []).map((s) => expandVars(s, lookup)),
    args: (container.args ?? []).map((s) => expandVars(s, lookup)),
  };
}
