/**
 * Checks of the merged settings: ranges, formats and contradictions, each
 * reported as one line naming the flag or field and the bad value.
 *
 * @module
 */

import { isAbsolute } from "../util/posix_path.ts";
import { ipFamily } from "../util/ip_family.ts";
import { formatDuration } from "./duration.ts";
import { endpointSocketPath } from "./endpoint_socket_path.ts";
import { OptionsError } from "./options_error.ts";
import { SETTINGS } from "./_settings.ts";
import { POD_START_RAMPS } from "../kuberuntime/pod_start_gate.ts";
import type { Taint } from "kubernetes-types/core/v1.d.ts";
import {
  nodeLabelsProblem,
  reservedProblem,
  taintsProblem,
  thresholdsProblem,
} from "./_cluster_values.ts";

const DURATION_KEYS = new Set(SETTINGS.filter((s) => s.kind === "duration").map((s) => s.key));

/** A value as it appears in messages: strings quoted, numbers bare. */
export function describeValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? "null";
}

/** Why `text` is not an IPv4 or IPv6 CIDR such as `10.88.0.0/16`, or undefined. */
export function cidrProblem(text: string): string | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return "not a CIDR (e.g. 10.88.0.0/16)";
  const family = ipFamily(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return "not a CIDR (e.g. 10.88.0.0/16)";
  if (Number(bits) > (family === 4 ? 32 : 128)) return "prefix length out of range";
  return undefined;
}

/** Path settings that end up in a Deno allow-list (a comma would split the entry). */
const GRANTED_PATH_KEYS = [
  "configFile",
  "configDir",
  "kubeconfig",
  "rootDir",
  "staticPodPath",
  "podLogsDir",
] as const;

export const COMMA_REASON =
  "a path with a comma cannot be granted (Deno's allow-lists are comma-separated)";

function endpointProblem(endpoint: string): string | undefined {
  try {
    endpointSocketPath(endpoint);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Validates merged values (durations in ms). `labelOf` names where a value came
 * from (`--max-pods`, `field maxPods in '/etc/k.yaml'`, or `default`).
 *
 * @throws {OptionsError} at the first problem found.
 */
export function validateValues(
  values: Record<string, unknown>,
  labelOf: (key: string) => string,
): void {
  const fail = (key: string, reason: string): never => {
    const v = values[key];
    const shown = DURATION_KEYS.has(key) && typeof v === "number"
      ? `"${formatDuration(v)}"`
      : describeValue(v);
    const label = labelOf(key);
    const subject = label.startsWith("--") ? `flag ${label}` : label;
    throw new OptionsError(`invalid value ${shown} for ${subject}: ${reason}`, label);
  };
  const num = (key: string) => values[key] as number;

  let problem = endpointProblem(values.containerRuntimeEndpoint as string);
  if (problem) fail("containerRuntimeEndpoint", problem);
  if (values.imageServiceEndpoint !== "") {
    problem = endpointProblem(values.imageServiceEndpoint as string);
    if (problem) fail("imageServiceEndpoint", problem);
  }
  for (
    const key of [
      "runtimeRequestTimeout",
      "fileCheckFrequency",
      "httpCheckFrequency",
      "plegRelistPeriod",
    ]
  ) {
    if (num(key) <= 0) fail(key, "must be greater than 0");
  }
  if (num("syncFrequency") <= 0) fail("syncFrequency", "must be greater than 0");
  for (const key of ["imageMinimumGCAge", "minimumGCAge"]) {
    if (num(key) < 0) fail(key, "must not be negative");
  }
  if (num("maxPods") < 1) fail("maxPods", "must be at least 1");
  for (const key of ["imageGCHighThresholdPercent", "imageGCLowThresholdPercent"]) {
    if (num(key) < 0 || num(key) > 100) fail(key, "must be between 0 and 100");
  }
  const low = num("imageGCLowThresholdPercent");
  const high = num("imageGCHighThresholdPercent");
  if (low > high) {
    // Blame the side the user set; the low one when both were set.
    if (labelOf("imageGCLowThresholdPercent") !== "default") {
      fail(
        "imageGCLowThresholdPercent",
        `must not be above the high threshold (${high}, ${labelOf("imageGCHighThresholdPercent")})`,
      );
    }
    fail("imageGCHighThresholdPercent", `must not be below the low threshold (${low}, default)`);
  }
  for (const key of ["healthzPort", "readOnlyPort"]) {
    if (num(key) < 0 || num(key) > 65535) fail(key, "must be a port between 0 and 65535");
  }
  if (num("registryPullQPS") < 0) fail("registryPullQPS", "must not be negative");
  if (num("registryBurst") < 0) fail("registryBurst", "must not be negative");
  if (num("maxConcurrentPodStarts") < 0) fail("maxConcurrentPodStarts", "must not be negative");
  if (!(POD_START_RAMPS as readonly unknown[]).includes(values.podStartRamp)) {
    fail("podStartRamp", `must be one of ${POD_START_RAMPS.map((r) => `"${r}"`).join(", ")}`);
  }
  if (num("kubeAPIQPS") < 0) fail("kubeAPIQPS", "must not be negative");
  if (num("kubeAPIBurst") < 0) fail("kubeAPIBurst", "must not be negative");
  const parallel = values.maxParallelImagePulls as number | null;
  if (parallel !== null) {
    if (parallel < 1) fail("maxParallelImagePulls", "must be at least 1");
    if (parallel > 1 && values.serializeImagePulls === true) {
      fail(
        "maxParallelImagePulls",
        `must be 1 unless serializeImagePulls is false (${labelOf("serializeImagePulls")})`,
      );
    }
  }
  if (num("verbosity") < 0) fail("verbosity", "must not be negative");
  if (values.loggingFormat !== "text" && values.loggingFormat !== "json") {
    fail("loggingFormat", 'must be "text" or "json"');
  }
  for (const key of ["address", "healthzBindAddress"]) {
    if (ipFamily(values[key] as string) === 0) fail(key, "not an IP address");
  }
  const nodeIP = values.nodeIP as string | undefined;
  if (nodeIP !== undefined && nodeIP !== "") {
    const ips = nodeIP.split(",");
    if (ips.length > 2 || ips.some((ip) => ipFamily(ip.trim()) === 0)) {
      fail("nodeIP", "not an IP address (or a dual-stack pair ip4,ip6)");
    }
  }
  const url = values.staticPodURL as string;
  if (url !== "") {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      fail("staticPodURL", "not a URL");
    }
    if (parsed!.protocol !== "http:" && parsed!.protocol !== "https:") {
      fail("staticPodURL", "must be an http:// or https:// URL");
    }
  }
  for (const key of GRANTED_PATH_KEYS) {
    const path = values[key];
    if (typeof path === "string" && path.includes(",")) fail(key, COMMA_REASON);
  }
  for (const key of ["containerRuntimeEndpoint", "imageServiceEndpoint"]) {
    const endpoint = values[key] as string;
    if (endpoint !== "" && endpointSocketPath(endpoint)?.includes(",")) fail(key, COMMA_REASON);
  }
  for (const key of ["podCIDR", "podNetworkCIDR"]) {
    const text = values[key] as string | undefined;
    if (text === undefined || text.trim() === "") continue;
    const cidrs = text.split(",").map((c) => c.trim());
    const problem = cidrs.map(cidrProblem).find((p) => p !== undefined);
    if (problem !== undefined) fail(key, problem);
    if (key === "podCIDR" && cidrs.length > 2) fail(key, "more than a dual-stack pair cidr4,cidr6");
  }
  for (const path of values.allowHostPaths as string[]) {
    if (!isAbsolute(path)) fail("allowHostPaths", `${describeValue(path)} is not an absolute path`);
    if (path.split("/").includes("..")) fail("allowHostPaths", `${describeValue(path)} has '..'`);
  }
  if (values.rootDir === "") fail("rootDir", "must not be empty");
  validateClusterValues(values, fail);
  if (num("streamingConnectionIdleTimeout") < 0) {
    fail("streamingConnectionIdleTimeout", "must not be negative");
  }
  const local = localDebuggingProblem(values, labelOf);
  if (local) fail("localDebuggingHandlers", local);
  if (values.podLogsDir === "") fail("podLogsDir", "must not be empty");
}

/**
 * Why `localDebuggingHandlers` cannot be on: the read-only port has no
 * authentication, so it must be on and bound to loopback.
 */
function localDebuggingProblem(
  values: Record<string, unknown>,
  labelOf: (key: string) => string,
): string | undefined {
  if (values.localDebuggingHandlers !== true) return undefined;
  if ((values.readOnlyPort as number) <= 0) {
    return `they are served on the read-only port, which is off (readOnlyPort 0, ${
      labelOf("readOnlyPort")
    })`;
  }
  const address = values.address as string;
  if (address !== "127.0.0.1" && address !== "::1") {
    return `the read-only port has no authentication: address must be 127.0.0.1 or ::1, not ${
      describeValue(address)
    } (${labelOf("address")})`;
  }
  return undefined;
}

/** The checks of the Cluster settings (labels, taints, reserved, thresholds, timing). */
function validateClusterValues(
  values: Record<string, unknown>,
  fail: (key: string, reason: string) => never,
): void {
  const num = (key: string) => values[key] as number;
  const labels = nodeLabelsProblem(values.nodeLabels as Record<string, string>);
  if (labels) fail("nodeLabels", labels);
  const taints = taintsProblem(values.registerWithTaints as Taint[]);
  if (taints) fail("registerWithTaints", taints);
  for (const key of ["systemReserved", "kubeReserved"]) {
    const problem = reservedProblem(values[key] as Record<string, string>);
    if (problem) fail(key, problem);
  }
  const thresholds = thresholdsProblem(values.evictionHard as Record<string, string>);
  if (thresholds) fail("evictionHard", thresholds);
  if (num("nodeStatusUpdateFrequency") <= 0) fail("nodeStatusUpdateFrequency", "must be positive");
  if (num("nodeStatusReportFrequency") <= 0) fail("nodeStatusReportFrequency", "must be positive");
  if (num("nodeLeaseDurationSeconds") <= 0) fail("nodeLeaseDurationSeconds", "must be positive");
  if (num("eventRecordQPS") < 0) fail("eventRecordQPS", "must not be negative");
  if (num("eventBurst") < 0) fail("eventBurst", "must not be negative");
  const port = num("port");
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail("port", "must be a port between 1 and 65535");
  }
  if ((values.tlsCertFile === undefined) !== (values.tlsPrivateKeyFile === undefined)) {
    fail(
      values.tlsCertFile === undefined ? "tlsPrivateKeyFile" : "tlsCertFile",
      "--tls-cert-file and --tls-private-key-file go together",
    );
  }
  const tls = values.tlsMinVersion as string;
  if (!["", "VersionTLS12", "VersionTLS13"].includes(tls)) {
    fail("tlsMinVersion", 'must be "VersionTLS12" or "VersionTLS13"');
  }
  const mode = values.authorizationMode;
  if (mode !== "Webhook" && mode !== "AlwaysAllow") {
    fail("authorizationMode", 'must be "Webhook" or "AlwaysAllow"');
  }
  const strategy = values.configMapAndSecretChangeDetectionStrategy;
  if (strategy !== "Watch" && strategy !== "Cache" && strategy !== "Get") {
    fail("configMapAndSecretChangeDetectionStrategy", 'must be "Watch", "Cache" or "Get"');
  }
}
