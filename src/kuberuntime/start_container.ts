/**
 * Starting one container instance the way the kubelet's startContainer does:
 * ensure the image, pick the restart count, build the config (volumes,
 * termination message file, env, log dir), CreateContainer, StartContainer,
 * the legacy log symlink, then the postStart hook (a failing hook kills the
 * container with reason FailedPostStartHook).
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodStatus } from "../container/runtime.ts";
import { findContainerStatus } from "../container/runtime.ts";
import type { SyncErrorName } from "../container/sync_result.ts";
import type { PodSandboxConfig } from "../cri/types.ts";
import type { EnsureImageResult } from "../images/image_manager.ts";
import type { ObjectLookup } from "../objects/types.ts";
import { containerEvent, type RuntimeContext } from "./_context.ts";
import { errText } from "../util/err_text.ts";
import { generateContainerConfig } from "./container_config.ts";
import { ContainerConfigError } from "./container_config_error.ts";
import { killContainer } from "./kill_container.ts";
import { runLifecycleHandler } from "./lifecycle_hooks.ts";
import { podLogsDirectory } from "./sandbox_config.ts";
import { makeMounts, makeTerminationMessageFile } from "./volumes.ts";

/** The outcome of {@linkcode startContainer}: undefined on success. */
export type StartFailure = { error: SyncErrorName; message: string; backOffUntil?: number };

/** What {@linkcode startContainer} needs besides the pod and container. */
export interface StartContainerRequest {
  /** The image check already under way for this container, if any. */
  image?: Promise<EnsureImageResult>;
  podStatus: PodStatus;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  /** The pod's IPs, primary first. */
  podIps: string[];
  /** The container hash for its annotation. */
  hash: string;
  /** Volume host paths by volume name. */
  volumePaths: Map<string, string>;
  /**
   * The pod's ConfigMaps and Secrets as resolved for this sync (env and
   * envFrom read them). @default none: every reference is NotFound
   */
  objects?: ObjectLookup;
  signal?: AbortSignal;
}

/**
 * The restart count of a container with no previous status: the highest N
 * of `N.log` in its log directory, plus 1; 0 when there are none.
 *
 * Requires `--allow-read` for the pod log directory.
 */
export async function restartCountFromLogDir(dir: string): Promise<number> {
  let max = -1;
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = e.name.match(/^(\d+)\.log/);
      if (m) max = Math.max(max, Number(m[1]));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return max + 1;
}

/**
 * Starts a new instance of `container`. Resolves to undefined on success or
 * to the kubelet's error name and message.
 *
 * Requires the CRI socket permissions, and `--allow-read`/`--allow-write` for
 * the pod log directory and `<rootDir>/pods`.
 */
export async function startContainer(
  ctx: RuntimeContext,
  pod: Pod,
  container: Container,
  request: StartContainerRequest,
): Promise<StartFailure | undefined> {
  const ev = (type: "Normal" | "Warning", reason: string, message: string) =>
    containerEvent(ctx, pod, container.name, type, reason, message);

  const image = await (request.image ?? ctx.images.ensureImageExists(pod, container, {
    pullContext: request.sandboxConfig,
    signal: request.signal,
  }));
  if (!image.ok) {
    return { error: image.error, message: image.message, backOffUntil: image.backOffUntil };
  }

  const logDir = `${podLogsDirectory(ctx.podLogsDir, pod)}/${container.name}`;
  const previous = findContainerStatus(request.podStatus, container.name);
  let config;
  try {
    const restartCount = previous
      ? previous.restartCount + 1
      : await restartCountFromLogDir(logDir);
    const mounts = await makeMounts(container, request.volumePaths);
    const tmp = container.terminationMessagePath;
    if (tmp && !mounts.some((m) => m.containerPath === tmp)) {
      const file = await makeTerminationMessageFile(
        ctx.rootDir,
        pod.metadata?.uid ?? "",
        container.name,
      );
      mounts.push({ containerPath: tmp, hostPath: file, readonly: false, selinuxRelabel: false });
    }
    await Deno.mkdir(logDir, { recursive: true, mode: 0o755 });
    config = generateContainerConfig(pod, container, {
      imageRef: image.imageRef,
      restartCount,
      hash: request.hash,
      mounts,
      env: {
        ...ctx.env,
        podIps: request.podIps,
        objects: request.objects,
        onWarning: (w) => ev("Warning", w.reason, w.message),
      },
    });
  } catch (e) {
    // A ContainerConfigError names objects and keys, never a resolved value;
    // the config itself (Secret values in envs) is never logged.
    const message = errText(e);
    ev("Warning", "Failed", `Error: ${message}`);
    if (!(e instanceof ContainerConfigError) && !(e instanceof TypeError)) {
      ctx.logger.warn("Cannot generate container config", { container: container.name, err: e });
    }
    return { error: "CreateContainerConfigError", message };
  }

  let containerId: string;
  try {
    containerId = await ctx.runtime.createContainer({
      podSandboxId: request.sandboxId,
      config,
      sandboxConfig: request.sandboxConfig,
    });
  } catch (e) {
    ev("Warning", "Failed", `Error: ${errText(e)}`);
    return { error: "CreateContainerError", message: errText(e) };
  }
  ev("Normal", "Created", `Created container: ${container.name}`);

  try {
    await ctx.runtime.startContainer(containerId);
  } catch (e) {
    ev("Warning", "Failed", `Error: ${errText(e)}`);
    return { error: "RunContainerError", message: errText(e) };
  }
  ev("Normal", "Started", `Started container ${container.name}`);

  if (ctx.containerLogsDir) {
    const m = pod.metadata ?? {};
    const link =
      `${ctx.containerLogsDir}/${m.name}_${m.namespace}_${container.name}-${containerId}.log`;
    try {
      await Deno.symlink(`${podLogsDirectory(ctx.podLogsDir, pod)}/${config.logPath}`, link);
    } catch (e) {
      ctx.logger.warn("Failed to create legacy symbolic link", { path: link, err: e });
    }
  }

  const postStart = container.lifecycle?.postStart;
  if (postStart) {
    const msg = await runLifecycleHandler(
      ctx,
      containerId,
      pod,
      container,
      postStart,
      request.podIps[0] ?? "",
      request.signal,
    );
    if (msg) {
      ev("Warning", "FailedPostStartHook", msg);
      const killErr = await killContainer(ctx, pod, {
        containerId,
        containerName: container.name,
        message: "FailedPostStartHook",
        reason: "FailedPostStartHook",
        podIp: request.podIps[0] ?? "",
      });
      if (killErr) {
        ctx.logger.error("Failed to kill container after postStart hook failure", {
          container: container.name,
          err: killErr,
        });
      }
      return { error: "PostStartHookError", message: msg };
    }
  }
  return undefined;
}
