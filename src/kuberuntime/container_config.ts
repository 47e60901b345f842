/**
 * The CRI container configuration of one container instance, built the way
 * the kubelet's generateContainerConfig builds it: image, command/args with
 * `$(VAR)` expansion, environment, working dir, mounts, kubelet labels and
 * annotations, log path `<name>/<restartCount>.log`, Linux resources and the
 * basic security context.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type {
  ContainerConfig,
  LinuxContainerResources,
  LinuxContainerSecurityContext,
  Mount,
} from "../cri/types.ts";
import {
  cpuToQuota,
  cpuToShares,
  memoryBytes,
  parseQuantity,
  QUOTA_PERIOD_US,
} from "../api/quantity.ts";
import { newContainerAnnotations, newContainerLabels } from "./labels.ts";
import { ContainerConfigError } from "./container_config_error.ts";
import {
  expandCommandAndArgs,
  makeEnvironment,
  type MakeEnvironmentOptions,
} from "./container_env.ts";

/** `<containerName>/<restartCount>.log`, relative to the sandbox log directory. */
export function containerLogPath(containerName: string, restartCount: number): string {
  return `${containerName}/${restartCount}.log`;
}

/**
 * Linux cgroup settings from `resources` (kubelet's generateLinuxContainerResources):
 * CPU shares from the request (or the limit when no request), CFS quota and
 * period from the CPU limit, and the memory limit in bytes.
 */
export function linuxResources(container: Container): LinuxContainerResources {
  const req = container.resources?.requests ?? {};
  const lim = container.resources?.limits ?? {};
  const cpuReq = req.cpu !== undefined ? parseQuantity(req.cpu).milliValue() : 0n;
  const cpuLim = lim.cpu !== undefined ? parseQuantity(lim.cpu).milliValue() : 0n;
  const out: LinuxContainerResources = {
    cpuShares: Number(cpuToShares(cpuReq === 0n && cpuLim !== 0n ? cpuLim : cpuReq)),
  };
  if (cpuLim !== 0n) {
    out.cpuQuota = Number(cpuToQuota(cpuLim, QUOTA_PERIOD_US));
    out.cpuPeriod = Number(QUOTA_PERIOD_US);
  }
  if (lim.memory !== undefined) out.memoryLimitInBytes = Number(memoryBytes(lim.memory));
  return out;
}

/**
 * The container's Linux security context: pod-level runAsUser/runAsGroup
 * unless the container overrides them, privileged, readOnlyRootFilesystem,
 * capabilities add/drop, and no_new_privs when allowPrivilegeEscalation is
 * false. Throws {@linkcode ContainerConfigError} when runAsNonRoot is asked
 * for and the user is root.
 */
export function linuxSecurityContext(
  pod: Pod,
  container: Container,
): LinuxContainerSecurityContext {
  const psc = pod.spec?.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  const runAsNonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
  if (runAsNonRoot && runAsUser === 0) {
    throw new ContainerConfigError(
      `container's runAsUser breaks non-root policy (pod: "${pod.metadata?.name}", container: ${container.name})`,
    );
  }
  const out: LinuxContainerSecurityContext = {
    privileged: sc.privileged === true,
    readonlyRootfs: sc.readOnlyRootFilesystem === true,
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    namespaceOptions: {
      network: pod.spec?.hostNetwork ? "NODE" : "POD",
      pid: pod.spec?.hostPID ? "NODE" : pod.spec?.shareProcessNamespace ? "POD" : "CONTAINER",
      ipc: pod.spec?.hostIPC ? "NODE" : "POD",
    },
  };
  if (runAsUser != null) out.runAsUser = { value: runAsUser };
  if (runAsGroup != null) out.runAsGroup = { value: runAsGroup };
  if (psc.supplementalGroups?.length) out.supplementalGroups = [...psc.supplementalGroups];
  if (sc.capabilities) {
    out.capabilities = {
      addCapabilities: [...(sc.capabilities.add ?? [])],
      dropCapabilities: [...(sc.capabilities.drop ?? [])],
    };
  }
  return out;
}

/** Inputs of {@linkcode generateContainerConfig}. */
export interface ContainerConfigOptions {
  /** The image ref the image manager resolved. */
  imageRef: string;
  /** The restart count of the new instance (CRI attempt). */
  restartCount: number;
  /** The container hash for the annotation. */
  hash: string;
  /** Volume and termination-message mounts. @default [] */
  mounts?: Mount[];
  /**
   * Node facts for fieldRef/resourceFieldRef env, the pod's ConfigMaps and
   * Secrets, and where env warnings go. @default {}
   */
  env?: MakeEnvironmentOptions;
}

/**
 * The CRI config of a new instance of `container`. Throws
 * {@linkcode ContainerConfigError} when the environment or security context
 * cannot be built (the kubelet's CreateContainerConfigError).
 *
 * The config holds resolved Secret values (`envs`, and `command`/`args`
 * after `$(VAR)` expansion): it goes to the runtime and nowhere else, never
 * into a log line, an event or an error message.
 */
export function generateContainerConfig(
  pod: Pod,
  container: Container,
  options: ContainerConfigOptions,
): ContainerConfig {
  const envs = makeEnvironment(pod, container, options.env);
  const { command, args } = expandCommandAndArgs(container, envs);
  return {
    metadata: { name: container.name, attempt: options.restartCount },
    image: { image: options.imageRef, userSpecifiedImage: container.image ?? "" },
    command,
    args,
    workingDir: container.workingDir ?? "",
    envs,
    mounts: options.mounts ?? [],
    labels: newContainerLabels(container, pod),
    annotations: newContainerAnnotations(container, pod, {
      hash: options.hash,
      restartCount: options.restartCount,
    }),
    logPath: containerLogPath(container.name, options.restartCount),
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    linux: {
      resources: linuxResources(container),
      securityContext: linuxSecurityContext(pod, container),
    },
  };
}
