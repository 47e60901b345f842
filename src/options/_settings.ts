/**
 * The table of settings denolet takes: each one's kubelet flag name, its
 * KubeletConfiguration v1beta1 field (if any), its kind, help group and default.
 * One table drives flag parsing, config decoding, defaults and `--help`.
 *
 * @module
 */

/** How a setting's value is written. */
export type SettingKind = "string" | "path" | "paths" | "bool" | "int" | "duration" | "headers";

/** The help groups, in the order `--help` prints them. */
export const GROUPS = [
  "Configuration",
  "Node",
  "Container runtime",
  "Pod sources",
  "Images",
  "Container garbage collection (deprecated, flag only)",
  "Local server",
  "Permissions (denolet only)",
  "Logging",
  "General",
] as const;

/** One of {@linkcode GROUPS}. */
export type Group = typeof GROUPS[number];

/** One setting: a flag, a config field, or both. */
export interface Setting {
  /** Key in the resolved values (the KubeletOptions property, mostly). */
  key: string;
  /** Flag name without dashes. */
  flag?: string;
  /** Dotted KubeletConfiguration field path. */
  field?: string;
  kind: SettingKind;
  group: Group;
  /** Help text, one sentence. */
  help: string;
  /** Shown as the value placeholder in help. */
  placeholder?: string;
  /** Default shown in help when it is not obvious from the values table. */
  helpDefault?: string;
  /** Printed as a warning when the flag is used. */
  deprecation?: string;
}

/** Every setting denolet knows, in help order within each group. */
export const SETTINGS: readonly Setting[] = [
  {
    key: "configFile",
    flag: "config",
    kind: "path",
    group: "Configuration",
    placeholder: "file",
    help:
      "KubeletConfiguration file (kubelet.config.k8s.io/v1beta1, YAML or JSON). Flags override it. " +
      "Without it the kubelet's legacy flag-era defaults apply (read-only port 10255).",
  },
  {
    key: "configDir",
    flag: "config-dir",
    kind: "path",
    group: "Configuration",
    placeholder: "dir",
    help: "Drop-in directory: every *.conf file in it, in lexical order, is applied as a JSON " +
      "merge-patch over --config. Flags still win.",
  },
  {
    key: "kubeconfig",
    flag: "kubeconfig",
    kind: "path",
    group: "Configuration",
    placeholder: "file",
    help: "kubeconfig for the API server. Leave it out to run standalone (static pods only).",
  },
  {
    key: "hostnameOverride",
    flag: "hostname-override",
    kind: "string",
    group: "Node",
    placeholder: "name",
    help: "Node name to use instead of the OS hostname (lower-cased).",
  },
  {
    key: "nodeIP",
    flag: "node-ip",
    kind: "string",
    group: "Node",
    placeholder: "ip",
    help: "IP address of the node.",
  },
  {
    key: "podCIDR",
    flag: "pod-cidr",
    field: "podCIDR",
    kind: "string",
    group: "Node",
    placeholder: "cidr",
    helpDefault: "none",
    help: "CIDR of the pod IPs on this node (standalone mode); also the pod network denolet " +
      "grants probes and hooks, unless --pod-network-cidr is given.",
  },
  {
    key: "rootDir",
    flag: "root-dir",
    kind: "path",
    group: "Node",
    placeholder: "dir",
    help: "Directory for the agent's state (and the embedded runtime's socket). A relative " +
      "path is resolved against the working directory, with a warning.",
  },
  {
    key: "maxPods",
    flag: "max-pods",
    field: "maxPods",
    kind: "int",
    group: "Node",
    help: "Most pods this node runs.",
  },
  {
    key: "containerRuntimeEndpoint",
    flag: "container-runtime-endpoint",
    field: "containerRuntimeEndpoint",
    kind: "string",
    group: "Container runtime",
    placeholder: "endpoint",
    help: 'CRI runtime endpoint, unix:///absolute/path.sock, or "embedded" for the in-process ' +
      "fake runtime (demo).",
  },
  {
    key: "imageServiceEndpoint",
    flag: "image-service-endpoint",
    field: "imageServiceEndpoint",
    kind: "string",
    group: "Container runtime",
    placeholder: "endpoint",
    helpDefault: "the runtime endpoint",
    help: "CRI image service endpoint.",
  },
  {
    key: "runtimeRequestTimeout",
    flag: "runtime-request-timeout",
    field: "runtimeRequestTimeout",
    kind: "duration",
    group: "Container runtime",
    help: "Timeout for CRI calls other than pull, logs, exec and attach.",
  },
  {
    key: "podInfraContainerImage",
    flag: "pod-infra-container-image",
    kind: "string",
    group: "Container runtime",
    placeholder: "image",
    help: "Ignored; the sandbox image comes from the runtime.",
    deprecation:
      "flag --pod-infra-container-image is deprecated and ignored: the sandbox image is " +
      "configured in the container runtime",
  },
  {
    key: "staticPodPath",
    flag: "pod-manifest-path",
    field: "staticPodPath",
    kind: "path",
    group: "Pod sources",
    placeholder: "path",
    helpDefault: "none",
    help: "Static pod manifests: a directory (every file not starting with '.') or one file.",
  },
  {
    key: "fileCheckFrequency",
    flag: "file-check-frequency",
    field: "fileCheckFrequency",
    kind: "duration",
    group: "Pod sources",
    help: "How often the manifest path is relisted.",
  },
  {
    key: "staticPodURL",
    flag: "manifest-url",
    field: "staticPodURL",
    kind: "string",
    group: "Pod sources",
    placeholder: "url",
    helpDefault: "none",
    help: "URL serving a Pod or PodList to run.",
  },
  {
    key: "staticPodURLHeader",
    flag: "manifest-url-header",
    field: "staticPodURLHeader",
    kind: "headers",
    group: "Pod sources",
    placeholder: "k:v,k2:v2",
    helpDefault: "none",
    help: "HTTP headers for --manifest-url; repeatable, same-name headers are sent in order. " +
      "Values are masked in logs.",
  },
  {
    key: "httpCheckFrequency",
    flag: "http-check-frequency",
    field: "httpCheckFrequency",
    kind: "duration",
    group: "Pod sources",
    help: "How often the manifest URL is fetched.",
  },
  {
    key: "syncFrequency",
    flag: "sync-frequency",
    field: "syncFrequency",
    kind: "duration",
    group: "Pod sources",
    help: "Most time between syncs of a running pod.",
  },
  {
    key: "podLogsDir",
    field: "podLogsDir",
    kind: "path",
    group: "Pod sources",
    help: "Directory for container logs (config file only).",
  },
  {
    key: "serializeImagePulls",
    flag: "serialize-image-pulls",
    field: "serializeImagePulls",
    kind: "bool",
    group: "Images",
    helpDefault: "true, false when maxParallelImagePulls >= 2",
    help: "Pull one image at a time.",
  },
  {
    key: "maxParallelImagePulls",
    field: "maxParallelImagePulls",
    kind: "int",
    group: "Images",
    helpDefault: "no limit",
    help: "Most image pulls at once (config file only; needs serializeImagePulls false).",
  },
  {
    key: "registryPullQPS",
    flag: "registry-qps",
    field: "registryPullQPS",
    kind: "int",
    group: "Images",
    help: "Image pulls per second; 0 means unlimited.",
  },
  {
    key: "registryBurst",
    flag: "registry-burst",
    field: "registryBurst",
    kind: "int",
    group: "Images",
    help: "Burst of image pulls above --registry-qps.",
  },
  {
    key: "imageGCHighThresholdPercent",
    flag: "image-gc-high-threshold",
    field: "imageGCHighThresholdPercent",
    kind: "int",
    group: "Images",
    help: "Disk usage percent (0-100) at which image GC starts.",
  },
  {
    key: "imageGCLowThresholdPercent",
    flag: "image-gc-low-threshold",
    field: "imageGCLowThresholdPercent",
    kind: "int",
    group: "Images",
    help: "Disk usage percent (0-100) image GC frees down to; not above the high threshold.",
  },
  {
    key: "imageMinimumGCAge",
    flag: "minimum-image-ttl-duration",
    field: "imageMinimumGCAge",
    kind: "duration",
    group: "Images",
    help: "Minimum age of an unused image before GC may remove it.",
  },
  {
    key: "minimumGCAge",
    flag: "minimum-container-ttl-duration",
    kind: "duration",
    group: "Container garbage collection (deprecated, flag only)",
    help: "Minimum age of a finished container before GC may remove it.",
  },
  {
    key: "maxPerPodContainerCount",
    flag: "maximum-dead-containers-per-container",
    kind: "int",
    group: "Container garbage collection (deprecated, flag only)",
    help: "Dead containers kept per container; negative means no limit.",
  },
  {
    key: "maxContainerCount",
    flag: "maximum-dead-containers",
    kind: "int",
    group: "Container garbage collection (deprecated, flag only)",
    help: "Dead containers kept in total; negative means no limit.",
  },
  {
    key: "address",
    flag: "address",
    field: "address",
    kind: "string",
    group: "Local server",
    placeholder: "ip",
    helpDefault: "127.0.0.1; the kubelet's is 0.0.0.0",
    help: "IP address the read-only port listens on. Safer than the kubelet: loopback unless " +
      "given, since /pods shows every pod's env values to anyone who can connect.",
  },
  {
    key: "readOnlyPort",
    flag: "read-only-port",
    field: "readOnlyPort",
    kind: "int",
    group: "Local server",
    helpDefault: "0 with --config; 10255 without, the kubelet legacy default",
    help: "Unauthenticated read-only port (/pods, /healthz, /metrics); 0 disables it.",
  },
  {
    key: "healthzPort",
    flag: "healthz-port",
    field: "healthzPort",
    kind: "int",
    group: "Local server",
    help: "Port of the /healthz endpoint; 0 disables it.",
  },
  {
    key: "healthzBindAddress",
    flag: "healthz-bind-address",
    field: "healthzBindAddress",
    kind: "string",
    group: "Local server",
    placeholder: "ip",
    help: "IP address the healthz endpoint listens on.",
  },
  {
    key: "podNetworkCIDR",
    flag: "pod-network-cidr",
    kind: "string",
    group: "Permissions (denolet only)",
    placeholder: "cidr[,cidr]",
    helpDefault: "podCIDR when set, else 10.88.0.0/16, containerd's example bridge network",
    help: "IPv4 ranges of pod IPs the agent may connect to, for HTTP, TCP and gRPC probes " +
      'and lifecycle hooks (Deno --allow-net); "" grants none. Deno 2.9.6 cannot grant an ' +
      "IPv6 range: one is accepted with a warning and not granted.",
  },
  {
    key: "allowHostPaths",
    flag: "allow-host-path",
    kind: "paths",
    group: "Permissions (denolet only)",
    placeholder: "path[,path]",
    helpDefault: "none",
    help: "Absolute host paths (and what is under them) that typed hostPath volumes may stat " +
      "or create, besides those named by the manifests in --pod-manifest-path at start " +
      "(granted without this flag); repeatable. Untyped hostPath volumes need none.",
  },
  {
    key: "verbosity",
    flag: "v",
    field: "logging.verbosity",
    kind: "int",
    group: "Logging",
    placeholder: "level",
    help: "Log verbosity: higher logs more.",
  },
  {
    key: "loggingFormat",
    flag: "logging-format",
    field: "logging.format",
    kind: "string",
    group: "Logging",
    placeholder: "text|json",
    help: "Log format: text (klog style) or json.",
  },
  {
    key: "help",
    flag: "help",
    kind: "bool",
    group: "General",
    help: "Print this help and exit (also -h).",
  },
  {
    key: "version",
    flag: "version",
    kind: "bool",
    group: "General",
    help: "Print the version and exit.",
  },
];

/** Settings by flag name. */
export const BY_FLAG: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.filter((s) => s.flag !== undefined).map((s) => [s.flag!, s]),
);

/** Settings by config field path. */
export const BY_FIELD: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.filter((s) => s.field !== undefined).map((s) => [s.field!, s]),
);

/** The pod network granted when neither --pod-network-cidr nor podCIDR is given. */
export const DEFAULT_POD_NETWORK_CIDR = "10.88.0.0/16";

/** Built-in defaults with a config file (KubeletConfiguration v1beta1 defaults). */
export function defaultValues(legacy: boolean): Record<string, unknown> {
  return {
    configFile: undefined,
    configDir: undefined,
    kubeconfig: undefined,
    hostnameOverride: undefined,
    nodeIP: undefined,
    podCIDR: "",
    rootDir: "/var/lib/kubelet",
    maxPods: 110,
    containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
    imageServiceEndpoint: "",
    runtimeRequestTimeout: 120_000,
    podInfraContainerImage: undefined,
    staticPodPath: "",
    fileCheckFrequency: 20_000,
    staticPodURL: "",
    staticPodURLHeader: {},
    httpCheckFrequency: 20_000,
    syncFrequency: 60_000,
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
    podNetworkCIDR: undefined, // podCIDR, else DEFAULT_POD_NETWORK_CIDR
    allowHostPaths: [],
    verbosity: 0,
    loggingFormat: "text",
    help: false,
    version: false,
  };
}

/**
 * Top-level KubeletConfiguration v1beta1 fields denolet accepts but does not act
 * on (a warning names them when set). Any field in neither this list nor
 * {@linkcode SETTINGS} is an error, as in the kubelet's strict decoding.
 */
export const IGNORED_FIELDS: ReadonlySet<string> = new Set([
  "enableServer",
  "port",
  "volumePluginDir",
  "providerID",
  "tlsCertFile",
  "tlsPrivateKeyFile",
  "tlsCipherSuites",
  "tlsMinVersion",
  "rotateCertificates",
  "serverTLSBootstrap",
  "authentication",
  "authorization",
  "imagePullCredentialsVerificationPolicy",
  "preloadedImagesVerificationAllowlist",
  "eventRecordQPS",
  "eventBurst",
  "enableDebuggingHandlers",
  "enableContentionProfiling",
  "oomScoreAdj",
  "clusterDomain",
  "clusterDNS",
  "streamingConnectionIdleTimeout",
  "nodeStatusUpdateFrequency",
  "nodeStatusReportFrequency",
  "nodeLeaseDurationSeconds",
  "imageMaximumGCAge",
  "imagePullCredentialsVerificationPolicy",
  "volumeStatsAggPeriod",
  "kubeletCgroups",
  "systemCgroups",
  "cgroupRoot",
  "cgroupsPerQOS",
  "cgroupDriver",
  "cpuManagerPolicy",
  "singleProcessOOMKill",
  "cpuManagerPolicyOptions",
  "cpuManagerReconcilePeriod",
  "memoryManagerPolicy",
  "topologyManagerPolicy",
  "topologyManagerScope",
  "topologyManagerPolicyOptions",
  "qosReserved",
  "hairpinMode",
  "podPidsLimit",
  "resolvConf",
  "runOnce",
  "cpuCFSQuota",
  "cpuCFSQuotaPeriod",
  "nodeStatusMaxImages",
  "maxOpenFiles",
  "contentType",
  "kubeAPIQPS",
  "kubeAPIBurst",
  "evictionHard",
  "evictionSoft",
  "evictionSoftGracePeriod",
  "evictionPressureTransitionPeriod",
  "evictionMaxPodGracePeriod",
  "evictionMinimumReclaim",
  "mergeDefaultEvictionSettings",
  "podsPerCore",
  "enableControllerAttachDetach",
  "protectKernelDefaults",
  "makeIPTablesUtilChains",
  "iptablesMasqueradeBit",
  "iptablesDropBit",
  "featureGates",
  "failSwapOn",
  "memorySwap",
  "containerLogMaxSize",
  "containerLogMaxFiles",
  "containerLogMaxWorkers",
  "containerLogMonitorInterval",
  "configMapAndSecretChangeDetectionStrategy",
  "systemReserved",
  "kubeReserved",
  "reservedSystemCPUs",
  "showHiddenMetricsForVersion",
  "systemReservedCgroup",
  "kubeReservedCgroup",
  "enforceNodeAllocatable",
  "allowedUnsafeSysctls",
  "kernelMemcgNotification",
  "enableSystemLogHandler",
  "enableSystemLogQuery",
  "shutdownGracePeriod",
  "shutdownGracePeriodCriticalPods",
  "shutdownGracePeriodByPodPriority",
  "crashLoopBackOff",
  "reservedMemory",
  "enableProfilingHandler",
  "enableDebugFlagsHandler",
  "seccompDefault",
  "memoryThrottlingFactor",
  "registerWithTaints",
  "registerNode",
  "tracing",
  "localStorageCapacityIsolation",
  "failCgroupV1",
  "userNamespaces",
  "podHousekeepingPeriod",
]);

/** Keys of the `logging` block (component-base LoggingConfiguration). */
export const LOGGING_FIELDS: ReadonlySet<string> = new Set([
  "format",
  "verbosity",
  "flushFrequency",
  "vmodule",
  "options",
]);
