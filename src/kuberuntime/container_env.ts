/**
 * A container's environment with the kubelet's semantics
 * (makeEnvironmentVariables): envFrom first, then env, a later name
 * overriding an earlier one; values from the downward API, ConfigMaps and
 * Secrets; and `$(VAR)` expansion: `$(NAME)` is replaced by a variable
 * defined earlier, `$$` is an escaped `$`, and a reference that does not
 * resolve stays as written.
 *
 * @module
 */

import type { Container, EnvVar, Pod } from "kubernetes-types/core/v1.d.ts";
import { parseQuantity, type Quantity } from "../api/quantity.ts";
import type { ObjectLookup } from "../objects/types.ts";
import { ObjectEnv } from "./_object_env.ts";
import { ContainerConfigError } from "./container_config_error.ts";

export { ContainerConfigError };

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
  /**
   * Appended in parentheses to the NotFound message of a ConfigMap or Secret
   * reference, to say where this node's objects come from.
   * @default none when `objects` is given; without it
   * "standalone: only ConfigMaps and Secrets in the static pod directory"
   */
  notFoundHint?: string;
}

/** A warning about an environment that was still built (an event to record). */
export interface EnvWarning {
  reason: "InvalidEnvironmentVariableNames";
  message: string;
}

/** Inputs of {@linkcode makeEnvironment}: the node facts and this start's objects. */
export interface MakeEnvironmentOptions extends EnvOptions {
  /**
   * The ConfigMaps and Secrets of this pod, resolved for this sync.
   * @default none: every reference is NotFound
   */
  objects?: ObjectLookup;
  /** Receives the warnings (envFrom keys skipped). @default drops them */
  onWarning?: (warning: EnvWarning) => void;
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

/**
 * The value of a downward API `fieldRef` (env, and downwardAPI volumes for the
 * paths they allow). Throws {@linkcode ContainerConfigError} for a path it
 * does not know.
 */
export function fieldValue(pod: Pod, path: string, options: EnvOptions): string {
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

/**
 * The value of a downward API `resourceFieldRef`, divided by its divisor and
 * rounded up, of `ref.containerName` (else `container`); a limit the
 * container does not set is the node's allocatable. Throws
 * {@linkcode ContainerConfigError} for an unknown container or resource.
 */
export function resourceValue(
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

/**
 * The container's environment (envFrom, then env, later names overriding
 * earlier ones), with `$(VAR)` in plain values expanded against the variables
 * defined before them. ConfigMaps and Secrets are read from
 * `options.objects`. Throws {@linkcode ContainerConfigError} for a source
 * that cannot be resolved: a missing ConfigMap, Secret or key that is not
 * optional, an object that cannot be read now, a Secret value that is not
 * base64 text. Its message names the object and key, never a value.
 */
export function makeEnvironment(
  pod: Pod,
  container: Container,
  options: MakeEnvironmentOptions = {},
): EnvEntry[] {
  const env = new Map<string, string>();
  const objects = new ObjectEnv({
    namespace: pod.metadata?.namespace ?? "",
    objects: options.objects,
    notFoundHint: options.notFoundHint,
  });
  for (const from of container.envFrom ?? []) {
    const got = objects.envFrom(from);
    if (!got) continue;
    for (const [key, value] of got.entries) env.set(key, value);
    if (got.warning) {
      options.onWarning?.({ reason: "InvalidEnvironmentVariableNames", message: got.warning });
    }
  }
  for (const v of container.env ?? [] as EnvVar[]) {
    const src = v.valueFrom;
    if (v.value || !src) {
      env.set(v.name, expandVars(v.value ?? "", (n) => env.get(n)));
    } else if (src.fieldRef) {
      env.set(v.name, fieldValue(pod, src.fieldRef.fieldPath, options));
    } else if (src.resourceFieldRef) {
      env.set(v.name, resourceValue(pod, container, src.resourceFieldRef, options));
    } else if (src.configMapKeyRef || src.secretKeyRef) {
      const value = src.configMapKeyRef
        ? objects.keyRef("ConfigMap", src.configMapKeyRef)
        : objects.keyRef("Secret", src.secretKeyRef!);
      if (value !== undefined) env.set(v.name, value);
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
