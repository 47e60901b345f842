/**
 * The settings of the help group Cluster: how the node registers itself and
 * talks to the API server when `--kubeconfig` is given (registration, node
 * status and lease timing, events, and what allocatable keeps back).
 *
 * @module
 */

import { DEFAULT_EVICTION_HARD } from "../nodestatus/eviction_thresholds.ts";
import type { Setting } from "./_setting.ts";

/** Cluster settings, in help order. */
export const CLUSTER_SETTINGS: readonly Setting[] = [
  {
    key: "registerNode",
    flag: "register-node",
    field: "registerNode",
    kind: "bool",
    group: "Cluster (with --kubeconfig)",
    helpDefault: "true",
    help: "Register the Node object with the API server (--register-node=false waits for " +
      "someone else to create it).",
  },
  {
    key: "nodeLabels",
    flag: "node-labels",
    kind: "map",
    group: "Cluster (with --kubeconfig)",
    placeholder: "key=value[,...]",
    helpDefault: "none",
    help: "Labels added to the Node at registration (kubernetes.io/ and k8s.io/ keys only in " +
      "kubelet.kubernetes.io/, node.kubernetes.io/ or the well-known node labels).",
  },
  {
    key: "registerWithTaints",
    flag: "register-with-taints",
    field: "registerWithTaints",
    kind: "taints",
    group: "Cluster (with --kubeconfig)",
    placeholder: "key=value:Effect[,...]",
    helpDefault: "none",
    help: "Taints the Node is registered with (a node cannot change its own taints later).",
  },
  {
    key: "nodeStatusUpdateFrequency",
    flag: "node-status-update-frequency",
    field: "nodeStatusUpdateFrequency",
    kind: "duration",
    group: "Cluster (with --kubeconfig)",
    help: "How often the node status is computed and patched when it changed.",
  },
  {
    key: "nodeStatusReportFrequency",
    field: "nodeStatusReportFrequency",
    kind: "duration",
    group: "Cluster (with --kubeconfig)",
    helpDefault: "5m, or nodeStatusUpdateFrequency when that is set",
    help: "Longest time between node status patches when nothing changed.",
  },
  {
    key: "nodeLeaseDurationSeconds",
    field: "nodeLeaseDurationSeconds",
    kind: "int",
    group: "Cluster (with --kubeconfig)",
    help: "Duration of the node Lease in kube-node-lease; renewed every quarter of it.",
  },
  {
    key: "eventRecordQPS",
    flag: "event-qps",
    field: "eventRecordQPS",
    kind: "int",
    group: "Cluster (with --kubeconfig)",
    help: "Events per second the agent may post to the API server (0 means no limit).",
  },
  {
    key: "eventBurst",
    flag: "event-burst",
    field: "eventBurst",
    kind: "int",
    group: "Cluster (with --kubeconfig)",
    help: "Burst of events above --event-qps.",
  },
  {
    key: "systemReserved",
    flag: "system-reserved",
    field: "systemReserved",
    kind: "map",
    group: "Cluster (with --kubeconfig)",
    placeholder: "cpu=100m,memory=100Mi",
    helpDefault: "none",
    help: "Resources kept for the OS: subtracted from the Node's allocatable.",
  },
  {
    key: "kubeReserved",
    flag: "kube-reserved",
    field: "kubeReserved",
    kind: "map",
    group: "Cluster (with --kubeconfig)",
    placeholder: "cpu=100m,memory=100Mi",
    helpDefault: "none",
    help: "Resources kept for the node agent and runtime: subtracted from allocatable.",
  },
  {
    key: "evictionHard",
    flag: "eviction-hard",
    field: "evictionHard",
    kind: "thresholds",
    group: "Cluster (with --kubeconfig)",
    placeholder: "signal<value[,...]",
    helpDefault: Object.entries(DEFAULT_EVICTION_HARD).map(([s, v]) => `${s}<${v}`).join(", "),
    help: "Hard eviction thresholds: subtracted from allocatable and the limits of the Memory, " +
      "Disk and PID pressure conditions (denolet reports pressure; it does not evict pods).",
  },
  {
    key: "configMapAndSecretChangeDetectionStrategy",
    field: "configMapAndSecretChangeDetectionStrategy",
    kind: "string",
    group: "Cluster (with --kubeconfig)",
    help: "How ConfigMaps and Secrets pods use are kept current: Watch (one watch per object), " +
      "Cache (read again after a TTL, 1 minute or the node's node.alpha.kubernetes.io/ttl " +
      "annotation) or Get (read at every use).",
  },
];
