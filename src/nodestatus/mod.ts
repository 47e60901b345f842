/**
 * The node in the API: its machine facts (machine_info.ts, the Deno I/O
 * edge), the Node object (node_object.ts), its conditions
 * (node_conditions.ts, node_pressure.ts, eviction_thresholds.ts), its
 * registration and status (node_status_manager.ts) and its lease
 * (node_lease.ts).
 *
 * ```ts
 * const reader = new MachineInfoReader(rootDir, {
 *   logger,
 *   hostIPProbe: () => localAddressTowards(apiHost, apiPort),
 * });
 * const nodeStatus = new NodeStatusManager({
 *   client, clock, logger, recordEvent,
 *   config: nodeObjectConfig({ nodeName, hostname, maxPods: 110, kubeletVersion: "v1.35.0" }),
 *   machineInfo: await reader.machineInfo(),
 *   machine: reader,
 *   readiness: runtimeState,
 *   runtimeVersion: () => runtime.version(),
 * });
 * const lease = new NodeLease({ client, clock, nodeName, nodeUid: () => nodeStatus.nodeUid() });
 * nodeStatus.run(signal);
 * lease.run(signal);
 * ```
 *
 * @module
 */

export {
  DEFAULT_EVICTION_HARD,
  EVICTION_SIGNALS,
  type EvictionSignal,
  type EvictionThreshold,
  parseEvictionThresholds,
} from "./eviction_thresholds.ts";
export {
  chooseHostIP,
  defaultRouteInterfaces,
  defaultRouteIP,
  fallbackHostIP,
  type InterfaceAddress,
} from "./host_ip.ts";
export {
  type FsUsage,
  goArch,
  localAddressTowards,
  MACHINE_FILES,
  type MachineInfo,
  MachineInfoReader,
  type MachineInfoReaderOptions,
  type MachineUsage,
  type MemoryInfo,
  type StatfsResult,
} from "./machine_info.ts";
export {
  type ConditionInputs,
  type ConditionsUpdate,
  KUBELET_CONDITION_TYPES,
  type NodeConditionEvent,
  notReadyMessage,
  rfc3339,
  updateNodeConditions,
} from "./node_conditions.ts";
export { microTime, NODE_LEASE_REF, NodeLease, type NodeLeaseOptions } from "./node_lease.ts";
export {
  allocatableReservation,
  containerRuntimeVersion,
  initialNode,
  nodeAddresses,
  nodeAllocatable,
  nodeCapacity,
  nodeLabels,
  type NodeObjectConfig,
  nodeObjectConfig,
  type NodeSettings,
  nodeStatusFields,
  nodeSystemInfo,
  parseResources,
  type Resources,
  type RuntimeVersionInfo,
} from "./node_object.ts";
export { type NodePressure, PressureTracker, thresholdsMet } from "./node_pressure.ts";
export {
  type MachineSource,
  type NodeReadiness,
  NodeStatusBuilder,
  type NodeStatusBuilderOptions,
} from "./node_status_builder.ts";
export { NodeStatusManager, type NodeStatusManagerOptions } from "./node_status_manager.ts";
