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
  // The two listings, then every status, at once: a pod of 10 containers is
  // inspected in about the time of one ContainerStatus, not ten in a row.
  const [listed, containers] = await Promise.all([
    rt.listPodSandbox(selector),
    rt.listContainers(selector),
  ]);
  const sandboxes = listed.sort((a, b) => b.createdAt - a.createdAt);
  const status = emptyPodStatus(uid, name, namespace, ctx.clock.now());
  const [sandboxStatuses, containerStatuses] = await Promise.all([
    Promise.all(sandboxes.map((s) =>
      skipNotFound(async () => {
        return toSandboxStatus((await rt.podSandboxStatus(s.id)).status);
      })
    )),
    Promise.all(containers.map((c) =>
      skipNotFound(async () => {
        const raw = (await rt.containerStatus(c.id)).status;
        const cs = toContainerStatus(raw);
        if (cs.state === "exited" && cs.message === "") {
          cs.message = await readTerminationMessage(raw, ctx.podLogsDir);
        }
        return cs;
      })
    )),
  ]);
  for (const sb of sandboxStatuses) {
    if (!sb) continue;
    if (status.sandboxStatuses.length === 0 && sb.state === "ready") {
      status.ips = [sb.ip, ...sb.additionalIps].filter((ip) => ip !== "");
    }
    status.sandboxStatuses.push(sb);
  }
  for (const cs of containerStatuses) if (cs) status.containerStatuses.push(cs);
  status.containerStatuses.sort((a, b) => b.createdAt - a.createdAt);
  if (status.ips.length > 0) ctx.podIps.set(uid, status.ips);
  if (sandboxes.length === 0) ctx.podIps.delete(uid);
  return status;
}

/** `fn`'s value, or undefined when the object is gone (NotFound); other errors reject. */
async function skipNotFound<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
