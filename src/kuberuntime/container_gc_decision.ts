/**
 * The pure decision of container garbage collection (kubelet's
 * kuberuntime_gc.go): from what the runtime lists, the {@linkcode GCPolicy},
 * the time and which pods are deleted, {@linkcode decideContainerGC} says
 * which containers, sandboxes and log entries to remove.
 *
 * The decision, in the kubelet's order:
 * 1. Evictable containers are those not RUNNING and created at least MinAge
 *    ago, grouped into units by (pod UID, container name).
 * 2. Once all sources are ready, units of deleted pods go entirely.
 * 3. Every other unit keeps its newest MaxPerPodContainer containers
 *    (attempt, then creation time, descending).
 * 4. Over MaxContainers, units are cut to max(1, MaxContainers / units), then
 *    the oldest across units go.
 *
 * denolet never removes a running container, nor, for a pod that is not
 * deleted, the newest instance of a container when it is dead: the restart
 * count of the next instance is read from it. (The kubelet may remove it when
 * MaxPerPodContainer is 0 or under the global cap.)
 *
 * Sandboxes: one is active when READY or some remaining container points at
 * it. Deleted pods (once sources are ready) lose every inactive sandbox; other
 * pods keep their newest sandbox and lose the older inactive ones.
 *
 * @module
 */

import type { Container, PodSandbox } from "../cri/types.ts";
import { type GCPolicy, validateGCPolicy } from "./gc_policy.ts";
import {
  CONTAINER_NAME_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
} from "./labels.ts";

/** Inputs of {@linkcode decideContainerGC}. */
export interface ContainerGCInput {
  /** Every container the runtime lists (all states). */
  containers: readonly Container[];
  /** Every sandbox the runtime lists (all states). */
  sandboxes: readonly PodSandbox[];
  /** Entry names in the pod logs directory (`<namespace>_<name>_<uid>`). @default [] */
  podLogDirs?: readonly string[];
  /** Names of dangling `*.log` symlinks in the legacy container logs directory. @default [] */
  danglingContainerLogs?: readonly string[];
  policy: GCPolicy;
  /** Current time, ms since the epoch. */
  now: number;
  /** Whether every pod source has delivered its pods at least once. */
  allSourcesReady: boolean;
  /** Whether the pod with this UID is deleted (no source declares it any more). */
  isPodDeleted: (uid: string) => boolean;
}

/** One container to remove. */
export interface ContainerRemoval {
  id: string;
  podUid: string;
  podName: string;
  podNamespace: string;
  containerName: string;
  attempt: number;
  /** The container is in UNKNOWN state: stop it before removing. */
  killFirst: boolean;
}

/** What {@linkcode decideContainerGC} decided, in removal order. */
export interface ContainerGCDecision {
  containersToRemove: ContainerRemoval[];
  /** Sandbox ids: each is stopped, then removed. */
  sandboxesToRemove: string[];
  /** Entry names in the pod logs directory. */
  logDirsToRemove: string[];
  /** Entry names in the legacy container logs directory. */
  containerLogsToRemove: string[];
}

interface GCInfo {
  c: Container;
  uid: string;
  name: string;
  createdMs: number;
  attempt: number;
}

function nanosToMs(ns: number): number {
  return ns > 0 ? Math.floor(ns / 1e6) : 0;
}

/** Newest first: attempt descending, then creation time descending. */
function byNewest(a: GCInfo, b: GCInfo): number {
  return b.attempt - a.attempt || b.createdMs - a.createdMs;
}

function infoOf(c: Container): GCInfo | undefined {
  const uid = c.labels[POD_UID_LABEL];
  const name = c.labels[CONTAINER_NAME_LABEL] ?? c.metadata?.name;
  // Containers without the kubelet's labels are not ours.
  if (!uid || !name) return undefined;
  return { c, uid, name, createdMs: nanosToMs(c.createdAt), attempt: c.metadata?.attempt ?? 0 };
}

function removalOf(i: GCInfo): ContainerRemoval {
  return {
    id: i.c.id,
    podUid: i.uid,
    podName: i.c.labels[POD_NAME_LABEL] ?? "",
    podNamespace: i.c.labels[POD_NAMESPACE_LABEL] ?? "",
    containerName: i.name,
    attempt: i.attempt,
    killFirst: i.c.state === "CONTAINER_UNKNOWN",
  };
}

/** The pod UID of a `<namespace>_<name>_<uid>` log directory: its last `_` field. */
export function podUidFromLogDirectory(name: string): string {
  const i = name.lastIndexOf("_");
  return i >= 0 ? name.slice(i + 1) : name;
}

/** The container id of a legacy `<pod>_<ns>_<container>-<id>.log` symlink, or undefined. */
export function containerIdFromLegacyLog(name: string): string | undefined {
  if (!name.endsWith(".log")) return undefined;
  const base = name.slice(0, -".log".length);
  const i = base.lastIndexOf("-");
  if (i < 0 || i === base.length - 1) return undefined;
  return base.slice(i + 1);
}

function decideContainers(input: ContainerGCInput): ContainerRemoval[] {
  const { policy, now } = input;
  const infos = input.containers.map(infoOf).filter((i): i is GCInfo => i !== undefined);
  const key = (i: GCInfo) => JSON.stringify([i.uid, i.name]);

  // The newest instance of every (pod, container): when it is dead, the next
  // instance's restart count comes from it.
  const newest = new Map<string, GCInfo>();
  for (const i of infos) {
    const k = key(i);
    const n = newest.get(k);
    if (!n || byNewest(i, n) < 0) newest.set(k, i);
  }

  const newestGCTime = now - policy.minAgeMs;
  const units = new Map<string, GCInfo[]>();
  for (const i of infos) {
    if (i.c.state === "CONTAINER_RUNNING") continue;
    if (i.createdMs > newestGCTime) continue;
    const k = key(i);
    const u = units.get(k);
    if (u) u.push(i);
    else units.set(k, [i]);
  }

  const out: ContainerRemoval[] = [];
  const removeOldest = (unit: GCInfo[], keep: number): GCInfo[] => {
    for (const i of unit.slice(Math.max(0, keep))) out.push(removalOf(i));
    return unit.slice(0, Math.max(0, keep));
  };

  // Step 2: units of deleted pods go entirely.
  if (input.allSourcesReady) {
    for (const [k, unit] of units) {
      if (input.isPodDeleted(unit[0].uid)) {
        unit.sort(byNewest);
        removeOldest(unit, 0);
        units.delete(k);
      }
    }
  }

  const protectedIds = new Set<string>();
  for (const [k, unit] of units) {
    unit.sort(byNewest);
    if (newest.get(k) === unit[0]) protectedIds.add(unit[0].c.id);
  }
  const floorOf = (unit: GCInfo[]) => (protectedIds.has(unit[0]?.c.id) ? 1 : 0);

  // Step 3: per-unit limit.
  if (policy.maxPerPodContainer >= 0) {
    for (const [k, unit] of units) {
      units.set(k, removeOldest(unit, Math.max(policy.maxPerPodContainer, floorOf(unit))));
    }
  }

  // Step 4: node-wide limit.
  const total = () => [...units.values()].reduce((n, u) => n + u.length, 0);
  if (policy.maxContainers >= 0 && total() > policy.maxContainers) {
    const perUnit = Math.max(1, Math.floor(policy.maxContainers / Math.max(1, units.size)));
    for (const [k, unit] of units) units.set(k, removeOldest(unit, perUnit));
    const count = total();
    if (count > policy.maxContainers) {
      const candidates = [...units.values()].flat()
        .filter((i) => !protectedIds.has(i.c.id))
        .sort((a, b) => b.createdMs - a.createdMs);
      const n = Math.min(count - policy.maxContainers, candidates.length);
      for (const i of candidates.slice(candidates.length - n)) out.push(removalOf(i));
    }
  }
  return out;
}

function sandboxUidOf(s: PodSandbox): string {
  return s.metadata?.uid || s.labels[POD_UID_LABEL] || "";
}

function decideSandboxes(
  input: ContainerGCInput,
  removedContainers: ReadonlySet<string>,
): string[] {
  const inUse = new Set<string>();
  for (const c of input.containers) if (!removedContainers.has(c.id)) inUse.add(c.podSandboxId);
  const byPod = new Map<string, PodSandbox[]>();
  for (const s of input.sandboxes) {
    const uid = sandboxUidOf(s);
    if (!uid) continue;
    const list = byPod.get(uid);
    if (list) list.push(s);
    else byPod.set(uid, [s]);
  }
  const out: string[] = [];
  for (const [uid, list] of byPod) {
    list.sort((a, b) => b.createdAt - a.createdAt);
    const deleted = input.allSourcesReady && input.isPodDeleted(uid);
    const candidates = deleted ? list : list.slice(1);
    for (const s of candidates) {
      const active = s.state === "SANDBOX_READY" || inUse.has(s.id);
      if (!active) out.push(s.id);
    }
  }
  return out;
}

/** Decides what one garbage collection pass removes. Pure; throws RangeError on a bad policy. */
export function decideContainerGC(input: ContainerGCInput): ContainerGCDecision {
  validateGCPolicy(input.policy);
  const containersToRemove = decideContainers(input);
  const removed = new Set(containersToRemove.map((r) => r.id));
  const sandboxesToRemove = decideSandboxes(input, removed);

  const logDirsToRemove = input.allSourcesReady
    ? (input.podLogDirs ?? []).filter((d) => input.isPodDeleted(podUidFromLogDirectory(d)))
    : [];

  const states = new Map<string, Container["state"]>();
  for (const c of input.containers) if (!removed.has(c.id)) states.set(c.id, c.state);
  const containerLogsToRemove = (input.danglingContainerLogs ?? []).filter((name) => {
    const id = containerIdFromLegacyLog(name);
    const state = id === undefined ? undefined : states.get(id);
    // A live container's log may be between rotations: keep its link.
    return state === undefined || state === "CONTAINER_EXITED";
  });

  return { containersToRemove, sandboxesToRemove, logDirsToRemove, containerLogsToRemove };
}
