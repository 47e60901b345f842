/**
 * The container spec hash recorded in the `io.kubernetes.container.hash`
 * annotation.
 *
 * Better than the kubelet: the kubelet hashes `{name, image}` only (since
 * v1.31), so editing a container's command, args or env in a manifest is
 * silently ignored. denolet hashes the WHOLE container spec, so an edited
 * manifest restarts exactly the containers whose spec changed and leaves the
 * others running.
 *
 * Algorithm: FNV-1a 64-bit over the UTF-8 bytes of a canonical JSON form of
 * the container, written as lower-case hex without leading zeros (the way the
 * kubelet prints its hash). The canonical form applies the API defaults first
 * and then sorts object keys and drops `null`, `undefined`, `""`, `[]` and `{}`,
 * so a manifest that is re-defaulted, re-ordered or has empty fields spelled
 * out hashes the same as the original. Order inside arrays (args, env, ports)
 * is kept: it is meaningful.
 *
 * @module
 */

import type { Container } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../api/defaults.ts";

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a 64 of a string's UTF-8 bytes, as a bigint. */
export function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK_64;
  }
  return h;
}

function normalize(value: unknown): unknown {
  if (value === null || value === undefined || value === "") return undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => normalize(v) ?? null);
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = normalize((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/**
 * The canonical JSON of a container: defaults applied, keys sorted, empty
 * values dropped.
 */
export function canonicalContainerJson(container: Container): string {
  const defaulted = setPodDefaults({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "hash", namespace: "default" },
    spec: { containers: [container] },
  }).spec!.containers[0];
  return JSON.stringify(normalize(defaulted) ?? {});
}

/** The hash of the whole container spec, as lower-case hex. */
export function hashContainer(container: Container): string {
  return fnv1a64(canonicalContainerJson(container)).toString(16);
}
