/**
 * Go `time.Duration` text, as the kubelet's flags and KubeletConfiguration use it
 * (`1m30s`, `500ms`, `2.5s`, `1h`). Values are milliseconds in denolet.
 *
 * @module
 */

import { formatGoDuration } from "../util/go_duration.ts";

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 6e10,
  h: 3.6e12,
};

const PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Parses a Go duration string into milliseconds (fractional for sub-millisecond
 * values). Accepts an optional sign, `0` without a unit, and a sequence of
 * `<decimal><unit>` parts with units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`.
 *
 * @example parseDuration("1m30s") === 90_000
 * @throws {TypeError} when the text is not a Go duration, e.g. "90x" or "10".
 */
export function parseDuration(text: string): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw new TypeError(`Cannot parse duration "${text}": empty`);
  let totalNs = 0;
  while (rest !== "") {
    const m = PART.exec(rest);
    if (m === null || (m[1] === "" && (m[2] ?? "") === "")) {
      const unitless = /^(\d+(?:\.\d*)?|\.\d+)$/.test(rest);
      throw new TypeError(
        `Cannot parse duration "${text}": ${
          unitless ? "missing unit (e.g. 10s)" : "not a duration (e.g. 1m30s)"
        }`,
      );
    }
    // Whole and fractional parts separately, in nanoseconds, so "1.001s" is exact.
    const unit = UNIT_NS[m[3]];
    const fraction = m[2] ?? "";
    totalNs += Number(m[1] || "0") * unit;
    if (fraction !== "") totalNs += Math.round(Number(`0.${fraction}`) * unit);
    rest = rest.slice(m[0].length);
  }
  return sign * (totalNs / 1e6);
}

/**
 * Formats milliseconds the way Go's `Duration.String` does: `0s`, `500ms`,
 * `1.5µs`, `2m0s`, `1h0m0s`, `1m30.5s`.
 *
 * @throws {RangeError} when `ms` is not finite.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`Cannot format duration ${ms}: not finite`);
  return formatGoDuration(ms);
}
