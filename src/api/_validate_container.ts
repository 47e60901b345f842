/**
 * Validation of one container: name, image, ports, probes, lifecycle, env, mounts and
 * resources. Private to src/api; {@linkcode validatePod} is the public entry.
 *
 * @module
 */

import { type FieldErrors, show } from "./_field_errors.ts";
import { validateResources } from "./_validate_resources.ts";
import { validateEnvFrom, validateEnvVar } from "./_validate_env.ts";
import { validateLifecycleHandler, validateProbe } from "./_validate_handlers.ts";
import { dns1123LabelProblem, ianaSvcNameProblem } from "./names.ts";
import type { Container, SecurityContext, VolumeMount } from "./types.ts";
import {
  PROTOCOLS,
  PULL_POLICIES,
  type RestartPolicy,
  TERMINATION_MESSAGE_POLICIES,
} from "./types.ts";

/** What a container's checks need to know about the pod around it. */
export interface ContainerContext {
  /** Names of the pod's volumes. */
  volumeNames: ReadonlySet<string>;
  /** `spec.hostNetwork`. */
  hostNetwork: boolean;
  /** `spec.terminationGracePeriodSeconds`, bounding a preStop sleep. */
  terminationGracePeriodSeconds?: number;
  /** Whether the container is an init container. */
  init: boolean;
}

const MOUNT_PROPAGATIONS = ["None", "HostToContainer", "Bidirectional"];
const SECCOMP_TYPES = ["RuntimeDefault", "Unconfined", "Localhost"];
/** Longest `terminationMessagePath`, as the API server allows. */
const MAX_TERMINATION_MESSAGE_PATH = 4096;

export function validateContainer(
  errors: FieldErrors,
  path: string,
  container: Container,
  context: ContainerContext,
): void {
  const name = errors.requiredString(`${path}.name`, container.name);
  if (name !== undefined) errors.addProblem(`${path}.name`, dns1123LabelProblem(name), name);
  const image = errors.requiredString(`${path}.image`, container.image);
  if (image !== undefined && image.trim() !== image) {
    errors.add(
      `${path}.image`,
      `must not have leading or trailing whitespace (got ${show(image)})`,
    );
  }
  errors.oneOf(`${path}.imagePullPolicy`, container.imagePullPolicy, PULL_POLICIES);
  errors.oneOf(
    `${path}.terminationMessagePolicy`,
    container.terminationMessagePolicy,
    TERMINATION_MESSAGE_POLICIES,
  );
  const messagePath = container.terminationMessagePath;
  if (messagePath !== undefined && messagePath.length > MAX_TERMINATION_MESSAGE_PATH) {
    errors.add(
      `${path}.terminationMessagePath`,
      `must have at most ${MAX_TERMINATION_MESSAGE_PATH} characters (got ${messagePath.length})`,
    );
  }
  validateRestartPolicy(errors, path, container, context.init);
  validatePorts(errors, path, container, context.hostNetwork);

  const sidecar = context.init && container.restartPolicy === "Always";
  const probes = [
    ["livenessProbe", container.livenessProbe],
    ["readinessProbe", container.readinessProbe],
    ["startupProbe", container.startupProbe],
  ] as const;
  for (const [field, probe] of probes) {
    if (probe === undefined || probe === null) continue;
    if (context.init && !sidecar) {
      errors.add(
        `${path}.${field}`,
        "must not be set for an init container (without restartPolicy Always)",
      );
      continue;
    }
    validateProbe(errors, `${path}.${field}`, probe, field);
  }
  if (container.lifecycle) {
    if (context.init && !sidecar) {
      errors.add(
        `${path}.lifecycle`,
        "must not be set for an init container (without restartPolicy Always)",
      );
    } else {
      for (const hook of ["postStart", "preStop"] as const) {
        const handler = container.lifecycle[hook];
        if (handler) {
          validateLifecycleHandler(
            errors,
            `${path}.lifecycle.${hook}`,
            handler,
            context.terminationGracePeriodSeconds,
          );
        }
      }
    }
  }
  (container.env ?? []).forEach((env, i) => validateEnvVar(errors, `${path}.env[${i}]`, env));
  (container.envFrom ?? []).forEach((source, i) =>
    validateEnvFrom(errors, `${path}.envFrom[${i}]`, source)
  );
  validateVolumeMounts(errors, path, container.volumeMounts ?? [], context.volumeNames);
  if (container.resources) validateResources(errors, `${path}.resources`, container.resources);
  if (container.securityContext) {
    validateSecurityContext(errors, `${path}.securityContext`, container.securityContext);
  }
}

function validateRestartPolicy(
  errors: FieldErrors,
  path: string,
  container: Container,
  init: boolean,
): void {
  const policy = container.restartPolicy as RestartPolicy | "" | undefined;
  if (policy === undefined || policy === null || policy === "") return;
  if (!init) {
    errors.add(
      `${path}.restartPolicy`,
      `must not be set for a regular container (got ${show(policy)})`,
    );
  } else if (policy !== "Always") {
    errors.add(
      `${path}.restartPolicy`,
      `must be Always if set on an init container (got ${show(policy)})`,
    );
  }
}

function validatePorts(
  errors: FieldErrors,
  path: string,
  container: Container,
  hostNetwork: boolean,
): void {
  const names = new Map<string, number>();
  (container.ports ?? []).forEach((port, i) => {
    const portPath = `${path}.ports[${i}]`;
    if (port.name !== undefined && port.name !== "") {
      errors.addProblem(`${portPath}.name`, ianaSvcNameProblem(port.name), port.name);
      const first = names.get(port.name);
      if (first !== undefined) {
        errors.add(
          `${portPath}.name`,
          `must be unique within the container ('${port.name}' is also ${path}.ports[${first}])`,
        );
      } else {
        names.set(port.name, i);
      }
    }
    if (port.containerPort === undefined || port.containerPort === null) {
      errors.add(`${portPath}.containerPort`, "is required");
    } else {
      errors.integer(`${portPath}.containerPort`, port.containerPort, { min: 1, max: 65535 });
    }
    errors.integer(`${portPath}.hostPort`, port.hostPort, {
      min: 0,
      max: 65535,
      hint: "where 0 means no host port",
    });
    errors.oneOf(`${portPath}.protocol`, port.protocol, PROTOCOLS);
    if (hostNetwork && port.hostPort && port.hostPort !== port.containerPort) {
      errors.add(
        `${portPath}.hostPort`,
        `must equal containerPort ${port.containerPort} when hostNetwork is true (got ${port.hostPort})`,
      );
    }
  });
}

function validateVolumeMounts(
  errors: FieldErrors,
  path: string,
  mounts: VolumeMount[],
  volumeNames: ReadonlySet<string>,
): void {
  const seen = new Map<string, number>();
  mounts.forEach((mount, i) => {
    const mountPath = `${path}.volumeMounts[${i}]`;
    const name = errors.requiredString(`${mountPath}.name`, mount.name);
    if (name !== undefined && !volumeNames.has(name)) {
      errors.add(`${mountPath}.name`, `must name a volume in spec.volumes ('${name}' not found)`);
    }
    const target = errors.requiredString(`${mountPath}.mountPath`, mount.mountPath);
    if (target !== undefined) {
      if (!target.startsWith("/")) {
        errors.add(`${mountPath}.mountPath`, `must be an absolute path (got ${show(target)})`);
      }
      const first = seen.get(target);
      if (first !== undefined) {
        errors.add(
          `${mountPath}.mountPath`,
          `must be unique within the container ('${target}' is also ${path}.volumeMounts[${first}])`,
        );
      } else {
        seen.set(target, i);
      }
    }
    if (mount.subPath) {
      if (mount.subPath.startsWith("/") || mount.subPath.split("/").includes("..")) {
        errors.add(
          `${mountPath}.subPath`,
          `must be a relative path without '..' (got ${show(mount.subPath)})`,
        );
      }
      if (mount.subPathExpr) {
        errors.add(`${mountPath}.subPathExpr`, "must not be set together with subPath");
      }
    }
    errors.oneOf(`${mountPath}.mountPropagation`, mount.mountPropagation, MOUNT_PROPAGATIONS);
  });
}

function validateSecurityIds(
  errors: FieldErrors,
  path: string,
  context: SecurityContext & { fsGroup?: number; supplementalGroups?: number[] },
): void {
  const MAX_ID = 2147483647;
  errors.integer(`${path}.runAsUser`, context.runAsUser, { min: 0, max: MAX_ID });
  errors.integer(`${path}.runAsGroup`, context.runAsGroup, { min: 0, max: MAX_ID });
  errors.integer(`${path}.fsGroup`, context.fsGroup, { min: 0, max: MAX_ID });
  (context.supplementalGroups ?? []).forEach((group, i) =>
    errors.integer(`${path}.supplementalGroups[${i}]`, group, { min: 0, max: MAX_ID })
  );
}

/** Checks the IDs, seccomp and AppArmor profiles of a pod or container security context. */
export function validateSecurityContext(
  errors: FieldErrors,
  path: string,
  context: SecurityContext & { fsGroup?: number; supplementalGroups?: number[] },
): void {
  validateSecurityIds(errors, path, context);
  for (const field of ["seccompProfile", "appArmorProfile"] as const) {
    const profile = context[field];
    if (!profile) continue;
    const type = errors.requiredString(`${path}.${field}.type`, profile.type);
    if (type === undefined) continue;
    errors.oneOf(`${path}.${field}.type`, type, SECCOMP_TYPES);
    if (type === "Localhost" && !profile.localhostProfile) {
      errors.add(`${path}.${field}.localhostProfile`, "is required when type is Localhost");
    } else if (type !== "Localhost" && profile.localhostProfile) {
      errors.add(
        `${path}.${field}.localhostProfile`,
        `must only be set when type is Localhost (got ${show(profile.localhostProfile)})`,
      );
    }
  }
}
