/**
 * The kubelet API's `/exec`, `/attach` and `/portForward` (kubelet's
 * server.go getExec/getAttach/getPortForward with the Kubelet's GetExec,
 * GetAttach and GetPortForward): parse and check the request
 * (stream_request.ts), find the pod and its running container, ask the
 * runtime for its streaming URL, and proxy the upgraded connection there
 * (upgrade_proxy.ts). The kubelet's answers:
 *
 * - 400 with the option's message; 404 `pod does not exist` (404 `pod not
 *   found` for a port-forward whose UID differs);
 * - 500 `container not found ("c")` for exec when the container is not
 *   running (attach: `container c not found in pod name_ns`), 500 `pod not
 *   found ("name_ns")` for a port-forward to a pod with nothing running;
 * - a runtime error: 404 for NotFound, 429 for ResourceExhausted, else 500
 *   with its message (streaming.WriteError);
 * - a request without upgrade headers that passes all that: 500 `Upgrade
 *   request required` (the proxy requires an upgrade).
 *
 * Attach uses the container spec's `tty`, not the request's, as the kubelet.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodStatus, Runtime } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import {
  isStreamingPath,
  isUpgradeRequest,
  isWebSocketRequest,
  parseStreamRequest,
  type StreamRefusal,
  type StreamRequest,
} from "./stream_request.ts";
import {
  answerAndClose,
  rawTextAnswer,
  type StreamConn,
  type UpgradeOutcome,
  type UpgradeRequest,
} from "./stream_conn.ts";
import { type Dial, proxyUpgrade } from "./upgrade_proxy.ts";

/** What {@linkcode StreamingHandlerOptions.findPod} answers: the pod and its cached runtime status. */
export interface StreamingPod {
  pod: Pod;
  podStatus: PodStatus;
}

/** The part of the Runtime the handler calls. */
export type StreamingRuntime = Pick<Runtime, "getExec" | "getAttach" | "getPortForward">;

/** Options of {@linkcode createStreamingHandler}. */
export interface StreamingHandlerOptions {
  runtime: StreamingRuntime;
  /** The pod the agent knows by namespace and name, with its runtime status. */
  findPod(namespace: string, name: string): StreamingPod | undefined;
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** `streamingConnectionIdleTimeout`; 0 = no limit. @default 4 h */
  idleTimeoutMs?: number;
  /** @default denoDial */
  dial?: Dial;
}

/** The streaming endpoints, for the plain and the upgrade side of a server. */
export interface StreamingHandler {
  /** True for the paths this handler answers. */
  handles(path: string): boolean;
  /** A request without upgrade headers. */
  serve(request: Request): Promise<Response>;
  /** An upgrade request on its connection; resolves once the answer's status is known. */
  upgrade(request: UpgradeRequest, conn: StreamConn, signal: AbortSignal): Promise<UpgradeOutcome>;
}

function fullName(pod: Pod): string {
  return `${pod.metadata?.name ?? ""}_${pod.metadata?.namespace ?? ""}`;
}

/** streaming.WriteError: the status a runtime error answers with. */
function runtimeErrorStatus(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 5) return 404; // gRPC NotFound
  if (code === 8) return 429; // gRPC ResourceExhausted
  return 500;
}

type Resolution = { url: URL } | StreamRefusal;

function runningContainerId(status: PodStatus, name: string): string | undefined {
  return status.containerStatuses.find((c) => c.name === name && c.state === "running")?.id;
}

function podIsRunning(status: PodStatus): boolean {
  return status.sandboxStatuses.some((s) => s.state === "ready") ||
    status.containerStatuses.some((c) => c.state === "running");
}

/** Creates the handler of `/exec`, `/attach` and `/portForward`. */
export function createStreamingHandler(options: StreamingHandlerOptions): StreamingHandler {
  const logger = options.logger ?? nullLogger;

  async function urlFor(request: StreamRequest): Promise<Resolution> {
    const found = options.findPod(request.namespace, request.podName);
    if (!found) return { status: 404, message: "pod does not exist" };
    const { pod, podStatus } = found;
    const uid = pod.metadata?.uid ?? "";
    const uidMatches = request.podUid === "" || request.podUid === uid;
    if (request.kind === "portForward") {
      if (!uidMatches) return { status: 404, message: "pod not found" };
      if (!podIsRunning(podStatus)) {
        return { status: 500, message: `pod not found ("${fullName(pod)}")` };
      }
      return {
        url: await options.runtime.getPortForward(
          pod.metadata?.name ?? "",
          pod.metadata?.namespace ?? "",
          uid,
          request.ports,
        ),
      };
    }
    const id = uidMatches ? runningContainerId(podStatus, request.container) : undefined;
    if (request.kind === "exec") {
      if (!id) return { status: 500, message: `container not found ("${request.container}")` };
      return { url: await options.runtime.getExec(id, request.command, request.streams) };
    }
    const spec = pod.spec?.containers?.find((c) => c.name === request.container);
    if (!id || !spec) {
      return {
        status: 500,
        message: `container ${request.container} not found in pod ${fullName(pod)}`,
      };
    }
    return {
      url: await options.runtime.getAttach(id, { ...request.streams, tty: spec.tty === true }),
    };
  }

  async function resolve(path: string, query: URLSearchParams, headers: Headers) {
    const parsed = parseStreamRequest(path, query, isWebSocketRequest(headers));
    if (!parsed.ok) return parsed.refusal;
    try {
      return await urlFor(parsed.request);
    } catch (err) {
      logger.debug(2, "Streaming request failed", {
        kind: parsed.request.kind,
        namespace: parsed.request.namespace,
        pod: parsed.request.podName,
        err: errText(err),
      });
      return { status: runtimeErrorStatus(err), message: errText(err) };
    }
  }

  return {
    handles: isStreamingPath,
    async serve(request) {
      const url = new URL(request.url);
      const resolution = await resolve(url.pathname, url.searchParams, request.headers);
      const refusal: StreamRefusal = "url" in resolution
        ? { status: 500, message: "Upgrade request required" }
        : resolution;
      return new Response(`${refusal.message}\n`, {
        status: refusal.status,
        headers: {
          "content-type": "text/plain; charset=utf-8",
          "x-content-type-options": "nosniff",
        },
      });
    },
    async upgrade(request, conn, signal) {
      const url = new URL(request.url, "http://kubelet");
      const headers = new Headers();
      for (const [name, value] of request.headers) headers.append(name, value);
      if (!isUpgradeRequest(headers)) {
        await answerAndClose(conn, rawTextAnswer(500, "Upgrade request required"));
        return { status: 500, finished: Promise.resolve() };
      }
      const resolution = await resolve(url.pathname, url.searchParams, headers);
      if (!("url" in resolution)) {
        await answerAndClose(conn, rawTextAnswer(resolution.status, resolution.message));
        return { status: resolution.status, finished: Promise.resolve() };
      }
      return await proxyUpgrade(resolution.url, request, conn, {
        clock: options.clock,
        idleTimeoutMs: options.idleTimeoutMs,
        signal,
        dial: options.dial,
      });
    },
  };
}
