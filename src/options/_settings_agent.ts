/**
 * The settings of the help groups Local server, Permissions, Logging and General:
 * the agent's own endpoints, its Deno permissions, its log and the help/version flags.
 *
 * @module
 */

import type { Setting } from "./_setting.ts";

/** Local server, Permissions, Logging and General settings, in help order. */
export const AGENT_SETTINGS: readonly Setting[] = [
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
