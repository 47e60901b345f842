/**
 * What a probe worker tells the rest of the agent after each probe: the
 * `prober_probe_total` labels for the metrics, and the kubelet's Unhealthy /
 * ProbeWarning events (nothing for a plain success).
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { aboutPod, type RecordEvent } from "../container/events.ts";
import { type ProbeOutcome, type ProbeType, probeTypeName } from "./probe_result.ts";

/** Labels of the `prober_probe_total` counter. */
export interface ProbeMetricLabels {
  probe_type: "Liveness" | "Readiness" | "Startup";
  result: "successful" | "failed" | "unknown";
  container: string;
  pod: string;
  namespace: string;
  pod_uid: string;
}

/** Counts one probe: `prober_probe_total{...labels}`. */
export type OnProbe = (labels: ProbeMetricLabels, outcome: ProbeOutcome) => void;

/** Where {@linkcode reportProbe} reports; either may be absent. */
export interface ProbeReportTargets {
  /** Probe events (Unhealthy, ProbeWarning). */
  recordEvent?: RecordEvent;
  onProbe?: OnProbe;
}

/** The event the kubelet records for an outcome, or undefined (a success records none). */
export function probeEventOf(
  type: ProbeType,
  outcome: ProbeOutcome,
): { reason: "Unhealthy" | "ProbeWarning"; message: string } | undefined {
  const name = probeTypeName(type);
  if (outcome.error) {
    return {
      reason: "Unhealthy",
      message: `${name} probe errored and resulted in unknown state: ${outcome.error.message}`,
    };
  }
  if (outcome.result === "failure") {
    return { reason: "Unhealthy", message: `${name} probe failed: ${outcome.output}` };
  }
  if (outcome.result === "warning") {
    return { reason: "ProbeWarning", message: `${name} probe warning: ${outcome.output}` };
  }
  return undefined;
}

/** Counts one probe of `container` and records its event, if it has one. */
export function reportProbe(
  pod: Pod,
  container: Container,
  type: ProbeType,
  outcome: ProbeOutcome,
  targets: ProbeReportTargets,
): void {
  const { recordEvent, onProbe } = targets;
  const result = outcome.error || outcome.result === "unknown"
    ? "unknown"
    : outcome.result === "failure"
    ? "failed"
    : "successful";
  onProbe?.({
    probe_type: probeTypeName(type),
    result,
    container: container.name,
    pod: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
    pod_uid: pod.metadata?.uid ?? "",
  }, outcome);
  if (!recordEvent) return;
  const event = probeEventOf(type, outcome);
  if (!event) return;
  recordEvent({ type: "Warning", ...event, ...aboutPod(pod, container.name) });
}
