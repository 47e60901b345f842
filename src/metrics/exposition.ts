/**
 * The Prometheus text exposition format, version 0.0.4: what `/metrics`
 * answers. Pure functions from metric families to text, so the format is
 * tested without a registry or a server.
 *
 * @module
 */

/** The Content-Type of the text format. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Metric kinds this writer emits. */
export type MetricType = "counter" | "gauge" | "histogram";

/** Label name → value of one series. */
export type Labels = Record<string, string>;

/** One sample line: `name{labels} value`. */
export interface Sample {
  /** Full sample name, e.g. `x_bucket` or `x_sum` for histograms. */
  name: string;
  labels: Labels;
  value: number;
  /** When the value was observed, in ms since the epoch; written after the value. @default none */
  timestampMs?: number;
}

/** One metric family: HELP and TYPE lines followed by its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `name` is a valid metric name. */
export function isValidMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** Whether `name` is a valid label name (names starting `__` are reserved). */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith("__");
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value as the format spells it (`NaN`, `+Inf`, `-Inf`, or a number). */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/**
 * Writes metric families in the text format. Each family gets its HELP and
 * TYPE line even without samples. Throws TypeError on an invalid metric or
 * label name.
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!isValidMetricName(f.name)) {
      throw new TypeError(`Cannot write metric '${f.name}': invalid metric name`);
    }
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      if (!isValidMetricName(s.name)) {
        throw new TypeError(`Cannot write metric '${f.name}': invalid sample name '${s.name}'`);
      }
      for (const k of Object.keys(s.labels)) {
        if (!isValidLabelName(k)) {
          throw new TypeError(`Cannot write metric '${f.name}': invalid label name '${k}'`);
        }
      }
      const at = s.timestampMs === undefined ? "" : ` ${Math.round(s.timestampMs)}`;
      lines.push(`${s.name}${formatLabels(s.labels)} ${formatSampleValue(s.value)}${at}`);
    }
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
