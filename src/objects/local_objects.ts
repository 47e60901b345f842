/**
 * The ConfigMaps and Secrets of the static pod directory (beyond the kubelet:
 * kubernetes/kubernetes#27312): the file source decodes and validates them
 * and hands the full current set to {@linkcode LocalObjectStore.replace}
 * after each change; pods look them up by kind, namespace and name, and the
 * objects that were added, changed or removed are told to the `onChange`
 * listeners (the agent wakes the pods that use them).
 *
 * The objects are kept as given (the file source freezes them); nothing here
 * logs or compares them other than for equality.
 *
 * @module
 */

import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import type { KubeObject } from "./_object_result.ts";
import { objectKey } from "./pod_refs.ts";
import { formatObjectRef, type ObjectKind, type ObjectLookup, type ObjectRef } from "./types.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";

/** Options of {@linkcode LocalObjectStore}. */
export interface LocalObjectStoreOptions {
  /** Where a listener's failure is logged. @default nullLogger */
  logger?: Logger;
}

/** The ref of a local object, or undefined when it is not a named ConfigMap or Secret. */
function refOf(obj: KubeObject): ObjectRef | undefined {
  const kind = (obj as { kind?: unknown })?.kind;
  const name = obj?.metadata?.name;
  if ((kind !== "ConfigMap" && kind !== "Secret") || !name) return undefined;
  return { kind, namespace: obj.metadata?.namespace || "default", name };
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The static pod directory's ConfigMaps and Secrets. */
export class LocalObjectStore implements ObjectLookup {
  #objects = new Map<string, { ref: ObjectRef; object: KubeObject }>();
  #listeners = new Set<(ref: ObjectRef) => void>();
  #logger: Logger;

  constructor(options: LocalObjectStoreOptions = {}) {
    this.#logger = options.logger ?? nullLogger;
  }

  /** How many objects there are. */
  get size(): number {
    return this.#objects.size;
  }

  /**
   * Replaces the set with `objects` (the directory's full current set; an
   * item that is not a named ConfigMap or Secret is ignored, a later one
   * with the same kind, namespace and name wins). Returns the refs that
   * were added, changed or removed, in that order, after telling the
   * listeners.
   */
  replace(objects: ReadonlyArray<ConfigMap | Secret>): ObjectRef[] {
    const next = new Map<string, { ref: ObjectRef; object: KubeObject }>();
    for (const object of objects) {
      const ref = refOf(object);
      if (ref) next.set(objectKey(ref), { ref, object });
    }
    const changed: ObjectRef[] = [];
    for (const [key, e] of next) {
      const prev = this.#objects.get(key);
      if (!prev || !sameObject(prev.object, e.object)) changed.push(e.ref);
    }
    for (const [key, e] of this.#objects) if (!next.has(key)) changed.push(e.ref);
    this.#objects = next;
    for (const ref of changed) this.#tell(ref);
    return changed;
  }

  /** The object `ref` names, or undefined. */
  get(ref: ObjectRef): KubeObject | undefined {
    return this.#objects.get(objectKey(ref))?.object;
  }

  /** Whether there is a local object `ref` names. */
  has(ref: ObjectRef): boolean {
    return this.#objects.has(objectKey(ref));
  }

  /** Every local object's ref. */
  refs(kind?: ObjectKind): ObjectRef[] {
    return [...this.#objects.values()].map((e) => e.ref).filter((r) => !kind || r.kind === kind);
  }

  /** The local ConfigMap `namespace/name`, or undefined. */
  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.get({ kind: "ConfigMap", namespace, name }) as ConfigMap | undefined;
  }

  /** The local Secret `namespace/name`, or undefined. */
  secret(namespace: string, name: string): Secret | undefined {
    return this.get({ kind: "Secret", namespace, name }) as Secret | undefined;
  }

  /** Calls `listener` for each object added, changed or removed; returns the function that removes it. */
  onChange(listener: (ref: ObjectRef) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #tell(ref: ObjectRef): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(ref);
      } catch (err) {
        this.#logger.error(`A listener of ${formatObjectRef(ref)} changes failed`, {
          err: errText(err),
        });
      }
    }
  }
}
