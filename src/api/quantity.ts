/**
 * Kubernetes resource quantities ("500m", "1Gi", "1e3", "0.5") with exact arithmetic.
 *
 * A {@linkcode Quantity} holds its amount as a `bigint` count of nano-units (10^-9),
 * which is the precision Kubernetes keeps: parsing rounds anything finer up (away from
 * zero) to 1n, and caps magnitudes above 2^63-1 units, as the API server does. Sums
 * and differences are exact, so `0.1 + 0.2` is `300m`.
 *
 * @module
 */

/** How a quantity was written, which decides how it is printed again. */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

const NANOS_PER_UNIT = 1_000_000_000n;
const NANOS_PER_MILLI = 1_000_000n;
/** The largest magnitude a quantity may hold, in whole units (2^63-1). */
const MAX_UNITS = (1n << 63n) - 1n;
const MAX_NANOS = MAX_UNITS * NANOS_PER_UNIT;
/** Beyond this many decimal digits of shift, an amount is certainly capped or rounded. */
const MAX_SHIFT = 40;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};
const DECIMAL_SUFFIX_BY_EXPONENT = new Map(
  Object.entries(DECIMAL_SUFFIXES).map(([suffix, exponent]) => [exponent, suffix]),
);
const BINARY_SUFFIX_BY_POWER = new Map(
  Object.entries(BINARY_SUFFIXES).map(([suffix, power]) => [power / 10, suffix]),
);

const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;
const EXPONENT = /^[eE]([+-]?[0-9]+)$/;

/** An exact Kubernetes quantity. Immutable. */
export class Quantity {
  readonly #nanos: bigint;
  readonly #format: QuantityFormat;

  /**
   * A quantity of `nanos` nano-units. Use {@linkcode parseQuantity} for text.
   *
   * @param nanos the amount in units of 10^-9
   * @param format how {@linkcode Quantity.toString} prints it
   */
  constructor(nanos: bigint, format: QuantityFormat = "DecimalSI") {
    if (typeof nanos !== "bigint") {
      throw new TypeError(`Cannot create quantity: nanos must be a bigint, got ${typeof nanos}`);
    }
    this.#nanos = nanos;
    this.#format = format;
  }

  /** A quantity of `milli` thousandths, e.g. `fromMilli(500n)` is "500m". */
  static fromMilli(milli: bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(milli * NANOS_PER_MILLI, format);
  }

  /** A quantity of `units` whole units, e.g. `fromValue(1024n, "BinarySI")` is "1Ki". */
  static fromValue(units: bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(units * NANOS_PER_UNIT, format);
  }

  /** The exact amount in nano-units (10^-9). */
  get nanos(): bigint {
    return this.#nanos;
  }

  /** How the quantity was written. */
  get format(): QuantityFormat {
    return this.#format;
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.#nanos < 0n ? -1 : this.#nanos > 0n ? 1 : 0;
  }

  /** Whether the amount is zero. */
  isZero(): boolean {
    return this.#nanos === 0n;
  }

  /** The amount in whole units, rounded away from zero (Kubernetes' `Value()`). */
  value(): bigint {
    return divideAwayFromZero(this.#nanos, NANOS_PER_UNIT);
  }

  /** The amount in thousandths, rounded away from zero (Kubernetes' `MilliValue()`). */
  milliValue(): bigint {
    return divideAwayFromZero(this.#nanos, NANOS_PER_MILLI);
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.#nanos < other.#nanos ? -1 : this.#nanos > other.#nanos ? 1 : 0;
  }

  /** Whether both amounts are equal, whatever their formats. */
  equals(other: Quantity): boolean {
    return this.#nanos === other.#nanos;
  }

  /** The exact sum. Keeps this quantity's format, or `other`'s when this is zero. */
  add(other: Quantity): Quantity {
    return new Quantity(this.#nanos + other.#nanos, this.#resultFormat(other));
  }

  /** The exact difference. Keeps this quantity's format, or `other`'s when this is zero. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.#nanos - other.#nanos, this.#resultFormat(other));
  }

  /** The negated amount. */
  neg(): Quantity {
    return new Quantity(-this.#nanos, this.#format);
  }

  /**
   * The canonical text, as Kubernetes prints it: "500m", "1Gi", "1536Mi", "1k", "1500",
   * "1e3". A BinarySI amount below 1024 or with a fraction prints as DecimalSI.
   */
  toString(): string {
    if (this.#nanos === 0n) return "0";
    const negative = this.#nanos < 0n;
    const magnitude = negative ? -this.#nanos : this.#nanos;
    const sign = negative ? "-" : "";
    if (
      this.#format === "BinarySI" && magnitude >= 1024n * NANOS_PER_UNIT &&
      magnitude % NANOS_PER_UNIT === 0n
    ) {
      let amount = magnitude / NANOS_PER_UNIT;
      let power = 0;
      while (amount % 1024n === 0n && power < 6) {
        amount /= 1024n;
        power++;
      }
      return `${sign}${amount}${BINARY_SUFFIX_BY_POWER.get(power) ?? ""}`;
    }
    let amount = magnitude;
    let exponent = -9;
    while (amount % 10n === 0n) {
      amount /= 10n;
      exponent++;
    }
    const excess = ((exponent % 3) + 3) % 3;
    amount *= 10n ** BigInt(excess);
    exponent -= excess;
    if (this.#format === "DecimalExponent") {
      return `${sign}${amount}${exponent === 0 ? "" : `e${exponent}`}`;
    }
    while (exponent > 18) {
      amount *= 1000n;
      exponent -= 3;
    }
    return `${sign}${amount}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? ""}`;
  }

  /** The canonical text, so quantities serialise as Kubernetes strings. */
  toJSON(): string {
    return this.toString();
  }

  #resultFormat(other: Quantity): QuantityFormat {
    return this.#nanos === 0n ? other.#format : this.#format;
  }
}

/**
 * Parses a Kubernetes quantity: an optionally signed decimal number ("5", "0.5",
 * ".5", "5.") followed by a binary suffix (Ki Mi Gi Ti Pi Ei), a decimal suffix
 * (n u m k M G T P E or none) or a decimal exponent ("e3", "E-3").
 *
 * Like the API server, amounts finer than 1n are rounded up (away from zero) to the
 * next nano-unit and magnitudes above 2^63-1 are capped.
 *
 * A number (as YAML gives for `cpu: 1`) is read from its decimal text.
 *
 * @throws {TypeError} when `text` is neither a string nor a finite number
 * @throws {RangeError} when `text` is not a quantity, naming the text
 */
export function parseQuantity(text: string | number): Quantity {
  if (typeof text === "number") {
    if (!Number.isFinite(text)) {
      throw new RangeError(`Cannot parse quantity '${text}': expected a finite number`);
    }
    text = String(text);
  }
  if (typeof text !== "string") {
    throw new TypeError(`Cannot parse quantity: expected a string, got ${typeof text}`);
  }
  const match = NUMBER.exec(text);
  const [, signText, whole, fraction = "", suffix] = match ?? [];
  if (match === null || (whole === "" && fraction === "")) {
    throw new RangeError(`Cannot parse quantity '${text}': expected a number`);
  }
  const digits = BigInt(whole + fraction);
  let format: QuantityFormat;
  let exponent10 = -fraction.length;
  let power2 = 0;
  if (suffix in BINARY_SUFFIXES) {
    format = "BinarySI";
    power2 = BINARY_SUFFIXES[suffix];
  } else if (suffix in DECIMAL_SUFFIXES) {
    format = "DecimalSI";
    exponent10 += DECIMAL_SUFFIXES[suffix];
  } else {
    const exponentMatch = EXPONENT.exec(suffix);
    if (exponentMatch === null) {
      throw new RangeError(`Cannot parse quantity '${text}': unknown suffix '${suffix}'`);
    }
    format = "DecimalExponent";
    const exponent = Number(exponentMatch[1]);
    exponent10 += Number.isSafeInteger(exponent) ? exponent : Math.sign(exponent) * 1e9;
  }
  let nanos = scaleToNanos(digits * (1n << BigInt(power2)), exponent10 + 9);
  if (nanos > MAX_NANOS) nanos = MAX_NANOS;
  if (format === "BinarySI" && nanos > 0n && nanos < NANOS_PER_UNIT) format = "DecimalSI";
  return new Quantity(signText === "-" ? -nanos : nanos, format);
}

/** `digits * 10^shift`, rounded up to an integer; huge shifts are clamped. */
function scaleToNanos(digits: bigint, shift: number): bigint {
  if (digits === 0n) return 0n;
  if (shift >= 0) {
    return shift > MAX_SHIFT ? MAX_NANOS + 1n : digits * 10n ** BigInt(shift);
  }
  if (-shift > MAX_SHIFT + String(digits).length) return 1n;
  return divideAwayFromZero(digits, 10n ** BigInt(-shift));
}

function divideAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  if (numerator % denominator === 0n) return quotient;
  return numerator < 0n ? quotient - 1n : quotient + 1n;
}

/** Smallest cgroup cpu.shares the kubelet sets. */
export const MIN_SHARES = 2n;
/** Largest cgroup cpu.shares the kubelet sets. */
export const MAX_SHARES = 262144n;
/** cpu.shares per whole CPU. */
export const SHARES_PER_CPU = 1024n;
/** Default CFS period in microseconds (100ms). */
export const QUOTA_PERIOD_US = 100000n;
/** Smallest CFS quota in microseconds (1ms). */
export const MIN_QUOTA_PERIOD_US = 1000n;

/**
 * cgroup cpu.shares for a CPU request in millicores, as the kubelet computes them:
 * `milli * 1024 / 1000` (truncated), at least 2 (also for zero) and at most 262144.
 */
export function cpuToShares(milliCpu: bigint): bigint {
  if (milliCpu === 0n) return MIN_SHARES;
  const shares = (milliCpu * SHARES_PER_CPU) / 1000n;
  if (shares < MIN_SHARES) return MIN_SHARES;
  if (shares > MAX_SHARES) return MAX_SHARES;
  return shares;
}

/**
 * CFS quota in microseconds for a CPU limit in millicores over `periodUs`:
 * `milli * period / 1000` (truncated), at least 1000; 0 (no limit) when `milliCpu` is 0.
 */
export function cpuToQuota(milliCpu: bigint, periodUs: bigint = QUOTA_PERIOD_US): bigint {
  if (milliCpu === 0n) return 0n;
  const quota = (milliCpu * periodUs) / 1000n;
  return quota < MIN_QUOTA_PERIOD_US ? MIN_QUOTA_PERIOD_US : quota;
}

/**
 * A memory quantity in bytes, rounded up to a whole byte (Kubernetes' `Value()`).
 * A number is read as `parseQuantity` reads it (YAML gives one for `memory: 1000`).
 */
export function memoryBytes(quantity: Quantity | string | number): bigint {
  return (quantity instanceof Quantity ? quantity : parseQuantity(quantity)).value();
}
