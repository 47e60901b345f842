/**
 * The image GC policy (kubelet's ImageGCPolicy): the disk-usage thresholds
 * and the image ages, and its validation.
 *
 * @module
 */

/** Image GC policy (`--image-gc-high-threshold`, `--image-gc-low-threshold`, `--minimum-image-ttl-duration`). */
export interface ImageGCPolicy {
  /** Usage percent at or above which GC frees space. */
  highThresholdPercent: number;
  /** Usage percent GC frees down to. */
  lowThresholdPercent: number;
  /** Images detected less than this many ms ago are kept. */
  minAgeMs: number;
  /** Images unused for longer are removed; 0 = off (`imageMaximumGCAge`). @default 0 */
  maxAgeMs?: number;
}

/**
 * Returns `policy` when valid; throws RangeError when a threshold is outside
 * 0..100, low exceeds high, or an age is negative.
 */
export function validateImageGCPolicy(policy: ImageGCPolicy): ImageGCPolicy {
  const { highThresholdPercent: high, lowThresholdPercent: low } = policy;
  if (!(high >= 0 && high <= 100)) {
    throw new RangeError(
      `Cannot use image GC policy: invalid HighThresholdPercent ${high}, must be in range [0-100]`,
    );
  }
  if (!(low >= 0 && low <= 100)) {
    throw new RangeError(
      `Cannot use image GC policy: invalid LowThresholdPercent ${low}, must be in range [0-100]`,
    );
  }
  if (low > high) {
    throw new RangeError(
      `Cannot use image GC policy: LowThresholdPercent ${low} can not be higher than HighThresholdPercent ${high}`,
    );
  }
  if (!(policy.minAgeMs >= 0) || !((policy.maxAgeMs ?? 0) >= 0)) {
    throw new RangeError(
      `Cannot use image GC policy: ages must be >= 0, got minAge ${policy.minAgeMs} ms and maxAge ${policy.maxAgeMs} ms`,
    );
  }
  return policy;
}
