/**
 * What the sync steps (start, kill, hooks) share: the CRI services, the image
 * manager, the clock and the node facts. Built once by KubeRuntimeManager.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { aboutPod, type EventType, type RecordEvent } from "../container/events.ts";
import type { ImageService, RuntimeService } from "../cri/service.ts";
import type { PodSandboxConfig } from "../cri/types.ts";
import type { ImageManager } from "../images/image_manager.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { EnvOptions } from "./container_env.ts";
import type { PodStartGate } from "./pod_start_gate.ts";
import type { SandboxConfigOptions } from "./sandbox_config.ts";
import type { VolumeOptions } from "./volumes.ts";

/** A fetch-like GET used by httpGet hooks. */
export type HttpGet = (
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
) => Promise<{ status: number }>;

/** Shared dependencies of the sync steps. */
export interface RuntimeContext {
  runtime: RuntimeService;
  imageService: ImageService;
  /** Pulls carry the pod's sandbox config. */
  images: ImageManager<PodSandboxConfig>;
  clock: Clock;
  logger: Logger;
  recordEvent: RecordEvent;
  rootDir: string;
  podLogsDir: string;
  /** Where legacy `/var/log/containers` symlinks go; undefined = none. */
  containerLogsDir?: string;
  httpGet: HttpGet;
  /** ExecSync timeout of exec hooks, in seconds (0 = none). */
  hookExecTimeoutSeconds: number;
  env: EnvOptions;
  sandbox: SandboxConfigOptions;
  volumes: VolumeOptions;
  /** CRI runtime handler of new sandboxes. */
  runtimeHandler: string;
  /** Last known IPs per pod UID, for hooks of pods killed without a status at hand. */
  podIps: Map<string, string[]>;
  /**
   * Start a pod's regular containers concurrently (a postStart hook still
   * holds back the ones after it); false = one by one, as the kubelet.
   */
  parallelContainerStarts: boolean;
  /** New sandboxes are created through it: a few at a time, in arrival order. */
  podStarts: PodStartGate;
}

/** The IPs a pod's env and hooks see: the node's with host networking, else the pod's. */
export function hookIps(ctx: RuntimeContext, pod: Pod, podIps: string[]): string[] {
  return pod.spec?.hostNetwork ? (ctx.env.hostIps ?? podIps) : podIps;
}

/** `name_namespace(uid)`, kubelet's format.Pod. */
export function formatPod(pod: Pod): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ""}_${m.namespace ?? ""}(${m.uid ?? ""})`;
}

/** Records an event about one container of `pod`. */
export function containerEvent(
  ctx: RuntimeContext,
  pod: Pod,
  containerName: string,
  type: EventType,
  reason: string,
  message: string,
): void {
  ctx.recordEvent({ type, reason, message, ...aboutPod(pod, containerName) });
}

/** Records an event about `pod` itself. */
export function podEvent(
  ctx: RuntimeContext,
  pod: Pod,
  type: EventType,
  reason: string,
  message: string,
): void {
  ctx.recordEvent({ type, reason, message, ...aboutPod(pod) });
}
