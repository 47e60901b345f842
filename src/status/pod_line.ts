/**
 * One readable line per pod state, the agent's live output: pod, phase,
 * containers ready, restarts and the reason a container waits, for example
 * `pod default/web-node  Running  ready 1/1  restarts 0`.
 *
 * @module
 */

import type { Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";

/** The line for `pod` with `status`; "gone" when there is no status any more. */
export function formatPodLine(pod: Pod, status: PodStatus | undefined): string {
  const name = `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;
  if (!status) return `pod ${name}  gone`;
  const containers = status.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? containers.length;
  const ready = containers.filter((c) => c.ready).length;
  const restarts = containers.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const waiting = [...(status.initContainerStatuses ?? []), ...containers]
    .map((c) => c.state?.waiting?.reason)
    .filter((r): r is string => r !== undefined && r !== "")
    .filter((r, i, all) => all.indexOf(r) === i);
  const reason = status.reason ? `  ${status.reason}` : "";
  const extra = waiting.length > 0 ? `  (${waiting.join(", ")})` : "";
  return `pod ${name}  ${
    status.phase ?? "Unknown"
  }${reason}  ready ${ready}/${total}  restarts ${restarts}${extra}`;
}
