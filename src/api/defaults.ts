/**
 * The defaults the API server applies to a Pod, so pods from files and URLs look like
 * pods read from the API server before they are hashed, validated and run.
 *
 * @module
 */

import type {
  Container,
  EnvVar,
  HTTPGetAction,
  Lifecycle,
  Pod,
  PodSpec,
  Probe,
  Volume,
} from "./types.ts";

/** `spec.terminationGracePeriodSeconds` when unset. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** `terminationMessagePath` when unset. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";
/** `spec.schedulerName` when unset. */
export const DEFAULT_SCHEDULER_NAME = "default-scheduler";
/** `defaultMode` of secret, configMap, downwardAPI and projected volumes (0644). */
export const DEFAULT_VOLUME_MODE = 0o644;

/**
 * A deep copy of `pod` with the API server's defaults filled in where a field is unset:
 * namespace `default`; restartPolicy `Always`; terminationGracePeriodSeconds 30;
 * dnsPolicy `ClusterFirst`; schedulerName `default-scheduler`; securityContext `{}`;
 * enableServiceLinks `true`; per container (init containers too) imagePullPolicy
 * (`Always` for a `latest` or missing tag without a digest, else `IfNotPresent`),
 * terminationMessagePath/Policy, port protocol `TCP` (and hostPort = containerPort with
 * hostNetwork), probe timings and HTTP scheme/path, fieldRef apiVersion `v1`; per volume
 * hostPath type `""` and defaultMode 0644 for secret, configMap, downwardAPI and
 * projected volumes. Resources and status are left as they are. The input is not
 * changed.
 *
 * As in the API server, a string field that is empty and a probe number that is 0 count
 * as unset (their Go types cannot tell the two apart); pointer-like fields such as
 * terminationGracePeriodSeconds keep an explicit 0.
 */
export function setPodDefaults(pod: Pod): Pod {
  const out: Pod = structuredClone(pod);
  out.metadata ??= {};
  if (!out.metadata.namespace) out.metadata.namespace = "default";
  out.spec ??= { containers: [] };
  setPodSpecDefaults(out.spec);
  return out;
}

/**
 * Whether an image reference should be pulled `Always` by default: its tag is
 * `latest`, or it has neither a tag nor a digest.
 */
export function defaultPullPolicy(image: string | undefined): "Always" | "IfNotPresent" {
  if (!image) return "IfNotPresent";
  const at = image.indexOf("@");
  const name = at === -1 ? image : image.slice(0, at);
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  const tag = colon === -1 ? (at === -1 ? "latest" : "") : lastSegment.slice(colon + 1);
  return tag === "latest" ? "Always" : "IfNotPresent";
}

function setPodSpecDefaults(spec: PodSpec): void {
  spec.restartPolicy ||= "Always";
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.dnsPolicy ||= "ClusterFirst";
  spec.schedulerName ||= DEFAULT_SCHEDULER_NAME;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.containers ??= [];
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    setContainerDefaults(container, spec.hostNetwork === true);
  }
  for (const volume of spec.volumes ?? []) setVolumeDefaults(volume);
}

function setContainerDefaults(container: Container, hostNetwork: boolean): void {
  container.imagePullPolicy ||= defaultPullPolicy(container.image);
  container.terminationMessagePath ||= DEFAULT_TERMINATION_MESSAGE_PATH;
  container.terminationMessagePolicy ||= "File";
  for (const port of container.ports ?? []) {
    port.protocol ||= "TCP";
    if (hostNetwork && !port.hostPort) port.hostPort = port.containerPort;
  }
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
    if (probe) setProbeDefaults(probe);
  }
  if (container.lifecycle) setLifecycleDefaults(container.lifecycle);
  for (const env of container.env ?? []) setEnvDefaults(env);
}

function setProbeDefaults(probe: Probe): void {
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
  if (probe.httpGet) setHttpGetDefaults(probe.httpGet);
}

function setLifecycleDefaults(lifecycle: Lifecycle): void {
  for (const handler of [lifecycle.postStart, lifecycle.preStop]) {
    if (handler?.httpGet) setHttpGetDefaults(handler.httpGet);
  }
}

function setHttpGetDefaults(action: HTTPGetAction): void {
  if (!action.path) action.path = "/";
  action.scheme ||= "HTTP";
}

function setEnvDefaults(env: EnvVar): void {
  const fieldRef = env.valueFrom?.fieldRef;
  if (fieldRef && !fieldRef.apiVersion) fieldRef.apiVersion = "v1";
}

function setVolumeDefaults(volume: Volume): void {
  if (volume.hostPath) volume.hostPath.type ??= "";
  if (volume.secret) volume.secret.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (volume.configMap) volume.configMap.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (volume.downwardAPI) {
    volume.downwardAPI.defaultMode ??= DEFAULT_VOLUME_MODE;
    for (const item of volume.downwardAPI.items ?? []) {
      if (item.fieldRef && !item.fieldRef.apiVersion) item.fieldRef.apiVersion = "v1";
    }
  }
  if (volume.projected) {
    volume.projected.defaultMode ??= DEFAULT_VOLUME_MODE;
    for (const source of volume.projected.sources ?? []) {
      for (const item of source.downwardAPI?.items ?? []) {
        if (item.fieldRef && !item.fieldRef.apiVersion) item.fieldRef.apiVersion = "v1";
      }
    }
  }
}
