/**
 * The table of settings denolet takes: each one's kubelet flag name, its
 * KubeletConfiguration v1beta1 field (if any), its kind, help group and default.
 * One table drives flag parsing, config decoding, defaults and `--help`; its rows
 * are kept per help group in _settings_node.ts, _settings_pods.ts and
 * _settings_agent.ts.
 *
 * @module
 */

import { DEFAULT_EVICTION_HARD } from "../nodestatus/eviction_thresholds.ts";
import type { Setting } from "./_setting.ts";
import { AGENT_SETTINGS } from "./_settings_agent.ts";
import { CLUSTER_SETTINGS } from "./_settings_cluster.ts";
import { SERVER_SETTINGS } from "./_settings_server.ts";
import { NODE_SETTINGS } from "./_settings_node.ts";
import { POD_SETTINGS } from "./_settings_pods.ts";

export { type Group, GROUPS, type Setting, type SettingKind } from "./_setting.ts";

/** Every setting denolet knows, in help order within each group. */
export const SETTINGS: readonly Setting[] = [
  ...NODE_SETTINGS,
  ...CLUSTER_SETTINGS,
  ...SERVER_SETTINGS,
  ...POD_SETTINGS,
  ...AGENT_SETTINGS,
];

/** Settings by flag name. */
export const BY_FLAG: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.filter((s) => s.flag !== undefined).map((s) => [s.flag!, s]),
);

/** Settings by config field path. */
export const BY_FIELD: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.filter((s) => s.field !== undefined).map((s) => [s.field!, s]),
);

/**
 * Built-in defaults: the KubeletConfiguration v1beta1 ones, or with `legacy` (no
 * `--config`) the kubelet's flag-era ones, which differ in the read-only port.
 */
export function defaultValues(legacy: boolean): Record<string, unknown> {
  return {
    configFile: undefined,
    configDir: undefined,
    kubeconfig: undefined,
    kubeAPIQPS: 50,
    kubeAPIBurst: 100,
    hostnameOverride: undefined,
    nodeIP: undefined,
    podCIDR: "",
    rootDir: "/var/lib/kubelet",
    maxPods: 110,
    registerNode: true,
    nodeLabels: {},
    registerWithTaints: [],
    nodeStatusUpdateFrequency: 10_000,
    nodeStatusReportFrequency: undefined, // 5m, or nodeStatusUpdateFrequency when that is set
    nodeLeaseDurationSeconds: 40,
    eventRecordQPS: 50,
    eventBurst: 100,
    systemReserved: {},
    kubeReserved: {},
    evictionHard: { ...DEFAULT_EVICTION_HARD },
    configMapAndSecretChangeDetectionStrategy: "Watch",
    enableServer: true,
    port: 10250,
    tlsCertFile: undefined,
    tlsPrivateKeyFile: undefined,
    tlsMinVersion: "",
    tlsCipherSuites: [],
    clientCAFile: undefined,
    authenticationTokenWebhook: true,
    authenticationTokenWebhookCacheTTL: 120_000,
    anonymousAuth: false,
    authorizationMode: "Webhook",
    authorizationWebhookCacheAuthorizedTTL: 300_000,
    authorizationWebhookCacheUnauthorizedTTL: 30_000,
    streamingConnectionIdleTimeout: 4 * 3_600_000,
    enableDebuggingHandlers: true,
    // The kubelet's default is true; denolet serves /var/log only when asked.
    enableSystemLogHandler: false,
    localDebuggingHandlers: false,
    containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
    imageServiceEndpoint: "",
    runtimeRequestTimeout: 120_000,
    plegRelistPeriod: 1000,
    podInfraContainerImage: undefined,
    staticPodPath: "",
    fileCheckFrequency: 20_000,
    staticPodURL: "",
    staticPodURLHeader: {},
    httpCheckFrequency: 20_000,
    syncFrequency: 60_000,
    parallelContainerStarts: true,
    maxConcurrentPodStarts: 0,
    podStartRamp: "firstAlone",
    podLogsDir: "/var/log/pods",
    serializeImagePulls: undefined, // derived from maxParallelImagePulls
    maxParallelImagePulls: null,
    registryPullQPS: 5,
    registryBurst: 10,
    imageGCHighThresholdPercent: 85,
    imageGCLowThresholdPercent: 80,
    imageMinimumGCAge: 120_000,
    minimumGCAge: 0,
    maxPerPodContainerCount: 1,
    maxContainerCount: -1,
    // Only the read-only port uses address; the kubelet's default is 0.0.0.0.
    address: "127.0.0.1",
    readOnlyPort: legacy ? 10255 : 0,
    healthzPort: 10248,
    healthzBindAddress: "127.0.0.1",
    podNetworkCIDR: undefined, // podCIDR, else DEFAULT_POD_NETWORK_CIDR (_pod_network.ts)
    allowHostPaths: [],
    verbosity: 0,
    loggingFormat: "text",
    help: false,
    version: false,
  };
}
