/**
 * Hard eviction thresholds (`evictionHard`, `--eviction-hard`) as the kubelet
 * parses them: a signal (`memory.available`, `nodefs.available`, ...) and a
 * quantity (`100Mi`) or a percentage of the signal's capacity (`10%`, held as
 * a float32 fraction like the kubelet's, so `10%` of a capacity gives the
 * kubelet's exact byte count). The node status uses them twice: allocatable
 * is capacity minus the memory.available and nodefs.available thresholds,
 * and the pressure conditions compare what is available with them.
 *
 * @module
 */

import { parseQuantity, type Quantity } from "../api/quantity.ts";

/** The eviction signals the kubelet accepts. */
export const EVICTION_SIGNALS = [
  "memory.available",
  "allocatableMemory.available",
  "nodefs.available",
  "nodefs.inodesFree",
  "imagefs.available",
  "imagefs.inodesFree",
  "containerfs.available",
  "containerfs.inodesFree",
  "pid.available",
] as const;

/** One of {@linkcode EVICTION_SIGNALS}. */
export type EvictionSignal = typeof EVICTION_SIGNALS[number];

/** The kubelet's Linux default `evictionHard` (pkg/kubelet/eviction/defaults_linux.go). */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  "memory.available": "100Mi",
  "nodefs.available": "10%",
  "nodefs.inodesFree": "5%",
  "imagefs.available": "15%",
  "imagefs.inodesFree": "5%",
};

/** A threshold: the signal is under pressure when what is available is below it. */
export type EvictionThreshold =
  | { signal: EvictionSignal; quantity: Quantity; percentage?: undefined }
  | { signal: EvictionSignal; percentage: number; quantity?: undefined };

function isSignal(s: string): s is EvictionSignal {
  return (EVICTION_SIGNALS as readonly string[]).includes(s);
}

/**
 * Parses an `evictionHard` map. `0%` and `100%` are ignored, as the kubelet
 * ignores them.
 *
 * @throws {RangeError} naming the entry: an unknown signal, a percentage
 * outside 0–100, a quantity that is not positive or not a quantity.
 */
export function parseEvictionThresholds(
  statements: Readonly<Record<string, string>>,
): EvictionThreshold[] {
  const out: EvictionThreshold[] = [];
  for (const [signal, value] of Object.entries(statements)) {
    const what = `Cannot parse evictionHard '${signal}: ${value}'`;
    if (!isSignal(signal)) throw new RangeError(`${what}: unsupported eviction signal`);
    if (typeof value === "string" && value.endsWith("%")) {
      if (value === "0%" || value === "100%") continue;
      const text = value.slice(0, -1);
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) {
        throw new RangeError(`${what}: not a percentage`);
      }
      if (n < 0 || n > 100) throw new RangeError(`${what}: must be between 0% and 100%`);
      out.push({ signal, percentage: Math.fround(Math.fround(n) / 100) });
      continue;
    }
    let quantity: Quantity;
    try {
      quantity = parseQuantity(value);
    } catch (err) {
      throw new RangeError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (quantity.sign() <= 0) throw new RangeError(`${what}: must be positive`);
    out.push({ signal, quantity });
  }
  return out;
}

/** The threshold of `signal`, if one is set. */
export function thresholdFor(
  thresholds: readonly EvictionThreshold[],
  signal: EvictionSignal,
): EvictionThreshold | undefined {
  return thresholds.find((t) => t.signal === signal);
}

/**
 * The threshold as an amount (bytes, inodes, PIDs): its quantity, or its
 * percentage of `capacity` truncated to an integer (the kubelet's
 * `int64(float64(capacity) * float64(percentage))`).
 */
export function thresholdAmount(threshold: EvictionThreshold, capacity: number): bigint {
  if (threshold.quantity) return threshold.quantity.value();
  return BigInt(Math.trunc(capacity * threshold.percentage));
}
