/**
 * One pod sync in the kubelet's order (kubeGenericRuntimeManager.SyncPod),
 * as named steps: compute the actions; kill the pod (and purge init
 * containers when the sandbox is re-created) or only the unwanted
 * containers; for a new pod, pass the pod start gate (pod_start_gate.ts);
 * set up volumes; create the sandbox (while the first containers' images are
 * checked); start the next init container; start the regular containers,
 * each behind the crash-loop back-off, concurrently unless
 * `parallelContainerStarts` is off (start_containers.ts). A step that fails
 * records its result and ends the sync; a failed container start does not.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import {
  findContainerStatus,
  type PodStatus,
  type ProbeVerdicts,
  type SyncPodOptions,
} from "../container/runtime.ts";
import { failResult, PodSyncResult, syncResult } from "../container/sync_result.ts";
import type { PodSandboxConfig } from "../cri/types.ts";
import type { ObjectLookup } from "../objects/types.ts";
import { errText } from "../util/err_text.ts";
import { formatPod, hookIps, podEvent, type RuntimeContext } from "./_context.ts";
import { SyncImageChecks } from "./_sync_image_checks.ts";
import { computePodActions, type PodActions } from "./compute_pod_actions.ts";
import { toSandboxStatus } from "./convert.ts";
import { killContainer } from "./kill_container.ts";
import { killPod, removeInitContainers, runningPodOf } from "./kill_pod.ts";
import { generatePodSandboxConfig, podLogsDirectory } from "./sandbox_config.ts";
import type { PodStartLease } from "./pod_start_gate.ts";
import {
  startOne,
  type StartPlan,
  startRegularContainers,
  startWaves,
} from "./start_containers.ts";
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
  const actions = computeActions(ctx, pod, podStatus, options);
  if (!(await killUnwanted(ctx, pod, podStatus, actions, result))) return result;

  // A new pod's start goes through the pod start gate (pod_start_gate.ts)
  // before any of it is made: its sandbox counts against the creation limit,
  // its whole start (volumes, image checks, sandbox, containers) against the
  // ramp, so the pods waiting behind a lead add no work to its start.
  const lease = actions.createSandbox ? await ctx.podStarts.acquire(options.signal) : undefined;
  try {
    await startSteps(ctx, pod, podStatus, actions, options, result, lease);
  } finally {
    lease?.finished();
  }
  return result;
}

/** Steps 3-6 of {@linkcode syncPod}: volumes, image checks, sandbox, containers. */
async function startSteps(
  ctx: RuntimeContext,
  pod: Pod,
  podStatus: PodStatus,
  actions: PodActions,
  options: SyncPodStepOptions,
  result: PodSyncResult,
  lease: PodStartLease | undefined,
): Promise<void> {
  const init = actions.nextInitContainerToStart
    ? pod.spec?.initContainers?.find((c) => c.name === actions.nextInitContainerToStart)
    : undefined;
  // Volumes are set up on every sync, not only when something starts: that
  // is how edits of ConfigMaps, Secrets and tokens reach running containers
  // (the atomic writer writes only what changed).
  const volumePaths = await setUpVolumes(ctx, pod, result, options.objects);
  if (!volumePaths) return;
  if (!actions.createSandbox && !init && actions.containersToStart.length === 0) return;

  const sandboxConfig = generatePodSandboxConfig(pod, actions.attempt, ctx.sandbox);
  const containers = actions.containersToStart
    .map((idx) => pod.spec?.containers?.[idx])
    .filter((c): c is Container => c !== undefined);
  const images = new SyncImageChecks(ctx, pod, { sandboxConfig, signal: options.signal });
  if (actions.createSandbox) prefetchImages(ctx, podStatus, init, containers, images);
  const sandbox = await ensureSandbox(ctx, pod, actions, sandboxConfig, result, lease);
  if (!sandbox) return;

  const plan: StartPlan = {
    pod,
    podStatus,
    backOff: options.backOff,
    signal: options.signal,
    images,
    sandboxId: sandbox.sandboxId,
    sandboxConfig,
    podIps: hookIps(ctx, pod, sandbox.podIps ?? podStatus.ips),
    volumePaths,
    objects: options.objects,
  };
  // Before initialization nothing else is to start; after it, a sidecar
  // restarted here (in back-off or failing) holds back no regular container.
  if (init) await startOne(ctx, plan, init, result);
  await startRegularContainers(ctx, plan, containers, result);
}

/** Step 1: the actions for this sync, logged; a re-created sandbox is a SandboxChanged event. */
function computeActions(
  ctx: RuntimeContext,
  pod: Pod,
  podStatus: PodStatus,
  options: SyncPodStepOptions,
): PodActions {
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
    const message = "Pod sandbox changed, it will be killed and re-created.";
    podEvent(ctx, pod, "Normal", "SandboxChanged", message);
  }
  return actions;
}

/**
 * Step 2: kills the whole pod (purging its init containers when the sandbox
 * is re-created) or only the containers the actions name (and the failed
 * init containers before the next one starts). False when a kill failed.
 */
async function killUnwanted(
  ctx: RuntimeContext,
  pod: Pod,
  podStatus: PodStatus,
  actions: PodActions,
  result: PodSyncResult,
): Promise<boolean> {
  if (actions.killPod) {
    const killed = await killPod(ctx, pod, runningPodOf(podStatus));
    result.addAll(killed);
    if (!killed.ok()) return false;
    if (actions.createSandbox) await removeInitContainers(ctx, pod, podStatus, false);
    return true;
  }
  const podIp = hookIps(ctx, pod, podStatus.ips)[0] ?? "";
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
      return false;
    }
  }
  if (actions.nextInitContainerToStart) await removeInitContainers(ctx, pod, podStatus, true);
  return true;
}

/** Step 3: the pod's volumes by name; undefined (a FailedMount event and a failed result) on error. */
async function setUpVolumes(
  ctx: RuntimeContext,
  pod: Pod,
  result: PodSyncResult,
  objects: ObjectLookup | undefined,
): Promise<Map<string, string> | undefined> {
  try {
    return await setUpPodVolumes(pod, ctx.rootDir, {
      ...ctx.volumes,
      objects,
      env: ctx.env,
      clock: ctx.volumes.clock ?? ctx.clock,
    });
  } catch (e) {
    podEvent(ctx, pod, "Warning", "FailedMount", errText(e));
    result.fail(`unable to attach or mount volumes for pod ${formatPod(pod)}: ${errText(e)}`);
    return undefined;
  }
}

/**
 * Step 4, better than the kubelet: the images of the containers this sync
 * starts first — the init container, else the first wave of regular ones
 * (start_containers.ts), those that never ran, so no crash-loop back-off can
 * apply — are checked (and pulled if need be) while the runtime creates the
 * sandbox, not after it: the container starts then make no ImageStatus call
 * of their own. The containers after a postStart hook are checked after it,
 * as one by one.
 */
function prefetchImages(
  ctx: RuntimeContext,
  podStatus: PodStatus,
  init: Container | undefined,
  containers: readonly Container[],
  images: SyncImageChecks,
): void {
  const first = init ? [init] : startWaves(containers, ctx.parallelContainerStarts)[0] ?? [];
  for (const c of first) {
    if (!findContainerStatus(podStatus, c.name)) images.prefetch(c);
  }
}

/**
 * Step 5: the sandbox to start containers in — the existing one, or a new
 * one (created once the pod start gate let it through: `lease`) with its IPs
 * (`podIps` undefined: keep the status's). Undefined, with the failure in
 * the result and a FailedCreatePodSandBox event where the kubelet records
 * one, when creating or inspecting it failed.
 */
async function ensureSandbox(
  ctx: RuntimeContext,
  pod: Pod,
  actions: PodActions,
  sandboxConfig: PodSandboxConfig,
  result: PodSyncResult,
  lease: PodStartLease | undefined,
): Promise<{ sandboxId: string; podIps?: string[] } | undefined> {
  if (!actions.createSandbox) return { sandboxId: actions.sandboxId };
  const fullName = `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}`;
  const r = result.add(syncResult("CreatePodSandbox", fullName));
  let sandboxId: string;
  try {
    await Deno.mkdir(podLogsDirectory(ctx.podLogsDir, pod), { recursive: true, mode: 0o755 });
    sandboxId = await ctx.runtime.runPodSandbox(sandboxConfig, ctx.runtimeHandler);
  } catch (e) {
    const message = `Failed to create pod sandbox: ${errText(e)}`;
    failResult(r, "CreatePodSandboxError", message);
    podEvent(ctx, pod, "Warning", "FailedCreatePodSandBox", message);
    return undefined;
  } finally {
    lease?.sandboxCreated();
  }
  // A host-network sandbox has the node's IPs (hookIps): its status adds
  // nothing, so the agent saves that call on the pod's start path (the
  // kubelet makes it and then ignores the IPs for such pods).
  if (pod.spec?.hostNetwork) return { sandboxId };
  try {
    const sb = toSandboxStatus((await ctx.runtime.podSandboxStatus(sandboxId)).status);
    const podIps = [sb.ip, ...sb.additionalIps].filter((ip) => ip !== "");
    if (podIps.length > 0) ctx.podIps.set(pod.metadata?.uid ?? "", podIps);
    return { sandboxId, podIps };
  } catch (e) {
    const c = result.add(syncResult("ConfigPodSandbox", fullName));
    failResult(c, "ConfigPodSandboxError", errText(e));
    return undefined;
  }
}
