/**
 * The start step of a pod sync: each container behind its crash-loop
 * back-off, in waves. Better than the kubelet, which starts the regular
 * containers of a pod one after the other: with `parallelContainerStarts` on
 * (the default) a pod's regular containers are pulled, created and started at
 * once, except that a container with a `postStart` hook holds back the
 * containers after it until its hook finished — the ordering the kubelet's
 * sequential start guarantees (it runs postStart before the next container
 * starts), which sidecar-first pods rely on. Init containers (restartable
 * ones too) are started one at a time in spec order by the sync itself.
 *
 * Every container started gets its own result (the same error names and
 * back-off as one by one); one failure does not stop the others.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodStatus } from "../container/runtime.ts";
import { failResult, type PodSyncResult, syncResult } from "../container/sync_result.ts";
import type { PodSandboxConfig } from "../cri/types.ts";
import type { ObjectLookup } from "../objects/types.ts";
import type { Backoff } from "../util/backoff.ts";
import { containerEvent, formatPod, type RuntimeContext } from "./_context.ts";
import type { SyncImageChecks } from "./_sync_image_checks.ts";
import { hashContainer } from "./container_hash.ts";
import { doBackOff } from "./crash_loop_back_off.ts";
import { startContainer } from "./start_container.ts";

/** What every container start of one sync shares. */
export interface StartPlan {
  pod: Pod;
  podStatus: PodStatus;
  backOff: Backoff;
  signal?: AbortSignal;
  /** The sync's image checks (some may be under way already). */
  images: SyncImageChecks;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  /** The IPs the containers' env and hooks see. */
  podIps: string[];
  volumePaths: Map<string, string>;
  /** The pod's ConfigMaps and Secrets for env and envFrom. */
  objects?: ObjectLookup;
}

/**
 * The order `containers` start in: waves whose containers start together, a
 * wave after the previous one finished. With `parallel` a wave ends after
 * each container with a `postStart` hook (so the ones after it wait for its
 * hook); without, every container is its own wave (the kubelet's order).
 */
export function startWaves(containers: readonly Container[], parallel: boolean): Container[][] {
  if (!parallel) return containers.map((c) => [c]);
  const waves: Container[][] = [];
  let wave: Container[] = [];
  for (const c of containers) {
    wave.push(c);
    if (c.lifecycle?.postStart) {
      waves.push(wave);
      wave = [];
    }
  }
  if (wave.length > 0) waves.push(wave);
  return waves;
}

/**
 * Starts the regular containers `containers` of the plan's pod in
 * {@linkcode startWaves} order (`ctx.parallelContainerStarts`). Each gets
 * one StartContainer result, in spec order. Rejects (after the wave's other
 * starts finished) when a start threw rather than reporting a failure.
 */
export async function startRegularContainers(
  ctx: RuntimeContext,
  plan: StartPlan,
  containers: readonly Container[],
  result: PodSyncResult,
): Promise<void> {
  for (const wave of startWaves(containers, ctx.parallelContainerStarts)) {
    // startOne adds its result before its first await: results keep spec order.
    const outcomes = await Promise.allSettled(wave.map((c) => startOne(ctx, plan, c, result)));
    // An unexpected throw fails the sync as before, but only once every
    // start of the wave has finished: none is left running unobserved.
    const thrown = outcomes.find((o) => o.status === "rejected");
    if (thrown) throw thrown.reason;
  }
}

/**
 * Starts one container unless it is in crash-loop back-off (a BackOff event
 * then). False when it did not start.
 */
export async function startOne(
  ctx: RuntimeContext,
  plan: StartPlan,
  container: Container,
  result: PodSyncResult,
): Promise<boolean> {
  const { pod, podStatus } = plan;
  const r = result.add(syncResult("StartContainer", container.name));
  const hash = hashContainer(container);
  const bo = doBackOff(pod, container, podStatus, plan.backOff, hash, ctx.clock.now());
  if (bo.inBackOff) {
    const message = `Back-off restarting failed container ${container.name} in pod ${
      formatPod(pod)
    }`;
    containerEvent(ctx, pod, container.name, "Warning", "BackOff", message);
    failResult(r, "CrashLoopBackOff", bo.message, bo.backOffUntil);
    return false;
  }
  const failure = await startContainer(ctx, pod, container, {
    image: plan.images.check(container),
    podStatus,
    sandboxId: plan.sandboxId,
    sandboxConfig: plan.sandboxConfig,
    podIps: plan.podIps,
    hash,
    volumePaths: plan.volumePaths,
    objects: plan.objects,
    signal: plan.signal,
  });
  if (failure) {
    failResult(r, failure.error, failure.message, failure.backOffUntil);
    return false;
  }
  return true;
}
