/**
 * The kubelet's `GET /containerLogs/{namespace}/{pod}/{container}` (what
 * `kubectl logs` reaches through the API server's pods/log), as a plain
 * `(Request) => Promise<Response>` handler like src/server/handler.ts. It
 * answers as pkg/kubelet/server/server.go getContainerLogs does:
 *
 * - 400 `{"message": "Missing podID."}` (container name, podNamespace) for
 *   an empty path segment; 400 `{"message": "Unable to decode query."}` for
 *   a query value that cannot be decoded (`tailLines=abc`); 422
 *   `{"message": "Invalid request."}` for options that fail validation
 *   (`sinceSeconds` with `sinceTime`, `tailLines=-1`, `limitBytes=0`);
 * - 404 `pod "x" does not exist`, 404 `container "c" not found in pod "x"`
 *   (not in the spec);
 * - 400 with validateContainerLogStatus's message (`container "c" in pod
 *   "x" is not available`, `previous terminated container "c" in pod "x"
 *   not found`, `... is waiting to start: ...`);
 * - else 200 `text/plain`, the log streamed as it is read (followed with
 *   `follow`). Failures after that point (the runtime no longer knows the
 *   instance, its log file cannot be opened) end the body with the
 *   kubelet's message, as the kubelet's are written after its 200.
 *
 * The pod comes from the injected `findPod`; the instance's log path is
 * the CRI log path the agent gave it (`<podLogsDir>/<ns>_<name>_<uid>/
 * <container>/<restartCount>.log`), its rotated files found beside it.
 * Needs `--allow-read` for `podLogsDir`.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodStatus } from "../container/runtime.ts";
import { containerLogPath } from "../kuberuntime/container_config.ts";
import { podLogsDirectory } from "../kuberuntime/sandbox_config.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { runtimeContainerId, validateContainerLogStatus } from "./container_log_status.ts";
import { parsePodLogOptions, readLogsOptionsOf } from "./pod_log_options.ts";
import { readContainerLogs } from "./read_logs.ts";

/** The path prefix this handler serves. */
export const CONTAINER_LOGS_PREFIX = "/containerLogs/";

/** What {@linkcode ContainerLogsHandlerOptions.findPod} answers for a pod. */
export interface LogPod {
  /**
   * The pod as the agent runs it, with its v1 status (the status manager's;
   * the source's when it has none): the status picks the instance.
   */
  pod: Pod;
  /** The runtime's view of the pod (runtime cache): every container instance. */
  podStatus: PodStatus;
}

/** Options of {@linkcode createContainerLogsHandler}. */
export interface ContainerLogsHandlerOptions {
  /** The pod named `name` in `namespace` the agent runs (a static pod by its own name), if any. */
  findPod(namespace: string, name: string): LogPod | undefined | Promise<LogPod | undefined>;
  /** The kubelet's `podLogsDir`, absolute. */
  podLogsDir: string;
  /**
   * Whether the instance still runs (a follow ends once it stops).
   * @default its state in a fresh findPod answer
   */
  isRunning?(pod: LogPod, containerId: string): boolean | Promise<boolean>;
  /** @default new RealClock() */
  clock?: Clock;
  /** How often a follow looks for new lines. @default 250 */
  pollIntervalMs?: number;
  /** @default nullLogger */
  logger?: Logger;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...TEXT, ...extra } });
}

function containerInSpec(pod: Pod, name: string): boolean {
  const s = pod.spec;
  return [s?.containers, s?.initContainers, s?.ephemeralContainers].some((list) =>
    (list ?? []).some((c) => c.name === name)
  );
}

function segments(pathname: string): string[] | undefined {
  if (!pathname.startsWith(CONTAINER_LOGS_PREFIX)) return undefined;
  const parts = pathname.slice(CONTAINER_LOGS_PREFIX.length).split("/");
  if (parts.length !== 3) return undefined;
  try {
    return parts.map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** Creates the `/containerLogs` handler. */
export function createContainerLogsHandler(
  options: ContainerLogsHandlerOptions,
): (request: Request) => Promise<Response> {
  const logger = options.logger ?? nullLogger;
  const clock = options.clock ?? new RealClock();
  const isRunning = options.isRunning ?? (async (found: LogPod, id: string) => {
    const md = found.pod.metadata ?? {};
    const again = await options.findPod(md.namespace ?? "", md.name ?? "");
    return again?.podStatus.containerStatuses.find((c) => c.id === id)?.state === "running";
  });

  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const parts = segments(url.pathname);
    if (!parts) return text(404, "404 page not found\n");
    if (request.method !== "GET") return text(405, "405: Method Not Allowed", { allow: "GET" });
    const [namespace, podName, containerName] = parts;
    if (!podName) return text(400, `{"message": "Missing podID."}`);
    if (!containerName) return text(400, `{"message": "Missing container name."}`);
    if (!namespace) return text(400, `{"message": "Missing podNamespace."}`);

    const parsed = parsePodLogOptions(url.searchParams);
    if (!parsed.ok) {
      logger.info("Rejected containerLogs query", { path: url.pathname, reason: parsed.reason });
      return text(parsed.status, parsed.body);
    }
    const found = await options.findPod(namespace, podName);
    if (!found) return text(404, `pod ${JSON.stringify(podName)} does not exist`);
    if (!containerInSpec(found.pod, containerName)) {
      return text(
        404,
        `container ${JSON.stringify(containerName)} not found in pod ${JSON.stringify(podName)}`,
      );
    }
    const target = validateContainerLogStatus(
      podName,
      found.pod.status,
      containerName,
      parsed.options.previous,
    );
    if (!target.ok) return text(400, target.message);

    const id = runtimeContainerId(target.containerId);
    const instance = found.podStatus.containerStatuses.find((c) => c.id === id);
    if (!instance) {
      // The kubelet has sent its 200 by now: its message is the body.
      return text(200, `unable to retrieve container logs for ${target.containerId}`);
    }
    const path = `${podLogsDirectory(options.podLogsDir, found.pod)}/${
      containerLogPath(instance.name, instance.restartCount)
    }`;
    const body = readContainerLogs(path, {
      ...readLogsOptionsOf(parsed.options, clock.now()),
      isRunning: () => isRunning(found, id),
      clock,
      pollIntervalMs: options.pollIntervalMs,
      signal: request.signal,
      logger,
    });
    return new Response(body, { status: 200, headers: TEXT });
  };
}
