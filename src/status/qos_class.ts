/**
 * The QoS class of a pod (pkg/apis/core/v1/helper/qos: ComputePodQOS and
 * GetPodQOS): BestEffort, Burstable or Guaranteed from the CPU and memory
 * requests and limits of its init and regular containers, quantities
 * compared by value ("1" equals "1000m").
 *
 * The API server sets `status.qosClass` when it creates a pod and refuses to
 * change it, so the class of a pod that has one is that one.
 *
 * @module
 */

import type { Pod, ResourceRequirements } from "kubernetes-types/core/v1.d.ts";
import { parseQuantity } from "../api/quantity.ts";

/** v1 QoS classes. */
export type PodQosClass = "Guaranteed" | "Burstable" | "BestEffort";

const QOS_RESOURCES = ["cpu", "memory"] as const;

type Amount = string | number | undefined;

/** A quantity in nano-units; an unreadable one (never after decoding) compares as its text. */
function amount(v: Amount): bigint | string {
  if (v === undefined) return 0n;
  try {
    return parseQuantity(v).nanos;
  } catch {
    return String(v);
  }
}

/**
 * One container's class (kubelet's resourceQOS). A request that is not set
 * is the limit, as the API server defaults it.
 */
function resourceQos(resources: ResourceRequirements | undefined): PodQosClass {
  const requests = resources?.requests ?? {};
  const limits = resources?.limits ?? {};
  if (Object.keys(requests).length === 0 && Object.keys(limits).length === 0) return "BestEffort";
  let qos: PodQosClass | undefined;
  for (const r of QOS_RESOURCES) {
    const lim = amount(limits[r] as Amount);
    const req = amount((requests[r] ?? limits[r]) as Amount);
    if (req !== lim) return "Burstable";
    const bestEffort = req === 0n;
    if (qos === undefined) qos = bestEffort ? "BestEffort" : "Guaranteed";
    else if (bestEffort !== (qos === "BestEffort")) return "Burstable";
  }
  return qos ?? "BestEffort";
}

/** The class computed from the pod's containers (kubelet's ComputePodQOS). */
export function qosClass(pod: Pod): PodQosClass {
  let podQos: PodQosClass | undefined;
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const qos = resourceQos(c.resources);
    if (qos === "Burstable") return qos;
    if (podQos === undefined) podQos = qos;
    else if (podQos !== qos) return "Burstable";
  }
  return podQos ?? "BestEffort";
}

/** The class the API server gave the pod, else the computed one (kubelet's GetPodQOS). */
export function podQosClass(pod: Pod): string {
  return pod.status?.qosClass || qosClass(pod);
}
