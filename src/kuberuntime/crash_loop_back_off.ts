/**
 * CrashLoopBackOff as the kubelet decides it (doBackOff): keyed
 * `podName_namespace_uid_containerName_hash` on the injected Backoff (10 s
 * doubling to 5 min, reset after 10 min), checked against the newest exited
 * instance's finishedAt. Pure: the time is an argument.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodStatus } from "../container/runtime.ts";
import type { Backoff } from "../util/backoff.ts";
import { formatGoDuration } from "../util/go_duration.ts";
import { formatPod } from "./_context.ts";

/** The crash-loop back-off key of a container. */
export function crashLoopBackOffKey(pod: Pod, container: Container, hash: string): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ""}_${m.namespace ?? ""}_${m.uid ?? ""}_${container.name}_${hash}`;
}

/** The outcome of {@linkcode doBackOff}. */
export type BackOffDecision =
  | { inBackOff: false }
  | { inBackOff: true; message: string; backOffUntil: number };

/**
 * Whether starting `container` again must wait. When not in back-off and the
 * container exited before, the back-off for the next crash is advanced (the
 * first restart is immediate, then 10 s, 20 s, 40 s, ...).
 */
export function doBackOff(
  pod: Pod,
  container: Container,
  podStatus: PodStatus,
  backOff: Backoff,
  hash: string,
  now: number,
): BackOffDecision {
  let finishedAt: number | undefined;
  let newest = -Infinity;
  for (const s of podStatus.containerStatuses) {
    if (s.name === container.name && s.state === "exited" && s.createdAt > newest) {
      newest = s.createdAt;
      finishedAt = s.finishedAt;
    }
  }
  if (finishedAt === undefined) return { inBackOff: false };
  const key = crashLoopBackOffKey(pod, container, hash);
  // Backs off while `now - finishedAt < delay`; an entry last updated more
  // than the reset period before this exit no longer counts.
  if (backOff.isInBackOffSince(key, finishedAt, now)) {
    return {
      inBackOff: true,
      message: `back-off ${
        formatGoDuration(backOff.get(key))
      } restarting failed container=${container.name} pod=${formatPod(pod)}`,
      backOffUntil: backOff.expiry(key, finishedAt)!,
    };
  }
  backOff.next(key, finishedAt);
  return { inBackOff: false };
}
