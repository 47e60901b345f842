/**
 * Validation of a container's env and envFrom. Private to src/api.
 *
 * @module
 */

import { type FieldErrors, presentKeys, quantityOrError, show } from "./_field_errors.ts";
import { dns1123SubdomainProblem, envVarNameProblem } from "./names.ts";
import { parseQuantity } from "./quantity.ts";
import type { EnvFromSource, EnvVar } from "./types.ts";

const ENV_SOURCES = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"] as const;
const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const ENV_FIELD_SUBSCRIPT = /^metadata\.(labels|annotations)\['[^']+'\]$/;
const ENV_RESOURCES = [
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
];
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CPU_DIVISORS = ["1m", "1"];
const MEMORY_DIVISORS = [
  "1",
  "1k",
  "1M",
  "1G",
  "1T",
  "1P",
  "1E",
  "1Ki",
  "1Mi",
  "1Gi",
  "1Ti",
  "1Pi",
  "1Ei",
];

/**
 * Checks a resourceFieldRef divisor as the API server does: 1m or 1 for cpu; 1 or a
 * power of 1000 or 1024 up to E/Ei for memory, ephemeral-storage and hugepages; zero
 * means unset. Exported for the downward API volume checks.
 */
export function validateDivisor(
  errors: FieldErrors,
  field: string,
  resource: string,
  divisor: unknown,
): void {
  const quantity = quantityOrError(errors, field, divisor);
  if (quantity === undefined || quantity.isZero()) return;
  const allowed = resource.endsWith(".cpu") ? CPU_DIVISORS : MEMORY_DIVISORS;
  if (!allowed.some((text) => parseQuantity(text).equals(quantity))) {
    errors.add(
      field,
      `must be one of ${allowed.join(", ")} for ${resource} (got ${show(divisor)})`,
    );
  }
}

/** Checks one `env` entry at `path`. */
export function validateEnvVar(errors: FieldErrors, path: string, env: EnvVar): void {
  const name = errors.requiredString(`${path}.name`, env.name);
  if (name !== undefined) errors.addProblem(`${path}.name`, envVarNameProblem(name), name);
  const from = env.valueFrom;
  if (from === undefined || from === null) return;
  const fromPath = `${path}.valueFrom`;
  if (env.value !== undefined && env.value !== "") {
    errors.add(fromPath, "must not be set when 'value' is not empty");
  }
  const sources = presentKeys(from, ENV_SOURCES);
  errors.exactlyOne(
    fromPath,
    sources,
    `of fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef`,
  );
  if (from.fieldRef) {
    const ref = from.fieldRef;
    if (ref.apiVersion && ref.apiVersion !== "v1") {
      errors.add(`${fromPath}.fieldRef.apiVersion`, `must be v1 (got ${show(ref.apiVersion)})`);
    }
    const fieldPath = errors.requiredString(`${fromPath}.fieldRef.fieldPath`, ref.fieldPath);
    if (
      fieldPath !== undefined && !ENV_FIELD_PATHS.includes(fieldPath) &&
      !ENV_FIELD_SUBSCRIPT.test(fieldPath)
    ) {
      errors.add(
        `${fromPath}.fieldRef.fieldPath`,
        `must be one of ${ENV_FIELD_PATHS.join(", ")}, metadata.labels['<key>'] or ` +
          `metadata.annotations['<key>'] (got ${show(fieldPath)})`,
      );
    }
  }
  if (from.resourceFieldRef) {
    const ref = from.resourceFieldRef;
    const resource = errors.requiredString(`${fromPath}.resourceFieldRef.resource`, ref.resource);
    if (
      resource !== undefined && !ENV_RESOURCES.includes(resource) &&
      !/^(limits|requests)\.hugepages-/.test(resource)
    ) {
      errors.add(
        `${fromPath}.resourceFieldRef.resource`,
        `must be one of ${ENV_RESOURCES.join(", ")} or a hugepages resource (got ${
          show(resource)
        })`,
      );
    }
    if (ref.divisor !== undefined && resource !== undefined) {
      validateDivisor(errors, `${fromPath}.resourceFieldRef.divisor`, resource, ref.divisor);
    }
  }
  for (const kind of ["configMapKeyRef", "secretKeyRef"] as const) {
    const ref = from[kind];
    if (!ref) continue;
    objectName(errors, `${fromPath}.${kind}.name`, ref.name);
    const key = errors.requiredString(`${fromPath}.${kind}.key`, ref.key);
    if (key !== undefined && (!CONFIG_KEY.test(key) || key.length > 253)) {
      errors.add(
        `${fromPath}.${kind}.key`,
        `must consist of letters, digits, '-', '_' and '.' (at most 253) (got ${show(key)})`,
      );
    }
  }
}

/** Checks one `envFrom` entry at `path`. */
export function validateEnvFrom(errors: FieldErrors, path: string, source: EnvFromSource): void {
  const sources = presentKeys(source, ["configMapRef", "secretRef"]);
  errors.exactlyOne(path, sources, `of configMapRef or secretRef`);
  if (source.prefix) {
    errors.addProblem(`${path}.prefix`, envVarNameProblem(source.prefix), source.prefix);
  }
  if (source.configMapRef) {
    objectName(errors, `${path}.configMapRef.name`, source.configMapRef.name);
  }
  if (source.secretRef) objectName(errors, `${path}.secretRef.name`, source.secretRef.name);
}

/** A ConfigMap or Secret name: required, a DNS-1123 subdomain. */
function objectName(errors: FieldErrors, field: string, value: unknown): void {
  const name = errors.requiredString(field, value);
  if (name !== undefined) errors.addProblem(field, dns1123SubdomainProblem(name), name);
}
