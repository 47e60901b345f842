/**
 * Validation of a container's (or pod's) resource requests and limits: resource
 * names, quantities, requests ≤ limits, and the rules for extended resources.
 * Private to src/api.
 *
 * @module
 */

import { type FieldErrors, quantityOrError, show } from "./_field_errors.ts";
import { qualifiedNameProblem } from "./names.ts";
import type { Quantity } from "./quantity.ts";
import type { ResourceRequirements } from "./types.ts";

/** Resource names without a domain that a container may request. */
const STANDARD_RESOURCES = ["cpu", "memory", "ephemeral-storage"];
const HUGE_PAGES = /^hugepages-/;

/**
 * What is wrong with `name` as a container resource name: a qualified name, and
 * without a domain one of cpu, memory, ephemeral-storage or hugepages-<size>.
 */
export function resourceNameProblem(name: string): string | undefined {
  if (name === "") return "must not be empty";
  const problem = qualifiedNameProblem(name);
  if (problem !== undefined) return problem;
  if (!name.includes("/") && !STANDARD_RESOURCES.includes(name) && !HUGE_PAGES.test(name)) {
    return "must be cpu, memory, ephemeral-storage, hugepages-<size> or a domain-prefixed " +
      "extended resource such as 'example.com/gpu'";
  }
  return undefined;
}

/** Whether `name` is an extended resource (domain-prefixed, outside kubernetes.io). */
function isExtended(name: string): boolean {
  return name.includes("/") && !name.includes("kubernetes.io/");
}

/** Checks `resources` at `path` (`spec.containers[0].resources`). */
export function validateResources(
  errors: FieldErrors,
  path: string,
  resources: ResourceRequirements,
): void {
  const parsed: Record<"limits" | "requests", Map<string, Quantity>> = {
    limits: new Map(),
    requests: new Map(),
  };
  for (const kind of ["limits", "requests"] as const) {
    for (const [name, text] of Object.entries(resources[kind] ?? {})) {
      const field = `${path}.${kind}[${name}]`;
      if (name === "") {
        errors.add(`${path}.${kind}`, "must not have an empty resource name");
      } else {
        errors.addProblem(`${path}.${kind}`, resourceNameProblem(name), name);
      }
      const quantity = quantityOrError(errors, field, text);
      if (quantity === undefined) continue;
      if (quantity.sign() < 0) {
        errors.add(field, `must not be negative (got ${show(text)})`);
        continue;
      }
      if (isExtended(name) && quantity.nanos % 1_000_000_000n !== 0n) {
        errors.add(field, `must be a whole number for an extended resource (got ${show(text)})`);
        continue;
      }
      parsed[kind].set(name, quantity);
    }
  }
  for (const [name, request] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (isExtended(name)) {
      if (limit === undefined) {
        errors.add(
          `${path}.limits[${name}]`,
          "is required when the extended resource is requested",
        );
      } else if (request.cmp(limit) !== 0) {
        errors.add(
          `${path}.requests[${name}]`,
          `must equal the ${name} limit of ${limit} for an extended resource (got ${request})`,
        );
      }
      continue;
    }
    if (limit !== undefined && request.cmp(limit) > 0) {
      errors.add(
        `${path}.requests[${name}]`,
        `must be less than or equal to the ${name} limit of ${limit} (got ${request})`,
      );
    }
  }
}
