/**
 * The Deno permission allow-lists the agent needs, computed from its
 * configuration in one place: the agent never runs with -A or an unscoped
 * `--allow-net`.
 *
 * @module
 */

import { GRPC_ENV_VARS } from "../cri/permissions_env.ts";
import type { KubeletOptions } from "./kubelet_options.ts";

/** Allow-lists, one per Deno permission; an absent or empty list grants nothing. */
export interface Permissions {
  read: string[];
  write: string[];
  net: string[];
  env: string[];
  run?: string[];
  /** System information; `"all"` grants it unscoped (see computePermissions). */
  sys?: string[] | "all";
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
  /** More `host:port` (or `unix:path`) entries, e.g. the API server from the kubeconfig. @default [] */
  net?: string[];
  /** Environment variable names, replacing the built-in list. @default [...GRPC_ENV_VARS, ...YAML_ENV_VARS] */
  env?: readonly string[];
}

function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
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

/** Keeps first occurrences and drops paths inside a directory already in the list. */
function minimalPaths(paths: readonly string[]): string[] {
  const unique = [...new Set(paths.filter((p) => p !== ""))];
  return unique.filter((p, i) => !unique.some((q, j) => j !== i && isUnder(p, q) && p !== q));
}

/**
 * The minimal allow-lists for a configuration:
 * - read: `--config`, `--config-dir`, `--kubeconfig`, `staticPodPath`, root dir,
 *   `podLogsDir`, the CRI sockets; write: root dir, `podLogsDir`, the CRI sockets
 *   (paths inside a granted directory are left out);
 * - net: `unix:<socket>` per CRI socket (the embedded runtime's socket in the root
 *   dir too), the manifest URL's `host:port`, `healthzBindAddress:healthzPort` and
 *   `address:readOnlyPort` when those ports are on;
 * - env: the names grpc-js (GRPC_ENV_VARS from src/cri; no proxy variables, the CRI
 *   client dials Unix sockets with proxies off) and yaml read, never a wildcard;
 * - net also: 127.0.0.1 and `--node-ip` on any port, for probes and hooks of
 *   host-network pods;
 * - sys: unscoped (hostname, statfs for image GC, and the CA store HTTPS probes
 *   need, which Deno cannot grant by name).
 *
 * The API server from a kubeconfig is not known here: pass it in `extra.net`.
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
    options.staticPodPath,
    options.rootDir,
    options.podLogsDir,
    ...sockets,
    ...(extra.read ?? []),
  ]);
  const write = minimalPaths([
    options.rootDir,
    options.podLogsDir,
    ...sockets,
    ...(extra.write ?? []),
  ]);
  const net = sockets.map((s) => `unix:${s}`);
  if (options.staticPodURL !== "") net.push(urlHostPort(options.staticPodURL));
  if (options.healthzPort > 0) net.push(hostPort(options.healthzBindAddress, options.healthzPort));
  if (options.readOnlyPort > 0) net.push(hostPort(options.address, options.readOnlyPort));
  // Probes and lifecycle hooks of host-network pods reach the node itself, on
  // any port the manifests name. Pod-network IPs are not known in advance:
  // pass them (or their hosts) in extra.net.
  net.push("127.0.0.1");
  if (options.nodeIP) net.push(...options.nodeIP.split(",").map((ip) => ip.trim()));
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
  return perms;
}

/**
 * Deno flags for `perms`, in the order read, write, net, env, sys, run, e.g.
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
  return flags;
}
