/**
 * One pod sync in the kubelet's order (kubeGenericRuntimeManager.SyncPod):
 * compute the actions; kill the pod (and purge init containers when the
 * sandbox is re-created) or only the unwanted containers; set up volumes;
 * create the sandbox; start the next init container; start the regular
 * containers, each behind the crash-loop back-off.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import {
  findContainerStatus,
  type PodStatus,
  type ProbeVerdicts,
  type SyncPodOptions,
} from "../container/runtime.ts";
import { failResult, PodSyncResult, syncResult } from "../container/sync_result.ts";
import {
  containerEvent,
  errText,
  formatPod,
  hookIps,
  podEvent,
  type RuntimeContext,
} from "./_context.ts";
import { computePodActions } from "./compute_pod_actions.ts";
import { hashContainer } from "./container_hash.ts";
import { toSandboxStatus } from "./convert.ts";
import { doBackOff } from "./crash_loop_back_off.ts";
import { killContainer } from "./kill_container.ts";
import { killPod, removeInitContainers, runningPodOf } from "./kill_pod.ts";
import { generatePodSandboxConfig, podLogsDirectory } from "./sandbox_config.ts";
import { startContainer } from "./start_container.ts";
import { setUpPodVolumes } from "./volumes.ts";

/** Inputs of {@linkcode syncPod} besides the pod and its status. */
export interface SyncPodStepOptions extends SyncPodOptions {
  livenessResults?: ProbeVerdicts;
  startupResults?: ProbeVerdicts;
}

/** Moves `pod` one step towards its spec; every step's outcome is in the result. */
export async function syncPod(
  ctx: RuntimeContext,
  pod: Pod,
  podStatus: PodStatus,
  options: SyncPodStepOptions,
): Promise<PodSyncResult> {
  const result = new PodSyncResult();
  const actions = computePodActions(pod, podStatus, {
    livenessResults: options.livenessResults,
    startupResults: options.startupResults,
  });
  ctx.logger.debug(3, "computePodActions got for pod", {
    pod: formatPod(pod),
    killPod: actions.killPod,
    createSandbox: actions.createSandbox,
    nextInit: actions.nextInitContainerToStart,
    toStart: actions.containersToStart,
    toKill: [...actions.containersToKill.keys()],
  });
  if (actions.createSandbox && actions.sandboxId !== "") {
    podEvent(
      ctx,
      pod,
      "Normal",
      "SandboxChanged",
      "Pod sandbox changed, it will be killed and re-created.",
    );
  }
  const podIp = hookIps(ctx, pod, podStatus.ips)[0] ?? "";
  if (actions.killPod) {
    const killed = await killPod(ctx, pod, runningPodOf(podStatus));
    result.addAll(killed);
    if (!killed.ok()) return result;
    if (actions.createSandbox) await removeInitContainers(ctx, pod, podStatus, false);
  } else {
    for (const [containerId, info] of actions.containersToKill) {
      const r = result.add(syncResult("KillContainer", info.name));
      const err = await killContainer(ctx, pod, {
        containerId,
        containerName: info.name,
        message: info.message,
        reason: info.reason,
        podIp,
      });
      if (err) {
        failResult(r, "KillContainerError", err);
        return result;
      }
    }
    if (actions.nextInitContainerToStart) await removeInitContainers(ctx, pod, podStatus, true);
  }

  const init = actions.nextInitContainerToStart
    ? pod.spec?.initContainers?.find((c) => c.name === actions.nextInitContainerToStart)
    : undefined;
  if (!actions.createSandbox && !init && actions.containersToStart.length === 0) return result;

  let volumePaths: Map<string, string>;
  try {
    volumePaths = await setUpPodVolumes(pod, ctx.rootDir, ctx.volumes);
  } catch (e) {
    podEvent(ctx, pod, "Warning", "FailedMount", errText(e));
    result.fail(`unable to attach or mount volumes for pod ${formatPod(pod)}: ${errText(e)}`);
    return result;
  }

  const sandboxConfig = generatePodSandboxConfig(pod, actions.attempt, ctx.sandbox);
  let sandboxId = actions.sandboxId;
  let podIps = podStatus.ips;
  const fullName = `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}`;
  // Better than the kubelet: the image of the first container to start (one
  // that never ran, so no crash-loop back-off can apply) is checked — and
  // pulled if need be — while the runtime creates the sandbox, not after.
  const first = init ?? pod.spec?.containers?.[actions.containersToStart[0] ?? -1];
  const prefetch = actions.createSandbox && first && !findContainerStatus(podStatus, first.name)
    ? {
      name: first.name,
      image: ctx.images.ensureImageExists(pod, first, { sandboxConfig, signal: options.signal }),
    }
    : undefined;
  // Not awaited when the sandbox fails: never an unhandled rejection.
  prefetch?.image.catch(() => {});
  if (actions.createSandbox) {
    const r = result.add(syncResult("CreatePodSandbox", fullName));
    try {
      await Deno.mkdir(podLogsDirectory(ctx.podLogsDir, pod), { recursive: true, mode: 0o755 });
      sandboxId = await ctx.runtime.runPodSandbox(sandboxConfig, ctx.runtimeHandler);
    } catch (e) {
      const message = `Failed to create pod sandbox: ${errText(e)}`;
      failResult(r, "CreatePodSandboxError", message);
      podEvent(ctx, pod, "Warning", "FailedCreatePodSandBox", message);
      return result;
    }
    // A host-network sandbox has the node's IPs (hookIps below): its status
    // adds nothing, so the agent saves that call on the pod's start path (the
    // kubelet makes it and then ignores the IPs for such pods).
    if (!pod.spec?.hostNetwork) {
      try {
        const sb = toSandboxStatus((await ctx.runtime.podSandboxStatus(sandboxId)).status);
        podIps = [sb.ip, ...sb.additionalIps].filter((ip) => ip !== "");
        if (podIps.length > 0) ctx.podIps.set(pod.metadata?.uid ?? "", podIps);
      } catch (e) {
        const c = result.add(syncResult("ConfigPodSandbox", fullName));
        failResult(c, "ConfigPodSandboxError", errText(e));
        return result;
      }
    }
  }
  podIps = hookIps(ctx, pod, podIps);

  const start = async (container: NonNullable<typeof init>): Promise<boolean> => {
    const r = result.add(syncResult("StartContainer", container.name));
    const hash = hashContainer(container);
    const bo = doBackOff(pod, container, podStatus, options.backOff, hash, ctx.clock.now());
    if (bo.inBackOff) {
      containerEvent(
        ctx,
        pod,
        container.name,
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${container.name} in pod ${formatPod(pod)}`,
      );
      failResult(r, "CrashLoopBackOff", bo.message, bo.backOffUntil);
      return false;
    }
    const failure = await startContainer(ctx, pod, container, {
      image: prefetch?.name === container.name ? prefetch.image : undefined,
      podStatus,
      sandboxId,
      sandboxConfig,
      podIps,
      hash,
      volumePaths,
      signal: options.signal,
    });
    if (failure) {
      failResult(r, failure.error, failure.message, failure.backOffUntil);
      return false;
    }
    return true;
  };

  if (init) {
    if (!(await start(init))) return result;
  }
  for (const idx of actions.containersToStart) {
    const container = pod.spec?.containers?.[idx];
    if (container) await start(container);
  }
  return result;
}
