/**
 * The node-relevant part of the API server's Pod validation, for pods that come from
 * files and URLs and so never passed through an API server.
 *
 * Problems are returned as values ({@linkcode FieldError}), all of them at once, with
 * the field path and the bad value; {@linkcode formatFieldErrors} turns them into one
 * line for a log or an event.
 *
 * A pod may be checked with or without {@linkcode setPodDefaults} applied: a field the
 * defaults would fill (restartPolicy, dnsPolicy, port protocol, probe timings, ...) is
 * not an error when it is unset.
 *
 * @module
 */

import { isIP } from "node:net";
import { escapeControl } from "../util/escape_control.ts";
import { FieldErrors, show } from "./_field_errors.ts";
import { validateContainer, validateSecurityContext } from "./_validate_container.ts";
import type { FieldError } from "./_field_errors.ts";
import { validateMetadata } from "./_validate_meta.ts";
import { validateVolumes } from "./_validate_volumes.ts";
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelValueProblem,
  qualifiedNameProblem,
} from "./names.ts";
import { DNS_POLICIES, type Pod, type PodSpec, RESTART_POLICIES } from "./types.ts";

export type { FieldError } from "./_field_errors.ts";

const TOLERATION_OPERATORS = ["Exists", "Equal"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const MAX_NAMESERVERS = 3;
const MAX_DNS_SEARCHES = 32;
/** Longest search list, all domains with one separator each (the API's MaxDNSSearchListChars). */
const MAX_DNS_SEARCH_CHARS = 2048;
/** Problems shown by {@linkcode formatFieldErrors}; the rest are counted. */
const MAX_SHOWN_ERRORS = 10;
const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

/**
 * Checks the parts of a Pod the node relies on, as the API server would on create:
 * metadata (name, namespace, UID, labels, annotations and their total size),
 * containers and init containers (names, images, ports, probes, lifecycle handlers,
 * env, mounts, resource names and amounts, termination message path, security
 * context), volumes and their item paths, restartPolicy, dnsPolicy and dnsConfig,
 * hostAliases, grace periods, host ports, node selector, readiness gates, sysctls and
 * tolerations.
 *
 * The pod must have the core/v1 field types, as `decodePod` returns it (and as pods
 * read from an API server have); a field of another type may throw.
 *
 * @returns every problem found (at most 100); an empty list when the pod is valid
 * @throws {TypeError} when `pod` is not an object
 */
export function validatePod(pod: Pod): FieldError[] {
  if (pod === null || typeof pod !== "object" || Array.isArray(pod)) {
    throw new TypeError(`Cannot validate pod: expected an object, got ${show(pod)}`);
  }
  const errors = new FieldErrors();
  if (pod.apiVersion !== undefined && pod.apiVersion !== "v1") {
    errors.add("apiVersion", `must be v1 (got ${show(pod.apiVersion)})`);
  }
  if (pod.kind !== undefined && pod.kind !== "Pod") {
    errors.add("kind", `must be Pod (got ${show(pod.kind)})`);
  }
  validateMetadata(errors, pod);
  if (pod.spec === undefined || pod.spec === null || typeof pod.spec !== "object") {
    errors.add("spec", "is required");
  } else {
    validateSpec(errors, pod.spec);
  }
  return errors.list;
}

/**
 * One line for a log or an event, e.g.
 * "field 'spec.containers[0].name' is required; field 'spec.restartPolicy' must be ...".
 */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  const shown = errors.slice(0, MAX_SHOWN_ERRORS)
    .map(({ field, message }) => `field '${escapeControl(field)}' ${escapeControl(message)}`);
  const more = errors.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

function validateSpec(errors: FieldErrors, spec: PodSpec): void {
  const volumeNames = validateVolumes(errors, spec.volumes ?? []);
  const context = {
    volumeNames,
    hostNetwork: spec.hostNetwork === true,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? undefined,
  };
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) {
    errors.add("spec.containers", "must have at least one container");
  }
  const containerNames = new Map<string, string>();
  const groups = [
    ["spec.initContainers", spec.initContainers ?? [], true],
    ["spec.containers", Array.isArray(spec.containers) ? spec.containers : [], false],
  ] as const;
  for (const [base, containers, init] of groups) {
    containers.forEach((container, i) => {
      const path = `${base}[${i}]`;
      validateContainer(errors, path, container, { ...context, init });
      if (typeof container.name !== "string" || container.name === "") return;
      const first = containerNames.get(container.name);
      if (first !== undefined) {
        errors.add(
          `${path}.name`,
          `must be unique across containers and initContainers ('${container.name}' is also ${first})`,
        );
      } else {
        containerNames.set(container.name, path);
      }
    });
  }
  validateHostPorts(errors, spec);
  if ((spec.ephemeralContainers ?? []).length > 0) {
    errors.add("spec.ephemeralContainers", "must not be set when a pod is created");
  }
  errors.oneOf("spec.restartPolicy", spec.restartPolicy, RESTART_POLICIES);
  errors.oneOf("spec.dnsPolicy", spec.dnsPolicy, DNS_POLICIES);
  validateDns(errors, spec);
  errors.integer("spec.terminationGracePeriodSeconds", spec.terminationGracePeriodSeconds, {
    min: 0,
  });
  errors.integer("spec.activeDeadlineSeconds", spec.activeDeadlineSeconds, { min: 1 });
  for (const field of ["hostname", "subdomain"] as const) {
    const value = spec[field];
    if (value) errors.addProblem(`spec.${field}`, dns1123LabelProblem(value), value);
  }
  if (spec.nodeName) {
    errors.addProblem("spec.nodeName", dns1123SubdomainProblem(spec.nodeName), spec.nodeName);
  }
  if (spec.serviceAccountName) {
    const name = spec.serviceAccountName;
    errors.addProblem("spec.serviceAccountName", dns1123SubdomainProblem(name), name);
  }
  if (spec.securityContext) {
    validateSecurityContext(errors, "spec.securityContext", spec.securityContext);
    validateSysctls(errors, spec);
  }
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    errors.addProblem("spec.nodeSelector", qualifiedNameProblem(key), key);
    errors.addProblem(`spec.nodeSelector[${key}]`, labelValueProblem(value), value);
  }
  (spec.readinessGates ?? []).forEach((gate, i) => {
    const field = `spec.readinessGates[${i}].conditionType`;
    const type = errors.requiredString(field, gate.conditionType);
    if (type !== undefined) errors.addProblem(field, qualifiedNameProblem(type), type);
  });
  validateHostAliases(errors, spec);
  validateTolerations(errors, spec);
}

function validateTolerations(errors: FieldErrors, spec: PodSpec): void {
  (spec.tolerations ?? []).forEach((toleration, i) => {
    const path = `spec.tolerations[${i}]`;
    if (toleration.key) {
      errors.addProblem(`${path}.key`, qualifiedNameProblem(toleration.key), toleration.key);
    }
    errors.oneOf(`${path}.operator`, toleration.operator, TOLERATION_OPERATORS);
    errors.oneOf(`${path}.effect`, toleration.effect, TAINT_EFFECTS);
    if (!toleration.key && toleration.operator !== "Exists") {
      errors.add(
        `${path}.operator`,
        `must be Exists when key is empty (got ${show(toleration.operator ?? "Equal")})`,
      );
    }
    if (toleration.operator === "Exists" && toleration.value) {
      errors.add(
        `${path}.value`,
        `must be empty when operator is Exists (got ${show(toleration.value)})`,
      );
    } else if (toleration.value) {
      errors.addProblem(`${path}.value`, labelValueProblem(toleration.value), toleration.value);
    }
    if (toleration.tolerationSeconds !== undefined && toleration.effect !== "NoExecute") {
      errors.add(`${path}.tolerationSeconds`, "may only be set when effect is NoExecute");
    }
  });
}

function validateHostAliases(errors: FieldErrors, spec: PodSpec): void {
  (spec.hostAliases ?? []).forEach((alias, i) => {
    const path = `spec.hostAliases[${i}]`;
    const ip = errors.requiredString(`${path}.ip`, alias.ip);
    if (ip !== undefined && isIP(ip) === 0) {
      errors.add(`${path}.ip`, `must be a valid IP address (got ${show(ip)})`);
    }
    (alias.hostnames ?? []).forEach((hostname, j) => {
      const field = `${path}.hostnames[${j}]`;
      errors.addProblem(field, dns1123SubdomainProblem(hostname), hostname);
    });
  });
}

function validateSysctls(errors: FieldErrors, spec: PodSpec): void {
  const seen = new Set<string>();
  (spec.securityContext?.sysctls ?? []).forEach((sysctl, i) => {
    const field = `spec.securityContext.sysctls[${i}].name`;
    const name = errors.requiredString(field, sysctl.name);
    if (name === undefined) return;
    if (name.length > 253 || !SYSCTL_NAME.test(name)) {
      errors.add(field, `must be a sysctl name such as 'net.ipv4.ip_forward' (got ${show(name)})`);
    }
    if (seen.has(name)) errors.add(field, `must be unique ('${name}' is set twice)`);
    seen.add(name);
  });
}

function validateHostPorts(errors: FieldErrors, spec: PodSpec): void {
  const seen = new Map<string, string>();
  (Array.isArray(spec.containers) ? spec.containers : []).forEach((container, c) => {
    (container.ports ?? []).forEach((port, p) => {
      if (!port.hostPort) return;
      const key = `${port.hostIP ?? ""}/${port.protocol || "TCP"}/${port.hostPort}`;
      const path = `spec.containers[${c}].ports[${p}].hostPort`;
      const first = seen.get(key);
      if (first !== undefined) {
        errors.add(
          path,
          `must be unique in the pod (${port.hostPort}/${port.protocol || "TCP"} is also ${first})`,
        );
      } else {
        seen.set(key, path);
      }
    });
  });
}

function validateDns(errors: FieldErrors, spec: PodSpec): void {
  if (spec.dnsPolicy === "None" && !spec.dnsConfig) {
    errors.add("spec.dnsConfig", "is required when dnsPolicy is None");
  }
  const config = spec.dnsConfig;
  if (!config) return;
  const nameservers = config.nameservers ?? [];
  if (nameservers.length > MAX_NAMESERVERS) {
    errors.add(
      "spec.dnsConfig.nameservers",
      `must have at most ${MAX_NAMESERVERS} entries (got ${nameservers.length})`,
    );
  }
  nameservers.forEach((server, i) => {
    if (typeof server !== "string" || isIP(server) === 0) {
      errors.add(`spec.dnsConfig.nameservers[${i}]`, `must be an IP address (got ${show(server)})`);
    }
  });
  if (spec.dnsPolicy === "None" && nameservers.length === 0) {
    errors.add("spec.dnsConfig.nameservers", "must have at least one entry when dnsPolicy is None");
  }
  const searches = config.searches ?? [];
  if (searches.length > MAX_DNS_SEARCHES) {
    errors.add(
      "spec.dnsConfig.searches",
      `must have at most ${MAX_DNS_SEARCHES} entries (got ${searches.length})`,
    );
  }
  let chars = 0;
  searches.forEach((search, i) => {
    chars += search.length + 1;
    // A trailing '.' (a fully qualified domain) is allowed.
    const domain = search.endsWith(".") ? search.slice(0, -1) : search;
    errors.addProblem(`spec.dnsConfig.searches[${i}]`, dns1123SubdomainProblem(domain), search);
  });
  if (chars - 1 > MAX_DNS_SEARCH_CHARS) {
    errors.add(
      "spec.dnsConfig.searches",
      `must have at most ${MAX_DNS_SEARCH_CHARS} characters in all (got ${chars - 1})`,
    );
  }
  (config.options ?? []).forEach((option, i) => {
    errors.requiredString(`spec.dnsConfig.options[${i}].name`, option.name);
  });
}
