/** A map-backed ObjectLookup for the volume tests. */

import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import { type ObjectLookup, ObjectUnavailableError } from "../../src/objects/types.ts";

/** Objects by `namespace/name`; a name in `unavailable` throws ObjectUnavailableError. */
export function fakeLookup(objects: {
  configMaps?: Record<string, ConfigMap>;
  secrets?: Record<string, Secret>;
  unavailable?: string[];
}): ObjectLookup {
  const check = (kind: "ConfigMap" | "Secret", namespace: string, name: string) => {
    if (objects.unavailable?.includes(`${namespace}/${name}`)) {
      throw new ObjectUnavailableError({ kind, namespace, name }, "the API server is unreachable");
    }
  };
  return {
    configMap(namespace, name) {
      check("ConfigMap", namespace, name);
      return objects.configMaps?.[`${namespace}/${name}`];
    },
    secret(namespace, name) {
      check("Secret", namespace, name);
      return objects.secrets?.[`${namespace}/${name}`];
    },
  };
}

/** Base64 of UTF-8 text, as Secret data carries it. */
export function b64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The payload as path → [text, mode], for assertions. */
export function show(
  payload: Map<string, { data: Uint8Array; mode: number }>,
): Record<string, [string, number]> {
  const dec = new TextDecoder();
  return Object.fromEntries([...payload].map(([p, f]) => [p, [dec.decode(f.data), f.mode]]));
}
