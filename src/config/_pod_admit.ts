/**
 * Which pods {@linkcode PodConfig} admits: a full name (`<name>_<namespace>`) or a
 * UID is admitted once across all sources. Within one snapshot the first pod wins;
 * across sources a pod already admitted keeps its place and the rest claim free
 * names and UIDs, the merging source first. Every pod left out gets one message.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import { podFullName } from "../api/pod_helpers.ts";
import type { Desired } from "./_pod_changes.ts";

/** What {@linkcode PodConfig} keeps per source. */
export interface SourceState {
  seen: boolean;
  /** The source's last snapshot, de-duplicated within the source. */
  desired: Desired[];
  /** Admitted pods by UID, as last sent downstream. */
  admitted: Map<string, Pod>;
  /** Rejections found inside the source's own last snapshot: key → message. */
  ownRejects: Map<string, string>;
  /** Every rejection last reported for this source: key → message. */
  reported: Map<string, string>;
}

/** The key a rejection is reported under: UID and full name. */
export function rejectKey(pod: Pod): string {
  return `${pod.metadata?.uid ?? ""}|${podFullName(pod)}`;
}

/**
 * De-duplicates one source's snapshot: pods without a UID, and later pods with a
 * full name or UID an earlier one has, are left out with a message. Pods are
 * copied only when not admitted under the same name yet (so an unchanged pod
 * costs one comparison).
 */
export function desiredPods(
  source: string,
  pods: readonly Pod[],
  admitted: Map<string, Pod>,
): { desired: Desired[]; rejects: Map<string, string> } {
  const desired: Desired[] = [];
  const rejects = new Map<string, string>();
  const names = new Set<string>();
  const uids = new Set<string>();
  for (const pod of pods) {
    const name = podFullName(pod);
    const uid = pod.metadata?.uid;
    let problem: string | undefined;
    if (!uid) problem = "it has no metadata.uid";
    else if (names.has(name)) problem = `duplicate pod name "${name}"`;
    else if (uids.has(uid)) problem = `duplicate pod UID "${uid}"`;
    if (problem !== undefined) {
      rejects.set(
        rejectKey(pod),
        `Error validating pod ${name} from ${source} due to ${problem}, ignoring`,
      );
      continue;
    }
    names.add(name);
    uids.add(uid!);
    const old = admitted.get(uid!);
    // A pod not admitted yet may wait for a free name: keep a copy of it.
    const kept = old && podFullName(old) === name ? pod : structuredClone(pod);
    desired.push({ pod: kept, uid: uid!, fullName: name });
  }
  return { desired, rejects };
}

/**
 * Decides which desired pods of the sources (in `order`, the merging source
 * first) are admitted: per source the admitted pods by UID, and the rejections.
 */
export function admitPods(sources: Map<string, SourceState>, order: string[]) {
  const names = new Map<string, string>();
  const uids = new Map<string, string>();
  const next = new Map<string, Map<string, Desired>>();
  const crossRejects = new Map<string, Map<string, string>>();
  for (const name of order) {
    next.set(name, new Map());
    crossRejects.set(name, new Map());
  }
  const claim = (source: string, d: Desired) => {
    names.set(d.fullName, source);
    uids.set(d.uid, source);
    next.get(source)!.set(d.uid, d);
  };
  for (const name of order) {
    const st = sources.get(name)!;
    for (const d of st.desired) {
      const old = st.admitted.get(d.uid);
      if (old && podFullName(old) === d.fullName) claim(name, d);
    }
  }
  for (const name of order) {
    const st = sources.get(name)!;
    for (const d of st.desired) {
      if (next.get(name)!.has(d.uid)) continue;
      const owner = names.get(d.fullName) ?? uids.get(d.uid);
      if (owner === undefined) {
        claim(name, d);
        continue;
      }
      const what = names.has(d.fullName) ? `pod name "${d.fullName}"` : `pod UID "${d.uid}"`;
      crossRejects.get(name)!.set(
        rejectKey(d.pod),
        `Error validating pod ${d.fullName} from ${name} due to duplicate ${what}, already used by a pod from ${owner}, ignoring`,
      );
    }
  }
  return { next, crossRejects };
}
