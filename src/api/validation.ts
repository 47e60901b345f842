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
import { FieldErrors, presentKeys, show } from "./_field_errors.ts";
import { validateContainer, validateSecurityIds } from "./_validate_container.ts";
import type { FieldError } from "./_field_errors.ts";
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelValueProblem,
  qualifiedNameProblem,
} from "./names.ts";
import { parseQuantity } from "./quantity.ts";
import {
  DNS_POLICIES,
  HOST_PATH_TYPES,
  type Pod,
  type PodSpec,
  RESTART_POLICIES,
  type Volume,
} from "./types.ts";

export type { FieldError } from "./_field_errors.ts";

/** Volume source fields of the core/v1 API; a volume must set exactly one. */
const VOLUME_SOURCES: readonly (keyof Volume)[] = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "hostPath",
  "iscsi",
  "nfs",
  "persistentVolumeClaim",
  "photonPersistentDisk",
  "portworxVolume",
  "projected",
  "quobyte",
  "rbd",
  "scaleIO",
  "secret",
  "storageos",
  "vsphereVolume",
  "image" as keyof Volume,
];
const EMPTY_DIR_MEDIA = ["", "Memory", "HugePages"];
const TOLERATION_OPERATORS = ["Exists", "Equal"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const MAX_NAMESERVERS = 3;
const MAX_DNS_SEARCHES = 32;

/**
 * Checks the parts of a Pod the node relies on, as the API server would on create:
 * metadata name/namespace/labels/annotations, containers and init containers (names,
 * images, ports, probes, lifecycle handlers, env, mounts, resources), volumes,
 * restartPolicy, dnsPolicy, grace periods, host ports and tolerations.
 *
 * @returns every problem found; an empty list when the pod is valid
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
  return errors.map(({ field, message }) => `field '${field}' ${message}`).join("; ");
}

function validateMetadata(errors: FieldErrors, pod: Pod): void {
  const meta = pod.metadata;
  if (meta === undefined || meta === null) {
    errors.add("metadata.name", "is required");
    errors.add("metadata.namespace", "is required");
    return;
  }
  const name = errors.requiredString("metadata.name", meta.name);
  if (name !== undefined) errors.addProblem("metadata.name", dns1123SubdomainProblem(name), name);
  const namespace = errors.requiredString("metadata.namespace", meta.namespace);
  if (namespace !== undefined) {
    errors.addProblem("metadata.namespace", dns1123LabelProblem(namespace), namespace);
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    errors.addProblem(`metadata.labels`, qualifiedNameProblem(key), key);
    if (typeof value !== "string") {
      errors.add(`metadata.labels[${key}]`, `must be a string (got ${show(value)})`);
    } else {
      errors.addProblem(`metadata.labels[${key}]`, labelValueProblem(value), value);
    }
  }
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    errors.addProblem(`metadata.annotations`, qualifiedNameProblem(key), key);
    if (typeof value !== "string") {
      errors.add(`metadata.annotations[${key}]`, `must be a string (got ${show(value)})`);
    }
  }
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
  if (spec.securityContext) {
    validateSecurityIds(errors, "spec.securityContext", spec.securityContext);
  }
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
    }
    if (toleration.tolerationSeconds !== undefined && toleration.effect !== "NoExecute") {
      errors.add(`${path}.tolerationSeconds`, "may only be set when effect is NoExecute");
    }
  });
}

function validateVolumes(errors: FieldErrors, volumes: Volume[]): Set<string> {
  const names = new Set<string>();
  volumes.forEach((volume, i) => {
    const path = `spec.volumes[${i}]`;
    const name = errors.requiredString(`${path}.name`, volume.name);
    if (name !== undefined) {
      errors.addProblem(`${path}.name`, dns1123LabelProblem(name), name);
      if (names.has(name)) {
        errors.add(`${path}.name`, `must be unique ('${name}' is used by an earlier volume)`);
      }
      names.add(name);
    }
    const sources = presentKeys(volume, VOLUME_SOURCES);
    if (sources.length !== 1) {
      errors.add(
        path,
        `must specify exactly one volume source such as emptyDir, hostPath, configMap or secret (found ${
          sources.length === 0 ? "none" : sources.join(", ")
        })`,
      );
    }
    if (volume.hostPath) {
      const hostPath = errors.requiredString(`${path}.hostPath.path`, volume.hostPath.path);
      if (hostPath !== undefined && hostPath.split("/").includes("..")) {
        errors.add(`${path}.hostPath.path`, `must not contain '..' (got ${show(hostPath)})`);
      }
      if (
        volume.hostPath.type !== undefined &&
        !HOST_PATH_TYPES.includes(volume.hostPath.type as never)
      ) {
        errors.add(
          `${path}.hostPath.type`,
          `must be one of ${HOST_PATH_TYPES.filter(Boolean).join(", ")} or empty (got ${
            show(volume.hostPath.type)
          })`,
        );
      }
    }
    if (volume.emptyDir) {
      errors.oneOf(`${path}.emptyDir.medium`, volume.emptyDir.medium, EMPTY_DIR_MEDIA);
      const limit = volume.emptyDir.sizeLimit;
      if (limit !== undefined) {
        try {
          if (parseQuantity(limit).sign() < 0) {
            errors.add(`${path}.emptyDir.sizeLimit`, `must not be negative (got ${show(limit)})`);
          }
        } catch {
          errors.add(
            `${path}.emptyDir.sizeLimit`,
            `must be a quantity such as '1Gi' (got ${show(limit)})`,
          );
        }
      }
    }
    if (volume.secret) errors.requiredString(`${path}.secret.secretName`, volume.secret.secretName);
    if (volume.configMap) errors.requiredString(`${path}.configMap.name`, volume.configMap.name);
    for (const kind of ["secret", "configMap", "downwardAPI", "projected"] as const) {
      const mode = volume[kind]?.defaultMode;
      errors.integer(`${path}.${kind}.defaultMode`, mode, { min: 0, max: 0o777 });
    }
  });
  return names;
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
}
