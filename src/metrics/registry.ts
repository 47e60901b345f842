/**
 * A small metrics registry: counters, gauges and histograms with fixed label
 * names, rendered in the Prometheus text format. A registry is an instance
 * that main.ts creates and hands to the modules that record metrics and to
 * the HTTP server; there is no process-wide registry.
 *
 * @module
 */

import {
  formatExposition,
  isValidLabelName,
  isValidMetricName,
  type Labels,
  type MetricFamily,
  type MetricType,
  type Sample,
} from "./exposition.ts";

/** Prometheus' default histogram buckets (seconds), as the kubelet's `DefBuckets`. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** `count` buckets starting at `start`, each `factor` times the previous. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0) || !(factor > 1) || !Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `Cannot make buckets: start ${start} must be > 0, factor ${factor} > 1 and count ${count} >= 1`,
    );
  }
  const out: number[] = [];
  for (let i = 0, v = start; i < count; i++, v *= factor) out.push(v);
  return out;
}

/** Options of every metric. */
export interface MetricOptions {
  /** Metric name, e.g. `kubelet_running_pods`. */
  name: string;
  /** HELP text. */
  help: string;
  /** Label names every series must set. @default [] */
  labelNames?: readonly string[];
}

/** Options of a histogram. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, strictly increasing; `+Inf` is added. @default DEFAULT_BUCKETS */
  buckets?: readonly number[];
}

abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected series = new Map<string, { labels: Labels; state: S }>();

  constructor(options: MetricOptions) {
    if (!isValidMetricName(options.name)) {
      throw new TypeError(`Cannot register metric '${options.name}': invalid metric name`);
    }
    for (const l of options.labelNames ?? []) {
      if (!isValidLabelName(l) || l === "le") {
        throw new TypeError(`Cannot register metric '${options.name}': invalid label name '${l}'`);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...(options.labelNames ?? [])];
  }

  abstract readonly type: MetricType;
  protected abstract initial(): S;
  abstract samples(): Sample[];

  protected entry(labels: Labels): { labels: Labels; state: S } {
    const keys = Object.keys(labels);
    if (
      keys.length !== this.labelNames.length || this.labelNames.some((n) => !(n in labels))
    ) {
      throw new TypeError(
        `Cannot record metric '${this.name}': labels {${keys.join(",")}} must be {${
          this.labelNames.join(",")
        }}`,
      );
    }
    const key = JSON.stringify(this.labelNames.map((n) => String(labels[n])));
    let e = this.series.get(key);
    if (!e) {
      const ordered: Labels = {};
      for (const n of this.labelNames) ordered[n] = String(labels[n]);
      e = { labels: ordered, state: this.initial() };
      this.series.set(key, e);
    }
    return e;
  }

  /** Drops every series. */
  reset(): void {
    this.series.clear();
  }
}

/** A metric whose series each hold one number (counters and gauges). */
abstract class ValueMetric extends Metric<{ value: number }> {
  protected initial() {
    return { value: 0 };
  }

  /** The current value of a series (0 when never recorded). */
  get(labels: Labels = {}): number {
    return this.entry(labels).state.value;
  }

  samples(): Sample[] {
    return [...this.series.values()].map((e) => ({
      name: this.name,
      labels: e.labels,
      value: e.state.value,
    }));
  }
}

/** A value that only goes up. */
export class Counter extends ValueMetric {
  readonly type = "counter";

  /** Adds `value` (>= 0) to the series with `labels`. */
  inc(labels: Labels = {}, value = 1): void {
    if (!(value >= 0)) {
      throw new RangeError(`Cannot increase counter '${this.name}' by ${value}`);
    }
    this.entry(labels).state.value += value;
  }
}

/** A value that goes up and down. */
export class Gauge extends ValueMetric {
  readonly type = "gauge";

  /** Sets the series with `labels` to `value`. */
  set(labels: Labels, value: number): void {
    this.entry(labels).state.value = value;
  }

  /** Adds `value` (may be negative). */
  inc(labels: Labels = {}, value = 1): void {
    this.entry(labels).state.value += value;
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram extends Metric<HistogramState> {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions) {
    super(options);
    const b = [...(options.buckets ?? DEFAULT_BUCKETS)];
    for (let i = 0; i < b.length; i++) {
      if (!Number.isFinite(b[i]) || (i > 0 && b[i] <= b[i - 1])) {
        throw new RangeError(
          `Cannot register histogram '${options.name}': buckets must be finite and increasing`,
        );
      }
    }
    this.buckets = b;
  }

  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  /** Records one observation. */
  observe(labels: Labels, value: number): void {
    const s = this.entry(labels).state;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** Sum and count of a series. */
  get(labels: Labels = {}): { sum: number; count: number } {
    const s = this.entry(labels).state;
    return { sum: s.sum, count: s.count };
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, state } of this.series.values()) {
      this.buckets.forEach((le, i) => {
        out.push({
          name: `${this.name}_bucket`,
          labels: { ...labels, le: String(le) },
          value: state.counts[i],
        });
      });
      out.push({
        name: `${this.name}_bucket`,
        labels: { ...labels, le: "+Inf" },
        value: state.count,
      });
      out.push({ name: `${this.name}_sum`, labels, value: state.sum });
      out.push({ name: `${this.name}_count`, labels, value: state.count });
    }
    return out;
  }
}

/** Any metric kept by a {@linkcode MetricsRegistry}. */
export type AnyMetric = Counter | Gauge | Histogram;

/** A set of metrics rendered together. */
export class MetricsRegistry {
  #metrics = new Map<string, AnyMetric>();
  #collectors = new Set<() => void>();

  /** Registers a counter; throws TypeError when the name is taken. */
  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options));
  }

  /** Registers a gauge; throws TypeError when the name is taken. */
  gauge(options: MetricOptions): Gauge {
    return this.#add(new Gauge(options));
  }

  /** Registers a histogram; throws TypeError when the name is taken. */
  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options));
  }

  /** The metric named `name`, if registered. */
  get(name: string): AnyMetric | undefined {
    return this.#metrics.get(name);
  }

  /**
   * Calls `fn` before each collection, so gauges that mirror state (running
   * pods) are set at scrape time. Returns the function that removes it.
   */
  onCollect(fn: () => void): () => void {
    this.#collectors.add(fn);
    return () => this.#collectors.delete(fn);
  }

  /** Every metric family, in registration order, after running the collect hooks. */
  collect(): MetricFamily[] {
    for (const fn of this.#collectors) fn();
    return [...this.#metrics.values()].map((m) => ({
      name: m.name,
      help: m.help,
      type: m.type,
      samples: m.samples(),
    }));
  }

  /** The registry in the text exposition format. */
  render(): string {
    return formatExposition(this.collect());
  }

  #add<T extends AnyMetric>(metric: T): T {
    if (this.#metrics.has(metric.name)) {
      throw new TypeError(`Cannot register metric '${metric.name}': already registered`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
