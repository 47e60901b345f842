/**
 * The Deno permission allow-lists the agent needs, computed from its
 * configuration in one place: the agent never runs with -A or an unscoped
 * `--allow-net`.
 *
 * @module
 */

import { MACHINE_FILES } from "../nodestatus/machine_files.ts";
import { ipFamily } from "../util/ip_family.ts";
import { GRPC_ENV_VARS } from "../cri/permissions_env.ts";
import type { KubeletOptions } from "./kubelet_options.ts";
import { manifestHostPaths, type ManifestReadIO } from "./_manifest_host_paths.ts";

export { type HostPathGrants, type ManifestReadIO, podHostPaths } from "./_manifest_host_paths.ts";

/** Allow-lists, one per Deno permission; an absent or empty list grants nothing. */
export interface Permissions {
  read: string[];
  write: string[];
  net: string[];
  env: string[];
  run?: string[];
  /** System information; `"all"` grants it unscoped (see computePermissions). */
  sys?: string[] | "all";
  /**
   * Hosts whose TLS certificates are not verified (Deno's
   * `--unsafely-ignore-certificate-errors`): only the API server's, and only
   * when the kubeconfig sets `insecure-skip-tls-verify`.
   */
  unsafelyIgnoreCertificateErrors?: string[];
}

/**
 * Environment variables the `yaml` package (2.x) reads on every parse; without
 * them any YAML parse (config file, manifests) fails with NotCapable.
 */
export const YAML_ENV_VARS: readonly string[] = ["LOG_TOKENS", "LOG_STREAM"];

/** Read by Deno's node:https when HTTPS probes and hooks open a connection. */
export const TLS_ENV_VARS: readonly string[] = ["NODE_USE_SYSTEM_CA"];

/** Every environment variable name the agent reads (through its libraries). */
export const DEFAULT_ENV_VARS: readonly string[] = [
  ...GRPC_ENV_VARS,
  ...YAML_ENV_VARS,
  ...TLS_ENV_VARS,
];

/** Additions to {@linkcode computePermissions}'s result. */
export interface PermissionsExtra {
  /** More paths to read, e.g. the API server CA from the kubeconfig. @default [] */
  read?: string[];
  /** More paths to write. @default [] */
  write?: string[];
  /**
   * Host paths of hostPath volumes, e.g. from {@linkcode manifestHostPaths}
   * (`--allow-host-path` paths are added to both lists). @default none
   */
  hostPaths?: { read: string[]; write: string[] };
  /** More `host:port` (or `unix:path`) entries, e.g. the API server from the kubeconfig. @default [] */
  net?: string[];
  /** Environment variable names, replacing the built-in list. @default [...GRPC_ENV_VARS, ...YAML_ENV_VARS] */
  env?: readonly string[];
}

/** An IP as a Deno --allow-net host: IPv6 in brackets (`[fd00::5]`), IPv4 as is. */
function netHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function hostPort(host: string, port: number): string {
  return `${netHost(host)}:${port}`;
}

/**
 * The pod network ranges Deno can grant: IPv4 CIDRs (Deno ≥ 2.4). Deno 2.9.6
 * parses no IPv6 range in --allow-net (`fd00::/64` and `[fd00::]/64` are both
 * refused), so those are left out; loadKubeletOptions warns about them.
 */
function grantableRanges(cidrs: readonly string[]): string[] {
  return cidrs.filter((c) => ipFamily(c.slice(0, c.indexOf("/"))) === 4);
}

function urlHostPort(url: string): string {
  const u = new URL(url);
  const port = u.port !== "" ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  return hostPort(u.hostname, port);
}

function isUnder(path: string, dir: string): boolean {
  const base = dir.endsWith("/") ? dir : `${dir}/`;
  return path === dir || path.startsWith(base);
}

/** The node's log dir the kubelet's `/logs/` serves (enableSystemLogHandler). */
export const SYSTEM_LOG_DIR = "/var/log";

/**
 * Whether `/logs/` is served anywhere: with enableSystemLogHandler and
 * enableDebuggingHandlers, on the kubelet API (with --kubeconfig) or on the
 * read-only port (localDebuggingHandlers).
 */
export function servesSystemLogs(options: KubeletOptions): boolean {
  const s = options.server;
  if (!s.systemLogHandler || !s.debuggingHandlers) return false;
  const secure = options.apiServer !== undefined && s.enabled;
  const local = options.localDebuggingHandlers && options.readOnlyPort > 0;
  return secure || local;
}

/** Host commands the agent runs (by name, found on PATH): the volumes' `ln`, `mount`, `umount`. */
export const HOST_COMMANDS = ["ln", "mount", "umount"] as const;

/** The files the Node's nodeInfo is read from that Deno can grant by path. */
const NODE_INFO_FILES = [
  MACHINE_FILES.machineId,
  MACHINE_FILES.dbusMachineId,
  MACHINE_FILES.osRelease,
];

/** Keeps first occurrences and drops paths inside a directory already in the list. */
function minimalPaths(paths: readonly string[]): string[] {
  const unique = [...new Set(paths.filter((p) => p !== ""))];
  return unique.filter((p, i) => !unique.some((q, j) => j !== i && isUnder(p, q) && p !== q));
}

/**
 * The minimal allow-lists for a configuration:
 * - read: `--config`, `--config-dir`, `--kubeconfig` and the certificate, key
 *   and token files it names (and, with it, the machine-id and os-release files
 *   of the Node's nodeInfo), `staticPodPath`, root dir,
 *   `podLogsDir`, the CRI sockets; write: root dir, `podLogsDir`, the CRI sockets
 *   (paths inside a granted directory are left out);
 * - net: `unix:<socket>` per CRI socket (the embedded runtime's socket in the root
 *   dir too), the manifest URL's `host:port`, `healthzBindAddress:healthzPort` and
 *   `address:readOnlyPort` when those ports are on, and the kubeconfig's API
 *   server `host:port`;
 * - env: the names grpc-js (GRPC_ENV_VARS from src/cri; no proxy variables, the CRI
 *   client dials Unix sockets with proxies off) and yaml read, never a wildcard;
 * - net also: 127.0.0.1 and `--node-ip` on any port (IPv6 in brackets), for
 *   probes and hooks of host-network pods, and the IPv4 ranges of
 *   `podNetworkCIDRs` for those of pods on the pod network;
 * - read (and write) also: the hostPath paths in `extra.hostPaths` and
 *   `--allow-host-path` (read and write);
 * - sys: unscoped (hostname, statfs for image GC, and the CA store HTTPS probes
 *   need, which Deno cannot grant by name);
 * - run: `ln` (the symlinks of ConfigMap, Secret, downwardAPI and projected
 *   volumes), `mount` and `umount` (their tmpfs, and memory-backed emptyDirs).
 *
 * - unsafelyIgnoreCertificateErrors: the API server's host, only when the
 *   kubeconfig sets `insecure-skip-tls-verify` (Deno's fetch cannot skip
 *   verification per client).
 */
export function computePermissions(
  options: KubeletOptions,
  extra: PermissionsExtra = {},
): Permissions {
  const sockets = [...new Set([options.runtimeSocketPath, options.imageSocketPath])];
  const read = minimalPaths([
    options.configFile ?? "",
    options.configDir ?? "",
    options.kubeconfig ?? "",
    ...(options.apiServer?.files ?? []),
    // The Node's nodeInfo (machineID, osImage); /proc and /sys would need every permission.
    ...(options.apiServer ? NODE_INFO_FILES : []),
    // The kubelet API server's certificate, key and client CA (with --kubeconfig).
    ...(options.apiServer && options.server.enabled
      ? [
        options.server.tlsCertFile ?? "",
        options.server.tlsPrivateKeyFile ?? "",
        options.server.clientCAFile ?? "",
      ]
      : []),
    options.staticPodPath,
    options.rootDir,
    options.podLogsDir,
    // `/logs/` (enableSystemLogHandler) reads the node's log dir, only where it is served.
    ...(servesSystemLogs(options) ? [SYSTEM_LOG_DIR] : []),
    ...sockets,
    ...(extra.read ?? []),
    ...(extra.hostPaths?.read ?? []),
    ...options.allowHostPaths,
  ]);
  const write = minimalPaths([
    options.rootDir,
    options.podLogsDir,
    ...sockets,
    ...(extra.write ?? []),
    ...(extra.hostPaths?.write ?? []),
    ...options.allowHostPaths,
  ]);
  const net = sockets.map((s) => `unix:${s}`);
  if (options.staticPodURL !== "") net.push(urlHostPort(options.staticPodURL));
  if (options.apiServer) net.push(urlHostPort(options.apiServer.server));
  if (options.healthzPort > 0) net.push(hostPort(options.healthzBindAddress, options.healthzPort));
  if (options.readOnlyPort > 0) net.push(hostPort(options.address, options.readOnlyPort));
  if (options.apiServer && options.server.enabled) {
    net.push(hostPort(options.address, options.server.port));
  }
  // Probes and lifecycle hooks of host-network pods reach the node itself, on
  // any port the manifests name; those of other pods reach the pod network.
  net.push("127.0.0.1");
  if (options.nodeIP) net.push(...options.nodeIP.split(",").map((ip) => netHost(ip.trim())));
  net.push(...grantableRanges(options.podNetworkCIDRs));
  net.push(...(extra.net ?? []));
  const perms: Permissions = {
    read,
    write,
    net: [...new Set(net)],
    env: [...(extra.env ?? DEFAULT_ENV_VARS)],
  };
  // hostname (without --hostname-override), statfs (image GC) and the system CA
  // store that node:https loads for HTTPS probes and hooks: Deno cannot grant
  // that last one by name ("ca" is refused on the command line), so system
  // information is granted unscoped. It reveals facts about the host, never
  // files, sockets or the environment.
  perms.sys = "all";
  // The host commands the volumes need: `ln` for the atomic writer's symlinks
  // (Deno creates symlinks only with unscoped read and write), `mount` and
  // `umount` for the tmpfs of secret volumes and memory-backed emptyDirs.
  perms.run = [...HOST_COMMANDS];
  if (options.apiServer?.insecureSkipTLSVerify) {
    perms.unsafelyIgnoreCertificateErrors = [new URL(options.apiServer.server).hostname];
  }
  return perms;
}

/**
 * {@linkcode computePermissions} with the hostPath grants of the static pod
 * manifests present now (see {@linkcode manifestHostPaths}): what the
 * launcher (scripts/run.ts) and scripts/compile.ts grant the agent. A
 * manifest added later with a hostPath outside these grants and outside
 * `--allow-host-path` gets a FailedMount event naming the flag.
 *
 * Requires `--allow-read` on `staticPodPath` (and the yaml env names).
 */
export async function computeAgentPermissions(
  options: KubeletOptions,
  extra: PermissionsExtra = {},
  io: ManifestReadIO = {},
): Promise<Permissions> {
  const hostPaths = await manifestHostPaths(options.staticPodPath, io);
  return computePermissions(options, {
    ...extra,
    hostPaths: {
      read: [...hostPaths.read, ...(extra.hostPaths?.read ?? [])],
      write: [...hostPaths.write, ...(extra.hostPaths?.write ?? [])],
    },
  });
}

/**
 * Deno flags for `perms`, in the order read, write, net, env, sys, run, then
 * `--unsafely-ignore-certificate-errors=<hosts>` when set, e.g.
 * `["--allow-read=/a,/b", "--allow-net=unix:/run/containerd/containerd.sock"]`.
 * Empty lists give no flag (no access).
 *
 * @throws {RangeError} when an entry is empty or contains a comma, which a
 * Deno allow-list cannot express.
 */
export function permissionFlags(perms: Permissions): string[] {
  const flags: string[] = [];
  const kinds = ["read", "write", "net", "env", "sys", "run"] as const;
  for (const kind of kinds) {
    const value = perms[kind];
    if (value === "all") {
      flags.push(`--allow-${kind}`);
      continue;
    }
    const list = value ?? [];
    for (const entry of list) {
      if (entry === "" || entry.includes(",")) {
        throw new RangeError(
          `Cannot grant --allow-${kind} for ${JSON.stringify(entry)}: ${
            entry === "" ? "empty entry" : "a comma cannot appear in an allow-list entry"
          }`,
        );
      }
    }
    if (list.length > 0) flags.push(`--allow-${kind}=${list.join(",")}`);
  }
  const insecure = perms.unsafelyIgnoreCertificateErrors ?? [];
  for (const host of insecure) {
    if (host === "" || host.includes(",")) {
      throw new RangeError(
        `Cannot skip TLS verification for ${JSON.stringify(host)}: not a host name`,
      );
    }
  }
  if (insecure.length > 0) flags.push(`--unsafely-ignore-certificate-errors=${insecure.join(",")}`);
  return flags;
}
