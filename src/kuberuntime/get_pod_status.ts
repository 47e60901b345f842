/**
 * Inspecting one pod on the CRI (kubelet's GetPodStatus): its sandboxes,
 * newest first, with the pod IPs of the newest one when it is ready, and
 * every container instance, newest first, with the termination message of
 * exited ones read from their file when the runtime gives none. A sandbox or
 * container gone between the listing and its status is skipped. The IPs are
 * remembered for the hooks of a pod killed later without a status at hand.
 *
 * @module
 */

import { emptyPodStatus, type PodStatus } from "../container/runtime.ts";
import { isNotFound } from "../cri/errors.ts";
import type { RuntimeContext } from "./_context.ts";
import { toContainerStatus, toSandboxStatus } from "./convert.ts";
import { POD_UID_LABEL } from "./labels.ts";
import { readTerminationMessage } from "./termination_message.ts";

/**
 * The status of the pod with this UID. Requires the CRI socket permissions,
 * and `--allow-read` on the pod logs directory for termination messages.
 */
export async function getPodStatus(
  ctx: RuntimeContext,
  uid: string,
  name: string,
  namespace: string,
): Promise<PodStatus> {
  const rt = ctx.runtime;
  const selector = { labelSelector: { [POD_UID_LABEL]: uid } };
  const sandboxes = (await rt.listPodSandbox(selector)).sort((a, b) => b.createdAt - a.createdAt);
  const status = emptyPodStatus(uid, name, namespace, ctx.clock.now());
  for (const s of sandboxes) {
    try {
      const sb = toSandboxStatus((await rt.podSandboxStatus(s.id)).status);
      if (status.sandboxStatuses.length === 0 && sb.state === "ready") {
        status.ips = [sb.ip, ...sb.additionalIps].filter((ip) => ip !== "");
      }
      status.sandboxStatuses.push(sb);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  for (const c of await rt.listContainers(selector)) {
    try {
      const raw = (await rt.containerStatus(c.id)).status;
      const cs = toContainerStatus(raw);
      if (cs.state === "exited" && cs.message === "") {
        cs.message = await readTerminationMessage(raw, ctx.podLogsDir);
      }
      status.containerStatuses.push(cs);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  status.containerStatuses.sort((a, b) => b.createdAt - a.createdAt);
  if (status.ips.length > 0) ctx.podIps.set(uid, status.ips);
  if (sandboxes.length === 0) ctx.podIps.delete(uid);
  return status;
}
