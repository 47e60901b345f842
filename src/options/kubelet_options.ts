/**
 * The agent's resolved configuration: kubelet flags and the KubeletConfiguration
 * file merged in the kubelet's precedence (defaults < `--config` < `--config-dir`
 * drop-ins < flags), typed and validated.
 *
 * @module
 */

import { join } from "../util/posix_path.ts";
import type { Taint } from "kubernetes-types/core/v1.d.ts";
import {
  EMBEDDED_ENDPOINT,
  EMBEDDED_SOCKET_NAME,
  endpointSocketPath,
} from "./endpoint_socket_path.ts";
import { helpText } from "./help_text.ts";
import { type ConfigDirEntry, loadKubeletConfiguration } from "./kubelet_configuration.ts";
import { parseKubeletFlags } from "./parse_kubelet_flags.ts";
import { versionText } from "./version.ts";
import type { PodStartRamp } from "../kuberuntime/pod_start_gate.ts";
import { type ApiServerAccess, loadApiServerAccess } from "./_api_server.ts";
import { checkConfigPaths, resolveFlagPaths } from "./_flag_paths.ts";
import { mergeValues } from "./_merge_values.ts";
import { resolveNodeName } from "./_node_name.ts";
import { podNetworkCIDRs } from "./_pod_network.ts";
import { validateValues } from "./_validate.ts";
import { effectiveKubeletConfiguration } from "./_effective_configuration.ts";

export { DEFAULT_POD_NETWORK_CIDR } from "./_pod_network.ts";
export type { ApiServerAccess } from "./_api_server.ts";

/** Everything the agent is configured with. Durations are milliseconds. */
export interface KubeletOptions {
  /** `--config`, absolute. */
  configFile: string | undefined;
  /** `--config-dir`, absolute. */
  configDir: string | undefined;
  /** `--kubeconfig`, absolute; absent means standalone. */
  kubeconfig: string | undefined;
  /** True without `--kubeconfig`: static pods only, no API server. */
  standalone: boolean;
  /**
   * The API server and the files of `--kubeconfig`, checked at load (a bad
   * kubeconfig is an OptionsError); undefined when standalone.
   */
  apiServer: ApiServerAccess | undefined;
  /** `kubeAPIQPS` / `--kube-api-qps`; 0 means client-go's default (5). */
  kubeAPIQPS: number;
  /** `kubeAPIBurst` / `--kube-api-burst`; 0 means client-go's default (10). */
  kubeAPIBurst: number;
  /** `--hostname-override` as given. */
  hostnameOverride: string | undefined;
  /** Lower-cased `--hostname-override`, else the lower-cased OS hostname. */
  nodeName: string;
  /** `--node-ip`. */
  nodeIP: string | undefined;
  /** `podCIDR` / `--pod-cidr`; "" means none. */
  podCIDR: string;
  /** `--root-dir`, absolute. */
  rootDir: string;
  /** `maxPods` / `--max-pods`. */
  maxPods: number;
  /** `registerNode` / `--register-node` (with --kubeconfig). */
  registerNode: boolean;
  /** `--node-labels`, added to the Node at registration. */
  nodeLabels: Record<string, string>;
  /** `registerWithTaints` / `--register-with-taints`. */
  registerWithTaints: Taint[];
  /** `nodeStatusUpdateFrequency`, ms. */
  nodeStatusUpdateFrequency: number;
  /** `nodeStatusReportFrequency`, ms. */
  nodeStatusReportFrequency: number;
  /** `nodeLeaseDurationSeconds`. */
  nodeLeaseDurationSeconds: number;
  /** `eventRecordQPS` / `--event-qps`; 0 means no limit. */
  eventRecordQPS: number;
  /** `eventBurst` / `--event-burst`. */
  eventBurst: number;
  /** `systemReserved` / `--system-reserved`: resource name → quantity. */
  systemReserved: Record<string, string>;
  /** `kubeReserved` / `--kube-reserved`: resource name → quantity. */
  kubeReserved: Record<string, string>;
  /** `evictionHard` / `--eviction-hard`: signal → quantity or percentage. */
  evictionHard: Record<string, string>;
  /** `configMapAndSecretChangeDetectionStrategy`. */
  configMapAndSecretChangeDetectionStrategy: "Watch" | "Cache" | "Get";
  /** The kubelet API server (port 10250), with `--kubeconfig` only. */
  server: KubeletServerOptions;
  /** `containerRuntimeEndpoint` / `--container-runtime-endpoint`, as given. */
  containerRuntimeEndpoint: string;
  /** `imageServiceEndpoint`, or the runtime endpoint when that was empty. */
  imageServiceEndpoint: string;
  /** True when the runtime endpoint is `embedded`. */
  embeddedRuntime: boolean;
  /** Unix socket of the runtime service (for `embedded`: in the root dir). */
  runtimeSocketPath: string;
  /** Unix socket of the image service. */
  imageSocketPath: string;
  /** `runtimeRequestTimeout`, ms. */
  runtimeRequestTimeout: number;
  /** `--pleg-relist-period` (denolet only), ms: the generic PLEG's period without an event stream. */
  plegRelistPeriod: number;
  /** `staticPodPath` / `--pod-manifest-path`, absolute; "" means none. */
  staticPodPath: string;
  /** `fileCheckFrequency`, ms. */
  fileCheckFrequency: number;
  /** `staticPodURL` / `--manifest-url`; "" means none. */
  staticPodURL: string;
  /** `staticPodURLHeader` / `--manifest-url-header`. */
  staticPodURLHeader: Record<string, string[]>;
  /** `httpCheckFrequency`, ms. */
  httpCheckFrequency: number;
  /** `syncFrequency`, ms. */
  syncFrequency: number;
  /** `parallelContainerStarts` / `--parallel-container-starts` (denolet only). */
  parallelContainerStarts: boolean;
  /** `maxConcurrentPodStarts` (denolet only); 0 means no limit. */
  maxConcurrentPodStarts: number;
  /** `podStartRamp` (denolet only): how new pods arriving together are let start. */
  podStartRamp: PodStartRamp;
  /** `podLogsDir`, absolute. */
  podLogsDir: string;
  /** `serializeImagePulls`. */
  serializeImagePulls: boolean;
  /** `maxParallelImagePulls`; null means no limit. */
  maxParallelImagePulls: number | null;
  /** `registryPullQPS`; 0 means unlimited. */
  registryPullQPS: number;
  /** `registryBurst`. */
  registryBurst: number;
  /** `imageGCHighThresholdPercent`. */
  imageGCHighThresholdPercent: number;
  /** `imageGCLowThresholdPercent`. */
  imageGCLowThresholdPercent: number;
  /** `imageMinimumGCAge`, ms. */
  imageMinimumGCAge: number;
  /** Container GC `--minimum-container-ttl-duration`, ms. */
  minimumGCAge: number;
  /** Container GC `--maximum-dead-containers-per-container`; negative = no limit. */
  maxPerPodContainerCount: number;
  /** Container GC `--maximum-dead-containers`; negative = no limit. */
  maxContainerCount: number;
  /**
   * `address`: where the read-only port listens; 127.0.0.1 unless given (the
   * kubelet's default is 0.0.0.0).
   */
  address: string;
  /** `readOnlyPort`; 0 = off. */
  readOnlyPort: number;
  /** `healthzPort`; 0 = off. */
  healthzPort: number;
  /** `healthzBindAddress`. */
  healthzBindAddress: string;
  /**
   * `localDebuggingHandlers` / `--local-debugging-handlers` (denolet only): the
   * debugging handlers on the read-only port too (loopback `address` only).
   */
  localDebuggingHandlers: boolean;
  /**
   * The effective KubeletConfiguration v1beta1 fields (what `/configz` shows):
   * every setting with a config field, durations as Go text, secret-bearing
   * values masked.
   */
  kubeletConfiguration: Record<string, unknown>;
  /**
   * The pod network probes and hooks may reach: `--pod-network-cidr`, else
   * `podCIDR`, else {@linkcode DEFAULT_POD_NETWORK_CIDR}; [] grants none. IPv6
   * ranges are kept here but cannot be granted (a warning says so).
   */
  podNetworkCIDRs: string[];
  /** `--allow-host-path`: absolute host paths hostPath volumes may use, besides the manifests'. */
  allowHostPaths: string[];
  /** `logging`. */
  logging: { format: "text" | "json"; verbosity: number };
}

/** The kubelet API server's settings. Durations are milliseconds. */
export interface KubeletServerOptions {
  /** `enableServer`. */
  enabled: boolean;
  /** `port` / `--port`; it listens on `address`. */
  port: number;
  /** `--tls-cert-file` / `--tls-private-key-file`, absolute; both or neither. */
  tlsCertFile: string | undefined;
  tlsPrivateKeyFile: string | undefined;
  /** `--tls-min-version`: "" (TLS 1.2), VersionTLS12 or VersionTLS13. */
  tlsMinVersion: string;
  /** `--tls-cipher-suites`, Go names. */
  tlsCipherSuites: string[];
  /** `authentication.x509.clientCAFile` / `--client-ca-file`, absolute. */
  clientCAFile: string | undefined;
  /** `authentication.webhook.enabled` and its `cacheTTL`. */
  tokenWebhook: boolean;
  tokenWebhookCacheTTL: number;
  /** `authentication.anonymous.enabled`. */
  anonymous: boolean;
  /** `authorization.mode`. */
  authorizationMode: "Webhook" | "AlwaysAllow";
  /** `authorization.webhook.cacheAuthorizedTTL` / `cacheUnauthorizedTTL`. */
  authorizedTTL: number;
  unauthorizedTTL: number;
  /** `streamingConnectionIdleTimeout`, ms; 0 means no limit. */
  streamingConnectionIdleTimeout: number;
  /** `enableDebuggingHandlers`: containerLogs, run, exec, attach, portForward, configz, logs. */
  debuggingHandlers: boolean;
  /** `enableSystemLogHandler`: `/logs/` (the node's log dir), with the debugging handlers. */
  systemLogHandler: boolean;
}

/** What {@linkcode loadKubeletOptions} decided: run, or print and exit 0. */
export type KubeletOptionsResult =
  | { kind: "run"; options: KubeletOptions; warnings: string[] }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string };

/** Inputs of {@linkcode loadKubeletOptions}; everything global comes in here. */
export interface LoadOptions {
  /** Reads config files. @default Deno.readTextFile (needs --allow-read) */
  readTextFile?: (path: string) => Promise<string>;
  /** Lists `--config-dir`. @default Deno.readDir (needs --allow-read) */
  readDir?: (path: string) => Promise<ConfigDirEntry[]>;
  /** The OS hostname, asked only without `--hostname-override`. @default Deno.hostname (needs --allow-sys=hostname) */
  hostname?: () => string;
  /** Base of relative flag paths, asked only when one is relative. @default Deno.cwd */
  cwd?: () => string;
}

/**
 * Parses the command line, reads `--config` and `--config-dir` if given, and
 * returns the validated configuration, or the help/version text to print.
 *
 * Needs --allow-read on the config file and dir, the kubeconfig and the
 * certificate, key and token files it names, and --allow-sys=hostname
 * when `--hostname-override` is not given (with the default inputs).
 *
 * @throws {OptionsError} with one line naming the flag or field and the bad
 * value, for any bad input or contradiction.
 */
export async function loadKubeletOptions(
  args: readonly string[],
  options: LoadOptions = {},
): Promise<KubeletOptionsResult> {
  const flags = parseKubeletFlags(args);
  if (flags.values.help === true) return { kind: "help", text: helpText() };
  if (flags.values.version === true) return { kind: "version", text: versionText() };

  const warnings = resolveFlagPaths(flags.values, options.cwd ?? Deno.cwd);
  const configFile = flags.values.configFile as string | undefined;
  const configDir = flags.values.configDir as string | undefined;
  checkConfigPaths(configFile, configDir);
  const loaded = await loadKubeletConfiguration(configFile, configDir, options);
  const { values, labelOf } = mergeValues(flags, loaded, configFile);
  validateValues(values, labelOf);

  const hostnameOverride = values.hostnameOverride as string | undefined;
  const nodeName = resolveNodeName(hostnameOverride, options.hostname ?? Deno.hostname);
  const podNetwork = podNetworkCIDRs(values, labelOf);
  warnings.push(...podNetwork.warnings);

  const rootDir = values.rootDir as string;
  const runtimeEndpoint = values.containerRuntimeEndpoint as string;
  const imageEndpoint = (values.imageServiceEndpoint as string) || runtimeEndpoint;
  const embeddedSocket = join(rootDir, EMBEDDED_SOCKET_NAME);
  const kubeconfig = values.kubeconfig as string | undefined;
  const standalone = kubeconfig === undefined || kubeconfig === "";
  const apiServer = standalone
    ? undefined
    : await loadApiServerAccess(kubeconfig, options.readTextFile);
  const result: KubeletOptions = {
    configFile,
    configDir,
    kubeconfig,
    standalone,
    apiServer,
    kubeAPIQPS: values.kubeAPIQPS as number,
    kubeAPIBurst: values.kubeAPIBurst as number,
    hostnameOverride,
    nodeName,
    nodeIP: values.nodeIP as string | undefined,
    podCIDR: values.podCIDR as string,
    rootDir,
    maxPods: values.maxPods as number,
    registerNode: values.registerNode as boolean,
    nodeLabels: values.nodeLabels as Record<string, string>,
    registerWithTaints: values.registerWithTaints as Taint[],
    nodeStatusUpdateFrequency: values.nodeStatusUpdateFrequency as number,
    nodeStatusReportFrequency: values.nodeStatusReportFrequency as number,
    nodeLeaseDurationSeconds: values.nodeLeaseDurationSeconds as number,
    eventRecordQPS: values.eventRecordQPS as number,
    eventBurst: values.eventBurst as number,
    systemReserved: values.systemReserved as Record<string, string>,
    kubeReserved: values.kubeReserved as Record<string, string>,
    evictionHard: values.evictionHard as Record<string, string>,
    configMapAndSecretChangeDetectionStrategy: values
      .configMapAndSecretChangeDetectionStrategy as "Watch" | "Cache" | "Get",
    server: {
      enabled: values.enableServer as boolean,
      port: values.port as number,
      tlsCertFile: values.tlsCertFile as string | undefined,
      tlsPrivateKeyFile: values.tlsPrivateKeyFile as string | undefined,
      tlsMinVersion: values.tlsMinVersion as string,
      tlsCipherSuites: values.tlsCipherSuites as string[],
      clientCAFile: values.clientCAFile as string | undefined,
      tokenWebhook: values.authenticationTokenWebhook as boolean,
      tokenWebhookCacheTTL: values.authenticationTokenWebhookCacheTTL as number,
      anonymous: values.anonymousAuth as boolean,
      authorizationMode: values.authorizationMode as "Webhook" | "AlwaysAllow",
      authorizedTTL: values.authorizationWebhookCacheAuthorizedTTL as number,
      unauthorizedTTL: values.authorizationWebhookCacheUnauthorizedTTL as number,
      streamingConnectionIdleTimeout: values.streamingConnectionIdleTimeout as number,
      debuggingHandlers: values.enableDebuggingHandlers as boolean,
      systemLogHandler: values.enableSystemLogHandler as boolean,
    },
    containerRuntimeEndpoint: runtimeEndpoint,
    imageServiceEndpoint: imageEndpoint,
    embeddedRuntime: runtimeEndpoint === EMBEDDED_ENDPOINT,
    runtimeSocketPath: endpointSocketPath(runtimeEndpoint) ?? embeddedSocket,
    imageSocketPath: endpointSocketPath(imageEndpoint) ?? embeddedSocket,
    runtimeRequestTimeout: values.runtimeRequestTimeout as number,
    plegRelistPeriod: values.plegRelistPeriod as number,
    staticPodPath: values.staticPodPath as string,
    fileCheckFrequency: values.fileCheckFrequency as number,
    staticPodURL: values.staticPodURL as string,
    staticPodURLHeader: values.staticPodURLHeader as Record<string, string[]>,
    httpCheckFrequency: values.httpCheckFrequency as number,
    syncFrequency: values.syncFrequency as number,
    parallelContainerStarts: values.parallelContainerStarts as boolean,
    maxConcurrentPodStarts: values.maxConcurrentPodStarts as number,
    podStartRamp: values.podStartRamp as PodStartRamp,
    podLogsDir: values.podLogsDir as string,
    serializeImagePulls: values.serializeImagePulls as boolean,
    maxParallelImagePulls: values.maxParallelImagePulls as number | null,
    registryPullQPS: values.registryPullQPS as number,
    registryBurst: values.registryBurst as number,
    imageGCHighThresholdPercent: values.imageGCHighThresholdPercent as number,
    imageGCLowThresholdPercent: values.imageGCLowThresholdPercent as number,
    imageMinimumGCAge: values.imageMinimumGCAge as number,
    minimumGCAge: values.minimumGCAge as number,
    maxPerPodContainerCount: values.maxPerPodContainerCount as number,
    maxContainerCount: values.maxContainerCount as number,
    address: values.address as string,
    readOnlyPort: values.readOnlyPort as number,
    healthzPort: values.healthzPort as number,
    healthzBindAddress: values.healthzBindAddress as string,
    localDebuggingHandlers: values.localDebuggingHandlers as boolean,
    kubeletConfiguration: effectiveKubeletConfiguration(values),
    podNetworkCIDRs: podNetwork.cidrs,
    allowHostPaths: values.allowHostPaths as string[],
    logging: {
      format: values.loggingFormat as "text" | "json",
      verbosity: values.verbosity as number,
    },
  };
  return {
    kind: "run",
    options: result,
    warnings: [...loaded.warnings, ...flags.warnings, ...warnings],
  };
}
