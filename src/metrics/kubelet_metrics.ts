/**
 * The kubelet's own metrics (pkg/kubelet/metrics), registered on a given
 * {@linkcode MetricsRegistry} with the kubelet's names, label names and
 * buckets, so dashboards built for the kubelet read denolet's `/metrics` too.
 * Modules get the one metric they record (or a callback that records it).
 *
 * @module
 */

import {
  type Counter,
  DEFAULT_BUCKETS,
  exponentialBuckets,
  type Gauge,
  type Histogram,
  type MetricsRegistry,
} from "./registry.ts";

/** The kubelet metric set. */
export interface KubeletMetrics {
  /** `kubelet_running_pods`: pods that have a running sandbox. */
  runningPods: Gauge;
  /** `kubelet_running_containers{container_state}`. */
  runningContainers: Gauge;
  /** `kubelet_pleg_relist_duration_seconds`. */
  plegRelistDuration: Histogram;
  /** `kubelet_pleg_relist_interval_seconds`. */
  plegRelistInterval: Histogram;
  /** `kubelet_pleg_discard_events`. */
  plegDiscardEvents: Counter;
  /** `kubelet_pleg_last_seen_seconds`: when the PLEG was last seen active (Unix seconds). */
  plegLastSeen: Gauge;
  /** `kubelet_runtime_operations_total{operation_type}`. */
  runtimeOperations: Counter;
  /** `kubelet_runtime_operations_errors_total{operation_type}`. */
  runtimeOperationsErrors: Counter;
  /** `kubelet_runtime_operations_duration_seconds{operation_type}`. */
  runtimeOperationsDuration: Histogram;
  /** `kubelet_pod_start_duration_seconds`. */
  podStartDuration: Histogram;
  /** `kubelet_pod_worker_duration_seconds{operation_type}` (create, update, sync). */
  podWorkerDuration: Histogram;
  /** `prober_probe_total{probe_type,result,container,pod,namespace,pod_uid}`. */
  proberProbeTotal: Counter;
  /** `kubelet_image_garbage_collected_total{reason}` (age, space). */
  imageGarbageCollected: Counter;
  /** `kubelet_evictions{eviction_signal}`. */
  evictions: Counter;
  /** `kubelet_started_containers_total{container_type}`. */
  startedContainers: Counter;
  /** `kubelet_started_containers_errors_total{container_type,code}`. */
  startedContainersErrors: Counter;
  /** `kubelet_started_pods_total`. */
  startedPods: Counter;
  /** `kubelet_started_pods_errors_total`. */
  startedPodsErrors: Counter;
  /** `kubelet_restarted_pods_total{static}`. */
  restartedPods: Counter;
  /** `rest_client_requests_total{code,host,method}`: requests to the API server (code `<error>` when none came back). */
  restClientRequests: Counter;
}

/** Pod start buckets of the kubelet (seconds). */
const POD_START_BUCKETS = [
  0.5,
  1,
  2,
  3,
  4,
  5,
  6,
  8,
  10,
  20,
  30,
  45,
  60,
  120,
  180,
  240,
  300,
  360,
  480,
  600,
  900,
  1200,
  1800,
  2700,
  3600,
];

/** Registers the kubelet metric set on `registry`. Throws TypeError when already registered. */
export function registerKubeletMetrics(registry: MetricsRegistry): KubeletMetrics {
  return {
    runningPods: registry.gauge({
      name: "kubelet_running_pods",
      help: "Number of pods that have a running pod sandbox",
    }),
    runningContainers: registry.gauge({
      name: "kubelet_running_containers",
      help: "Number of containers currently running",
      labelNames: ["container_state"],
    }),
    plegRelistDuration: registry.histogram({
      name: "kubelet_pleg_relist_duration_seconds",
      help: "Duration in seconds for relisting pods in PLEG.",
      buckets: DEFAULT_BUCKETS,
    }),
    plegRelistInterval: registry.histogram({
      name: "kubelet_pleg_relist_interval_seconds",
      help: "Interval in seconds between relisting in PLEG.",
      buckets: DEFAULT_BUCKETS,
    }),
    plegDiscardEvents: registry.counter({
      name: "kubelet_pleg_discard_events",
      help: "The number of discard events in PLEG.",
    }),
    plegLastSeen: registry.gauge({
      name: "kubelet_pleg_last_seen_seconds",
      help: "Timestamp in seconds when PLEG was last seen active.",
    }),
    runtimeOperations: registry.counter({
      name: "kubelet_runtime_operations_total",
      help: "Cumulative number of runtime operations by operation type.",
      labelNames: ["operation_type"],
    }),
    runtimeOperationsErrors: registry.counter({
      name: "kubelet_runtime_operations_errors_total",
      help: "Cumulative number of runtime operation errors by operation type.",
      labelNames: ["operation_type"],
    }),
    runtimeOperationsDuration: registry.histogram({
      name: "kubelet_runtime_operations_duration_seconds",
      help: "Duration in seconds of runtime operations. Broken down by operation type.",
      labelNames: ["operation_type"],
      buckets: exponentialBuckets(0.005, 2.5, 14),
    }),
    podStartDuration: registry.histogram({
      name: "kubelet_pod_start_duration_seconds",
      help:
        "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run",
      buckets: POD_START_BUCKETS,
    }),
    podWorkerDuration: registry.histogram({
      name: "kubelet_pod_worker_duration_seconds",
      help:
        "Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync",
      labelNames: ["operation_type"],
      buckets: DEFAULT_BUCKETS,
    }),
    proberProbeTotal: registry.counter({
      name: "prober_probe_total",
      help:
        "Cumulative number of a liveness, readiness or startup probe for a container by result.",
      labelNames: ["probe_type", "result", "container", "pod", "namespace", "pod_uid"],
    }),
    imageGarbageCollected: registry.counter({
      name: "kubelet_image_garbage_collected_total",
      help:
        "Total number of images garbage collected by the kubelet, whether through disk usage or image age.",
      labelNames: ["reason"],
    }),
    evictions: registry.counter({
      name: "kubelet_evictions",
      help: "Cumulative number of pod evictions by eviction signal",
      labelNames: ["eviction_signal"],
    }),
    startedContainers: registry.counter({
      name: "kubelet_started_containers_total",
      help: "Cumulative number of containers started",
      labelNames: ["container_type"],
    }),
    startedContainersErrors: registry.counter({
      name: "kubelet_started_containers_errors_total",
      help: "Cumulative number of errors when starting containers",
      labelNames: ["container_type", "code"],
    }),
    startedPods: registry.counter({
      name: "kubelet_started_pods_total",
      help: "Cumulative number of pods started",
    }),
    startedPodsErrors: registry.counter({
      name: "kubelet_started_pods_errors_total",
      help: "Cumulative number of errors when starting pods",
    }),
    restartedPods: registry.counter({
      name: "kubelet_restarted_pods_total",
      help:
        "Cumulative number of pods that have been restarted because they were deleted and recreated with the same UID while the kubelet was watching them (common for static pods, extremely uncommon for API pods)",
      labelNames: ["static"],
    }),
    restClientRequests: registry.counter({
      name: "rest_client_requests_total",
      help: "Number of HTTP requests, partitioned by status code, method, and host.",
      labelNames: ["code", "host", "method"],
    }),
  };
}
