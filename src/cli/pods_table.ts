/**
 * `denolet pods`: the agent's `/pods` as kubectl's table prints pods
 * (`NAMESPACE NAME READY STATUS RESTARTS AGE`, columns padded by 3 as
 * kubectl's tabwriter does), with kubectl's rules for STATUS (the waiting or
 * terminated reason of a container, `Init:` states, `ExitCode:N`,
 * `Terminating`), RESTARTS (the sum, with `(5m ago)` of the latest restart)
 * and AGE (kubectl's human duration of the creation time; the start time
 * when there is none, as for a static pod before it is mirrored).
 *
 * @module
 */

import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.d.ts";

/** kubectl's `HumanDuration` of `ms`: `45s`, `5m10s`, `3h2m`, `4d5h`, `2y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

function terminatedReason(c: ContainerStatus): string | undefined {
  const t = c.state?.terminated;
  if (!t) return undefined;
  if (t.reason) return t.reason;
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
}

/** kubectl's STATUS column of a pod. */
export function podStatusText(pod: Pod): string {
  const status = pod.status ?? {};
  let reason = status.reason || status.phase || "Unknown";
  const initStatuses = status.initContainerStatuses ?? [];
  const initCount = pod.spec?.initContainers?.length ?? 0;
  let initializing = false;
  initStatuses.forEach((c, i) => {
    if (initializing) return;
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) return;
    if (c.started && c.state?.running) return; // a running sidecar
    initializing = true;
    if (t) {
      reason = `Init:${t.reason || (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`)}`;
    } else if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") {
      reason = `Init:${c.state.waiting.reason}`;
    } else reason = `Init:${i}/${initCount}`;
  });
  if (!initializing) {
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      const waiting = c.state?.waiting?.reason;
      const terminated = terminatedReason(c);
      if (waiting) reason = waiting;
      else if (terminated) reason = terminated;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === "Completed" && hasRunning) {
      const ready = status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      reason = ready ? "Running" : "NotReady";
    }
  }
  if (pod.metadata?.deletionTimestamp) reason = "Terminating";
  return reason;
}

function restartsText(pod: Pod, now: number): string {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const last = statuses
    .map((c) => c.lastState?.terminated?.finishedAt)
    .filter((t): t is string => typeof t === "string")
    .map((t) => Date.parse(t))
    .filter((t) => !Number.isNaN(t))
    .reduce((a, b) => Math.max(a, b), 0);
  return restarts > 0 && last > 0
    ? `${restarts} (${humanDuration(now - last)} ago)`
    : `${restarts}`;
}

function ageText(pod: Pod, now: number): string {
  const since = pod.metadata?.creationTimestamp ?? pod.status?.startTime;
  const t = since ? Date.parse(since) : NaN;
  return Number.isNaN(t) ? "<unknown>" : humanDuration(now - t);
}

/** One row of the table: NAMESPACE, NAME, READY, STATUS, RESTARTS, AGE. */
export function podRow(pod: Pod, now: number): string[] {
  const total = pod.spec?.containers?.length ?? 0;
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready).length;
  return [
    pod.metadata?.namespace ?? "",
    pod.metadata?.name ?? "",
    `${ready}/${total}`,
    podStatusText(pod),
    restartsText(pod, now),
    ageText(pod, now),
  ];
}

/** Lays `rows` out in columns padded by 3 spaces, as kubectl's tabwriter. */
export function formatColumns(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  return rows.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] + 3)).join("")
  ).map((line) => `${line}\n`).join("");
}

/** The table of `pods` (sorted by namespace, then name), or kubectl's "No resources found". */
export function podsTable(pods: readonly Pod[], now: number, namespace?: string): string {
  if (pods.length === 0) {
    return namespace === undefined
      ? "No resources found\n"
      : `No resources found in ${namespace} namespace.\n`;
  }
  const sorted = [...pods].sort((a, b) =>
    (a.metadata?.namespace ?? "").localeCompare(b.metadata?.namespace ?? "") ||
    (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "")
  );
  const header = ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"];
  return formatColumns([header, ...sorted.map((p) => podRow(p, now))]);
}
