/**
 * The runtime's streaming URLs (kubelet's kuberuntime GetExec, GetAttach and
 * GetPortForward): one CRI call each, answered with the URL of the
 * runtime's streaming server that the kubelet API then proxies to.
 *
 * @module
 */

import type { StreamOptions } from "../container/runtime.ts";
import type { RuntimeService } from "../cri/service.ts";
import { POD_UID_LABEL } from "./labels.ts";

function parseStreamUrl(method: string, raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new TypeError(`Cannot parse the streaming URL of CRI ${method}: '${raw}'`);
  }
}

/** CRI Exec for `cmd` in the container. Needs the CRI socket permission. */
export async function getExec(
  runtime: RuntimeService,
  containerId: string,
  cmd: string[],
  streams: StreamOptions,
): Promise<URL> {
  return parseStreamUrl("Exec", await runtime.exec({ containerId, cmd, ...streams }));
}

/** CRI Attach to the container's main process. */
export async function getAttach(
  runtime: RuntimeService,
  containerId: string,
  streams: StreamOptions,
): Promise<URL> {
  return parseStreamUrl("Attach", await runtime.attach({ containerId, ...streams }));
}

/**
 * CRI PortForward on the pod's newest sandbox (of any state, as the kubelet's
 * getSandboxIDByPodUID); rejects naming the pod when it has none.
 */
export async function getPortForward(
  runtime: RuntimeService,
  podName: string,
  podNamespace: string,
  podUid: string,
  ports: number[],
): Promise<URL> {
  const sandboxes = await runtime.listPodSandbox({ labelSelector: { [POD_UID_LABEL]: podUid } });
  const newest = sandboxes.sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!newest) {
    throw new Error(`failed to find sandboxID for pod ${podName}_${podNamespace}(${podUid})`);
  }
  const url = await runtime.portForward({ podSandboxId: newest.id, port: ports });
  return parseStreamUrl("PortForward", url);
}
