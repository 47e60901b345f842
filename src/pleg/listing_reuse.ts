/**
 * Housekeeping's `getPods(true)` served from the generic PLEG's last relist
 * when that listing is recent and nothing this agent did to the runtime can
 * be missing from it. At idle the agent otherwise listed the runtime three
 * times every two seconds (two relists and one housekeeping pass), each
 * listing two CRI calls whose decoding is most of an idle agent's CPU.
 *
 * A listing is reused when it started at most `maxAgeMs` ago (the kubelet's
 * own runtime cache serves listings up to 3 s old, runtimeCacheRefreshPeriod;
 * longer while the relist itself is slowed, see runtime_side.ts)
 * and after the end of the last runtime change made through the returned
 * runtime (syncPod, killPod, removeContainer, removePodSandbox; a syncPod
 * whose result has no step changed nothing), with none in flight; the PLEG also drops it when a sync re-inspects a pod. So a pod
 * killed and added again (a static pod reusing its UID) is never judged on a
 * listing from before the kill. Changes made outside the agent are seen by
 * the next relist, as the kubelet's cache sees them at its next refresh.
 *
 * @module
 */

import type { Runtime, RuntimePod } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";

/** Where a recent listing comes from ({@linkcode GenericPLEG.recentListing}). */
export interface RecentListingSource {
  recentListing(now: number, maxAgeMs: number): { at: number; pods: RuntimePod[] } | undefined;
}

/** Options for {@linkcode reuseRelistListing}. */
export interface ListingReuseOptions {
  clock: Clock;
  /**
   * Oldest listing reused, ms; a function is asked at each call (the agent
   * trusts listings as long as its relist does while containerd's task
   * events are trusted: src/pleg/cued_relist_timing.ts). @default 2000
   */
  maxAgeMs?: number | (() => number);
  /** Told about each reuse (for tests and metrics). @default none */
  onReuse?: (ageMs: number) => void;
}

/** The runtime methods that change which pods and containers exist or run. */
const CHANGES = ["syncPod", "killPod", "removeContainer", "removePodSandbox"] as const;

/**
 * Whether a change's result says it did nothing: a syncPod whose result has
 * no step at all (the periodic resync of a pod that is as it should be).
 */
function didNothing(result: unknown): boolean {
  const steps = (result as { results?: unknown } | undefined)?.results;
  return Array.isArray(steps) && steps.length === 0;
}

/**
 * `runtime` with `getPods(true)` answered from `source`'s recent listing
 * when it may be (see the module doc), else from the runtime.
 */
export function reuseRelistListing(
  runtime: Runtime,
  source: RecentListingSource,
  options: ListingReuseOptions,
): Runtime {
  const { clock } = options;
  const maxAge = options.maxAgeMs ?? 2000;
  const maxAgeMs = typeof maxAge === "function" ? maxAge : () => maxAge;
  let inFlight = 0;
  let lastChangeEnd = -Infinity;
  const overrides: Partial<Record<keyof Runtime, unknown>> = {};
  for (const name of CHANGES) {
    const original = runtime[name] as (...args: unknown[]) => Promise<unknown>;
    overrides[name] = async (...args: unknown[]) => {
      inFlight++;
      let changed = true;
      try {
        const result = await original.apply(runtime, args);
        changed = !didNothing(result);
        return result;
      } finally {
        inFlight--;
        if (changed) lastChangeEnd = clock.now();
      }
    };
  }
  overrides.getPods = (all: boolean) => {
    if (all && inFlight === 0) {
      const now = clock.now();
      const listing = source.recentListing(now, maxAgeMs());
      if (listing && listing.at > lastChangeEnd) {
        options.onReuse?.(now - listing.at);
        return Promise.resolve(listing.pods);
      }
    }
    return runtime.getPods(all);
  };
  // A proxy, not a copy: `runtime` may be a class instance whose methods live
  // on its prototype (and use its private fields), so the others are called
  // on `runtime` itself.
  return new Proxy(runtime, {
    get(target, key, receiver) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof Runtime];
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
