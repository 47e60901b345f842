/**
 * Durations printed the way Go prints a time.Duration (`Duration.String`):
 * "0s", "250ms", "1.5s", "1m20s", "5m0s", "1h0m0s", "500µs", so messages
 * and health texts read like the kubelet's.
 *
 * @module
 */

function trimFraction(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, "");
}

/**
 * Formats `ms` milliseconds like Go's Duration.String(), in whole
 * nanoseconds as Go counts. A value that is not finite is printed as
 * `String(ms)` (no Go duration has it).
 */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let ns = Math.round(Math.abs(ms) * 1e6);
  if (ns < 1000) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${trimFraction(ns / 1e3, 3)}µs`;
  if (ns < 1e9) return `${sign}${trimFraction(ns / 1e6, 6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  ns -= hours * 3.6e12;
  const minutes = Math.floor(ns / 6e10);
  ns -= minutes * 6e10;
  const seconds = trimFraction(ns / 1e9, 9);
  let out = sign;
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${seconds}s`;
}
