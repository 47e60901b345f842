/** An in-memory ObjectLookup for the env and start tests. */

import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import { type ObjectLookup, ObjectUnavailableError } from "../../src/objects/types.ts";

/** Base64 of UTF-8 `text`, as the API server sends Secret data. */
export function b64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

export function configMap(name: string, data: Record<string, string>, namespace = "default") {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data } as ConfigMap;
}

/** A Secret whose `data` is `plain` base64-encoded. */
export function secret(name: string, plain: Record<string, string>, namespace = "default") {
  const data = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, b64(v)]));
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, data } as Secret;
}

/** Objects by `namespace/name`; names in `unavailable` throw ObjectUnavailableError. */
export class MapLookup implements ObjectLookup {
  configMaps = new Map<string, ConfigMap>();
  secrets = new Map<string, Secret>();
  unavailable = new Set<string>();
  /** Every read, as `Kind ns/name`. */
  reads: string[] = [];

  constructor(objects: (ConfigMap | Secret)[] = []) {
    for (const o of objects) this.put(o);
  }

  put(o: ConfigMap | Secret): this {
    const id = `${o.metadata?.namespace}/${o.metadata?.name}`;
    if (o.kind === "Secret") this.secrets.set(id, o as Secret);
    else this.configMaps.set(id, o as ConfigMap);
    return this;
  }

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.#read("ConfigMap", namespace, name, this.configMaps);
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.#read("Secret", namespace, name, this.secrets);
  }

  #read<T>(
    kind: "ConfigMap" | "Secret",
    namespace: string,
    name: string,
    map: Map<string, T>,
  ): T | undefined {
    this.reads.push(`${kind} ${namespace}/${name}`);
    if (this.unavailable.has(name)) {
      throw new ObjectUnavailableError({ kind, namespace, name }, "the API server is unreachable");
    }
    return map.get(`${namespace}/${name}`);
  }
}
