/**
 * Validation of a Pod's volumes: names, exactly one source, and the source fields
 * (hostPath, emptyDir, secret, configMap, downwardAPI, projected, image), including the
 * item paths a volume writes files under. Private to src/api.
 *
 * @module
 */

import { type FieldErrors, presentKeys, quantityOrError, show } from "./_field_errors.ts";
import { validateDivisor } from "./_validate_env.ts";
import { dns1123LabelProblem, dns1123SubdomainProblem } from "./names.ts";
import {
  type DownwardAPIVolumeFile,
  HOST_PATH_TYPES,
  type KeyToPath,
  PULL_POLICIES,
  type Volume,
  type VolumeProjection,
} from "./types.ts";

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
const PROJECTION_SOURCES = [
  "clusterTrustBundle",
  "configMap",
  "downwardAPI",
  "podCertificate",
  "secret",
  "serviceAccountToken",
] as const;
const EMPTY_DIR_MEDIA = ["", "Memory", "HugePages"];
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const DOWNWARD_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "metadata.labels",
  "metadata.annotations",
];
const DOWNWARD_FIELD_SUBSCRIPT = /^metadata\.(labels|annotations)\['[^']+'\]$/;
const DOWNWARD_RESOURCE = /^(limits|requests)\.(cpu|memory|ephemeral-storage|hugepages-.+)$/;
/** Shortest and longest `expirationSeconds` of a service account token projection. */
const TOKEN_EXPIRATION = { min: 600, max: 2 ** 32 };

/** Checks `spec.volumes`; returns the volume names for the mounts' checks. */
export function validateVolumes(errors: FieldErrors, volumes: Volume[]): Set<string> {
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
    errors.exactlyOne(
      path,
      sources,
      `volume source such as emptyDir, hostPath, configMap or secret`,
    );
    validateSource(errors, path, volume);
  });
  return names;
}

function validateSource(errors: FieldErrors, path: string, volume: Volume): void {
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
      const quantity = quantityOrError(errors, `${path}.emptyDir.sizeLimit`, limit);
      if (quantity !== undefined && quantity.sign() < 0) {
        errors.add(`${path}.emptyDir.sizeLimit`, `must not be negative (got ${show(limit)})`);
      }
    }
  }
  if (volume.secret) {
    objectName(errors, `${path}.secret.secretName`, volume.secret.secretName, true);
    validateKeyItems(errors, `${path}.secret.items`, volume.secret.items);
  }
  if (volume.configMap) {
    objectName(errors, `${path}.configMap.name`, volume.configMap.name, true);
    validateKeyItems(errors, `${path}.configMap.items`, volume.configMap.items);
  }
  if (volume.downwardAPI) {
    validateDownwardItems(errors, `${path}.downwardAPI.items`, volume.downwardAPI.items);
  }
  if (volume.projected) {
    validateProjections(errors, `${path}.projected.sources`, volume.projected.sources ?? []);
  }
  for (const kind of ["secret", "configMap", "downwardAPI", "projected"] as const) {
    const mode = volume[kind]?.defaultMode;
    errors.integer(`${path}.${kind}.defaultMode`, mode, { min: 0, max: 0o777 });
  }
  const image = (volume as { image?: { reference?: string; pullPolicy?: string } }).image;
  if (image) {
    errors.requiredString(`${path}.image.reference`, image.reference);
    errors.oneOf(`${path}.image.pullPolicy`, image.pullPolicy, PULL_POLICIES);
  }
}

/** A ConfigMap or Secret name: a DNS-1123 subdomain. */
function objectName(errors: FieldErrors, field: string, value: unknown, required: boolean): void {
  if (!required && (value === undefined || value === "")) return;
  const name = errors.requiredString(field, value);
  if (name !== undefined) errors.addProblem(field, dns1123SubdomainProblem(name), name);
}

/** A path a volume writes a file at: relative, without '..' elements. */
export function localPathProblem(path: string): string | undefined {
  if (path.startsWith("/")) return "must be a relative path";
  if (path.split("/").includes("..")) return "must not contain '..'";
  if (path.startsWith("..")) return "must not start with '..'";
  return undefined;
}

function itemPath(errors: FieldErrors, field: string, value: unknown): void {
  const path = errors.requiredString(field, value);
  if (path !== undefined) errors.addProblem(field, localPathProblem(path), path);
}

function validateKeyItems(errors: FieldErrors, path: string, items: KeyToPath[] | undefined) {
  (items ?? []).forEach((item, i) => {
    const key = errors.requiredString(`${path}[${i}].key`, item.key);
    if (key !== undefined && (!CONFIG_KEY.test(key) || key.length > 253)) {
      errors.add(
        `${path}[${i}].key`,
        `must consist of letters, digits, '-', '_' and '.' (at most 253) (got ${show(key)})`,
      );
    }
    itemPath(errors, `${path}[${i}].path`, item.path);
    errors.integer(`${path}[${i}].mode`, item.mode, { min: 0, max: 0o777 });
  });
}

function validateDownwardItems(
  errors: FieldErrors,
  path: string,
  items: DownwardAPIVolumeFile[] | undefined,
): void {
  (items ?? []).forEach((item, i) => {
    const at = `${path}[${i}]`;
    itemPath(errors, `${at}.path`, item.path);
    errors.integer(`${at}.mode`, item.mode, { min: 0, max: 0o777 });
    const refs = presentKeys(item, ["fieldRef", "resourceFieldRef"]);
    errors.exactlyOne(at, refs, `of fieldRef or resourceFieldRef`);
    if (item.fieldRef) {
      const field = errors.requiredString(`${at}.fieldRef.fieldPath`, item.fieldRef.fieldPath);
      if (
        field !== undefined && !DOWNWARD_FIELD_PATHS.includes(field) &&
        !DOWNWARD_FIELD_SUBSCRIPT.test(field)
      ) {
        errors.add(
          `${at}.fieldRef.fieldPath`,
          `must be one of ${DOWNWARD_FIELD_PATHS.join(", ")} or a subscript of labels or ` +
            `annotations (got ${show(field)})`,
        );
      }
    }
    if (item.resourceFieldRef) {
      const ref = item.resourceFieldRef;
      errors.requiredString(`${at}.resourceFieldRef.containerName`, ref.containerName);
      const resource = errors.requiredString(`${at}.resourceFieldRef.resource`, ref.resource);
      if (resource !== undefined && !DOWNWARD_RESOURCE.test(resource)) {
        errors.add(
          `${at}.resourceFieldRef.resource`,
          `must be limits or requests of cpu, memory, ephemeral-storage or hugepages (got ${
            show(resource)
          })`,
        );
      }
      if (ref.divisor !== undefined && resource !== undefined) {
        validateDivisor(errors, `${at}.resourceFieldRef.divisor`, resource, ref.divisor);
      }
    }
  });
}

function validateProjections(
  errors: FieldErrors,
  path: string,
  sources: VolumeProjection[],
): void {
  sources.forEach((source, i) => {
    const at = `${path}[${i}]`;
    const kinds = presentKeys(source as Record<string, unknown>, PROJECTION_SOURCES);
    errors.exactlyOne(at, kinds, `of ${PROJECTION_SOURCES.join(", ")}`);
    if (source.secret) {
      objectName(errors, `${at}.secret.name`, source.secret.name, false);
      validateKeyItems(errors, `${at}.secret.items`, source.secret.items);
    }
    if (source.configMap) {
      objectName(errors, `${at}.configMap.name`, source.configMap.name, false);
      validateKeyItems(errors, `${at}.configMap.items`, source.configMap.items);
    }
    if (source.downwardAPI) {
      validateDownwardItems(errors, `${at}.downwardAPI.items`, source.downwardAPI.items);
    }
    const token = source.serviceAccountToken;
    if (token) {
      itemPath(errors, `${at}.serviceAccountToken.path`, token.path);
      errors.integer(`${at}.serviceAccountToken.expirationSeconds`, token.expirationSeconds, {
        ...TOKEN_EXPIRATION,
      });
    }
  });
}
