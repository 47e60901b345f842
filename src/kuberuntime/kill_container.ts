/**
 * Stopping one container the way the kubelet's killContainer does: the grace
 * period from the pod (deletionGracePeriodSeconds, else
 * terminationGracePeriodSeconds, or a probe's own terminationGracePeriodSeconds
 * after a liveness/startup failure, else 2 s), an override when given, the
 * preStop hook first with its runtime subtracted, a floor of 2 s, then CRI
 * StopContainer. Orphans (no pod spec) use what the container's annotations
 * recorded.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { containerEvent, type RuntimeContext } from "./_context.ts";
import { errText } from "../util/err_text.ts";
import { containerInfoFromAnnotations } from "./labels.ts";
import { runLifecycleHandler } from "./lifecycle_hooks.ts";
import { isNotFound } from "../cri/errors.ts";

/** Kubelet's minimumGracePeriodInSeconds. */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

/**
 * The grace period (seconds) for killing `container` of `pod` for `reason`: a
 * deleted pod's `deletionGracePeriodSeconds`, or the pod's own grace when
 * that is smaller.
 */
export function terminationGracePeriod(pod: Pod, container: Container, reason: string): number {
  const podGrace = pod.spec?.terminationGracePeriodSeconds;
  if (pod.metadata?.deletionGracePeriodSeconds != null) {
    const deletionGrace = pod.metadata.deletionGracePeriodSeconds;
    return podGrace != null ? Math.min(deletionGrace, podGrace) : deletionGrace;
  }
  if (podGrace != null) {
    if (
      reason === "StartupProbe" && container.startupProbe?.terminationGracePeriodSeconds != null
    ) {
      return container.startupProbe.terminationGracePeriodSeconds;
    }
    if (
      reason === "LivenessProbe" && container.livenessProbe?.terminationGracePeriodSeconds != null
    ) {
      return container.livenessProbe.terminationGracePeriodSeconds;
    }
    return podGrace;
  }
  return MINIMUM_GRACE_PERIOD_SECONDS;
}

/** What to kill and why. */
export interface KillContainerRequest {
  containerId: string;
  containerName: string;
  /** Killing event message. @default "Stopping container <name>" */
  message?: string;
  /** "LivenessProbe", "StartupProbe", "FailedPostStartHook" or "". @default "" */
  reason?: string;
  /** Overrides the grace period (seconds). */
  gracePeriodOverride?: number;
  /** The pod IP, for httpGet preStop hooks without a host. @default "" */
  podIp?: string;
}

async function restoreFromRuntime(
  ctx: RuntimeContext,
  containerId: string,
  name: string,
): Promise<{ pod: Pod; container: Container }> {
  const status = await ctx.runtime.containerStatus(containerId);
  const info = containerInfoFromAnnotations(status.status.annotations ?? {});
  const labels = status.status.labels ?? {};
  const container: Container = { name };
  if (info.preStopHandler) container.lifecycle = { preStop: info.preStopHandler };
  const pod: Pod = {
    metadata: {
      name: labels["io.kubernetes.pod.name"],
      namespace: labels["io.kubernetes.pod.namespace"],
      uid: labels["io.kubernetes.pod.uid"],
      ...(info.podDeletionGracePeriod !== undefined
        ? { deletionGracePeriodSeconds: info.podDeletionGracePeriod }
        : {}),
    },
    spec: {
      containers: [container],
      ...(info.podTerminationGracePeriod !== undefined
        ? { terminationGracePeriodSeconds: info.podTerminationGracePeriod }
        : {}),
    },
  };
  return { pod, container };
}

/**
 * Kills one container. Resolves to undefined on success (a container the
 * runtime no longer knows counts as killed) or to the error message.
 */
export async function killContainer(
  ctx: RuntimeContext,
  pod: Pod | undefined,
  request: KillContainerRequest,
): Promise<string | undefined> {
  let spec = pod?.spec?.containers?.find((c) => c.name === request.containerName) ??
    pod?.spec?.initContainers?.find((c) => c.name === request.containerName);
  let target = pod;
  if (!spec || !target) {
    try {
      const restored = await restoreFromRuntime(ctx, request.containerId, request.containerName);
      spec = restored.container;
      target = restored.pod;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      return `failed to get containerSpec "${request.containerName}" (id=${request.containerId}) in pod: ${
        errText(e)
      }`;
    }
  }
  const reason = request.reason ?? "";
  let grace = terminationGracePeriod(target, spec, reason);
  const message = request.message || `Stopping container ${spec.name}`;
  containerEvent(ctx, target, spec.name, "Normal", "Killing", message);
  if (request.gracePeriodOverride !== undefined) grace = request.gracePeriodOverride;

  const preStop = spec.lifecycle?.preStop;
  if (preStop && grace > 0) {
    const start = ctx.clock.now();
    const abort = new AbortController();
    const hook = runLifecycleHandler(
      ctx,
      request.containerId,
      target,
      spec,
      preStop,
      request.podIp ?? "",
      abort.signal,
    ).then((msg) => {
      if (msg) containerEvent(ctx, target, spec.name, "Warning", "FailedPreStopHook", msg);
    });
    let cancelTimer = () => {};
    const timeout = new Promise<void>((resolve) => {
      cancelTimer = ctx.clock.after(grace * 1000, () => {
        ctx.logger.info("PreStop hook not completed in grace period", {
          pod: target.metadata?.name,
          containerName: spec.name,
          gracePeriod: grace,
        });
        abort.abort();
        resolve();
      });
    });
    await Promise.race([hook, timeout]);
    cancelTimer();
    grace -= Math.floor((ctx.clock.now() - start) / 1000);
  }
  if (grace < MINIMUM_GRACE_PERIOD_SECONDS) grace = MINIMUM_GRACE_PERIOD_SECONDS;
  try {
    await ctx.runtime.stopContainer(request.containerId, grace);
  } catch (e) {
    if (!isNotFound(e)) return errText(e);
  }
  ctx.logger.debug(3, "Container exited normally", {
    pod: target.metadata?.name,
    containerName: spec.name,
    containerID: request.containerId,
  });
  return undefined;
}
