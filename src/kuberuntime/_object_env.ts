/**
 * The ConfigMap and Secret sources of a container's environment, read the
 * way the kubelet's makeEnvironmentVariables reads them:
 * `env[].valueFrom.configMapKeyRef` / `secretKeyRef` and `envFrom`
 * (`configMapRef` / `secretRef` with `prefix`). Private to src/kuberuntime.
 *
 * - A missing object or key fails the container with the kubelet's message
 *   (`configmap "app" not found`, `couldn't find key LOG in ConfigMap
 *   default/app`) unless the reference is optional, which skips it.
 * - An object the lookup cannot read now (ObjectUnavailableError) fails it
 *   even when optional: only NotFound is skipped, as in the kubelet.
 * - Secret data is base64; a value that is not, or that is not UTF-8 text,
 *   fails with a message naming the Secret and the key.
 * - envFrom keys that are not valid environment variable names (after the
 *   prefix) are skipped and returned, for the kubelet's
 *   `InvalidEnvironmentVariableNames` warning.
 *
 * No message here ever contains a value: only kinds, names and keys.
 *
 * @module
 */

import { decodeStdBase64 } from "../util/base64.ts";
import type {
  ConfigMap,
  ConfigMapKeySelector,
  EnvFromSource,
  Secret,
  SecretKeySelector,
} from "kubernetes-types/core/v1.d.ts";
import { isEnvVarName } from "../api/names.ts";
import {
  type ObjectKind,
  type ObjectLookup,
  type ObjectRef,
  ObjectUnavailableError,
} from "../objects/types.ts";
import { errText } from "../util/err_text.ts";
import { ContainerConfigError } from "./container_config_error.ts";

/** Where NotFound messages say objects come from when the node has no lookup. */
const NO_LOOKUP_HINT = "standalone: only ConfigMaps and Secrets in the static pod directory";

/** Options of {@linkcode ObjectEnv}. */
export interface ObjectEnvOptions {
  /** The pod's namespace: references are namespace-local. */
  namespace: string;
  /** Where objects are read; undefined = none (every reference is NotFound). */
  objects?: ObjectLookup;
  /** Appended to NotFound messages in parentheses. @default the standalone hint without `objects` */
  notFoundHint?: string;
}

/** What one envFrom entry contributes. */
export interface EnvFromResult {
  /** `prefix + key` → value, in the object's key order. */
  entries: [string, string][];
  /** Names (`prefix + key`) that are not valid environment variable names, sorted. */
  invalid: string[];
  /** The `InvalidEnvironmentVariableNames` message when `invalid` is not empty. */
  warning?: string;
}

type Obj = ConfigMap | Secret;

/** The kubelet's NotFound wording: the watch-based manager's singular resource. */
function notFoundText(kind: ObjectKind, name: string): string {
  return `${kind === "ConfigMap" ? "configmap" : "secret"} "${name}" not found`;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One base64 value of a Secret's `data` as text (Go's StdEncoding: padding
 * required, CR and LF ignored). Throws {@linkcode ContainerConfigError}
 * naming the Secret and key, never the value.
 */
export function decodeSecretValue(encoded: unknown, key: string, where: string): string {
  const bytes = typeof encoded === "string" ? decodeStdBase64(encoded) : undefined;
  if (!bytes) throw new ContainerConfigError(`couldn't decode key ${key} in ${where}: not base64`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ContainerConfigError(`couldn't decode key ${key} in ${where}: not UTF-8 text`);
  }
}

/**
 * The ConfigMaps and Secrets of one container's environment. Each object is
 * read from the lookup once, so every reference of the container sees the
 * same version.
 */
export class ObjectEnv {
  #namespace: string;
  #objects?: ObjectLookup;
  #hint: string | undefined;
  #seen = new Map<string, Obj | undefined>();

  constructor(options: ObjectEnvOptions) {
    this.#namespace = options.namespace;
    this.#objects = options.objects;
    this.#hint = options.notFoundHint ?? (options.objects ? undefined : NO_LOOKUP_HINT);
  }

  /**
   * The value `ref` points at; undefined when the reference is optional and
   * its object or key is missing (the variable is then not set).
   */
  keyRef(
    kind: ObjectKind,
    ref: ConfigMapKeySelector | SecretKeySelector,
  ): string | undefined {
    const name = String(ref.name ?? "");
    const key = String(ref.key ?? "");
    const obj = this.#read(kind, name, ref.optional === true);
    if (!obj) return undefined;
    const where = `${kind} ${this.#namespace}/${name}`;
    const value = kind === "ConfigMap"
      ? configMapValue(obj as ConfigMap, key, where)
      : secretValue(obj as Secret, key, where);
    if (value !== undefined) return value;
    if (ref.optional === true) return undefined;
    throw new ContainerConfigError(`couldn't find key ${key} in ${where}`);
  }

  /** The variables one envFrom entry defines; undefined when its optional object is missing. */
  envFrom(source: EnvFromSource): EnvFromResult | undefined {
    const kind: ObjectKind | undefined = source.configMapRef
      ? "ConfigMap"
      : source.secretRef
      ? "Secret"
      : undefined;
    if (!kind) return undefined;
    const ref = (kind === "ConfigMap" ? source.configMapRef : source.secretRef)!;
    const name = String(ref.name ?? "");
    const obj = this.#read(kind, name, ref.optional === true);
    if (!obj) return undefined;
    const where = `${kind} ${this.#namespace}/${name}`;
    const keys = kind === "ConfigMap"
      ? Object.keys((obj as ConfigMap).data ?? {})
      : secretKeys(obj as Secret);
    const prefix = typeof source.prefix === "string" ? source.prefix : "";
    const result: EnvFromResult = { entries: [], invalid: [] };
    for (const key of keys) {
      const envName = prefix + key;
      if (!isEnvVarName(envName)) {
        result.invalid.push(envName);
        continue;
      }
      const value = kind === "ConfigMap"
        ? configMapValue(obj as ConfigMap, key, where)
        : secretValue(obj as Secret, key, where);
      if (value !== undefined) result.entries.push([envName, value]);
    }
    if (result.invalid.length > 0) {
      result.invalid.sort();
      result.warning = `Keys [${result.invalid.join(", ")}] from the EnvFrom ${
        kind === "ConfigMap" ? "configMap" : "secret"
      } ${this.#namespace}/${name} were skipped since they are considered invalid environment variable names.`;
    }
    return result;
  }

  /** The object, undefined when it is missing and `optional`; throws otherwise. */
  #read(kind: ObjectKind, name: string, optional: boolean): Obj | undefined {
    const id = `${kind}/${name}`;
    let obj: Obj | undefined;
    if (this.#seen.has(id)) obj = this.#seen.get(id);
    else {
      obj = this.#lookup({ kind, namespace: this.#namespace, name });
      this.#seen.set(id, obj);
    }
    if (obj || optional) return obj;
    const hint = this.#hint ? ` (${this.#hint})` : "";
    throw new ContainerConfigError(notFoundText(kind, name) + hint);
  }

  #lookup(ref: ObjectRef): Obj | undefined {
    if (!this.#objects) return undefined;
    try {
      return ref.kind === "ConfigMap"
        ? this.#objects.configMap(ref.namespace, ref.name)
        : this.#objects.secret(ref.namespace, ref.name);
    } catch (e) {
      if (e instanceof ObjectUnavailableError) throw new ContainerConfigError(e.message);
      throw new ContainerConfigError(
        new ObjectUnavailableError(ref, errText(e)).message,
      );
    }
  }
}

/** A ConfigMap's `data` value (binaryData is not env material, as in the kubelet). */
function configMapValue(cm: ConfigMap, key: string, where: string): string | undefined {
  const data = cm.data as Record<string, unknown> | undefined;
  if (!data || !Object.hasOwn(data, key)) return undefined;
  const value = data[key];
  if (typeof value !== "string") {
    throw new ContainerConfigError(`key ${key} in ${where} is not a string`);
  }
  return value;
}

/**
 * A Secret's value as text: `stringData` (plain, as a manifest may give it;
 * it wins as on the API server's write) or base64 `data`.
 */
function secretValue(secret: Secret, key: string, where: string): string | undefined {
  const plain = secret.stringData as Record<string, unknown> | undefined;
  if (plain && Object.hasOwn(plain, key)) {
    const value = plain[key];
    if (typeof value !== "string") {
      throw new ContainerConfigError(`key ${key} in ${where} is not a string`);
    }
    return value;
  }
  const data = secret.data as Record<string, unknown> | undefined;
  if (!data || !Object.hasOwn(data, key)) return undefined;
  return decodeSecretValue(data[key], key, where);
}

function secretKeys(secret: Secret): string[] {
  const keys = new Set(Object.keys(secret.data ?? {}));
  for (const k of Object.keys(secret.stringData ?? {})) keys.add(k);
  return [...keys];
}
