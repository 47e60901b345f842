/**
 * Durations printed the way Go prints a time.Duration ("10s", "1m20s",
 * "5m0s", "1.5s", "250ms"), so messages read like the kubelet's.
 *
 * @module
 */

/** Formats `ms` milliseconds like Go's Duration.String(). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trim(rest)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = `${trim(rest / 1000)}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

function trim(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}
