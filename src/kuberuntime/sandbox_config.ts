/**
 * The CRI sandbox configuration of a pod, built the way the kubelet builds
 * it: metadata, kubelet labels, hostname (none with host networking), DNS,
 * port mappings, the pod log directory and the Linux namespaces.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type {
  DNSConfig,
  NamespaceOption,
  PodSandboxConfig,
  PortMapping,
  Protocol,
} from "../cri/types.ts";
import { newPodAnnotations, newPodLabels } from "./labels.ts";

/** Node DNS facts used for a pod's resolv.conf. */
export interface PodDnsOptions {
  /** Cluster DNS servers (`--cluster-dns`). @default [] */
  clusterDns?: string[];
  /** Cluster domain (`--cluster-domain`). @default "" */
  clusterDomain?: string;
  /**
   * The node's resolver settings (from `--resolv-conf`). When undefined, a
   * `Default` pod gets no DNS config and the runtime copies the host's.
   */
  hostDns?: DNSConfig;
}

/** Options for {@linkcode generatePodSandboxConfig}. */
export interface SandboxConfigOptions {
  /** Root of pod log directories (`--pod-logs-dir`). @default "/var/log/pods" */
  podLogsDir?: string;
  /** DNS settings. @default {} */
  dns?: PodDnsOptions;
  /** cgroup parent for the sandbox. @default "" (the runtime decides) */
  cgroupParent?: string;
}

/** `<podLogsDir>/<namespace>_<name>_<uid>`, kubelet's BuildPodLogsDirectory. */
export function podLogsDirectory(podLogsDir: string, pod: Pod): string {
  const m = pod.metadata ?? {};
  return `${podLogsDir.replace(/\/+$/, "")}/${m.namespace ?? ""}_${m.name ?? ""}_${m.uid ?? ""}`;
}

/**
 * The hostname of a pod with its own network namespace: spec.hostname or the
 * pod name, truncated to 63 characters with trailing "-" or "." removed.
 */
export function podHostname(pod: Pod): string {
  let name = pod.spec?.hostname || pod.metadata?.name || "";
  if (name.length > 63) name = name.slice(0, 63).replace(/[-.]+$/, "");
  return name;
}

/** The network namespace mode a pod wants: NODE with hostNetwork, else POD. */
export function networkModeOf(pod: Pod): "NODE" | "POD" {
  return pod.spec?.hostNetwork ? "NODE" : "POD";
}

/** Kubelet's namespacesForPod. */
export function namespacesForPod(pod: Pod): NamespaceOption {
  return {
    network: networkModeOf(pod),
    pid: pod.spec?.hostPID ? "NODE" : pod.spec?.shareProcessNamespace ? "POD" : "CONTAINER",
    ipc: pod.spec?.hostIPC ? "NODE" : "POD",
  };
}

/**
 * The pod's DNS config: `None` uses spec.dnsConfig only; `ClusterFirst` (and
 * `ClusterFirstWithHostNet` with host networking) uses the cluster DNS when
 * one is configured, otherwise falls back to `Default` (the node's resolver),
 * as the kubelet does; spec.dnsConfig is merged in last.
 */
export function podDnsConfig(pod: Pod, dns: PodDnsOptions = {}): DNSConfig | undefined {
  let policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const clusterDns = dns.clusterDns ?? [];
  if (policy === "ClusterFirst" && pod.spec?.hostNetwork) policy = "Default";
  if (policy === "ClusterFirstWithHostNet") policy = "ClusterFirst";
  if ((policy === "ClusterFirst") && clusterDns.length === 0) policy = "Default";
  let base: DNSConfig | undefined;
  if (policy === "ClusterFirst") {
    const ns = pod.metadata?.namespace ?? "default";
    const domain = dns.clusterDomain ?? "";
    const searches = domain ? [`${ns}.svc.${domain}`, `svc.${domain}`, domain] : [];
    base = {
      servers: [...clusterDns],
      searches: [...searches, ...(dns.hostDns?.searches ?? [])],
      options: ["ndots:5"],
    };
  } else if (policy === "Default") {
    base = dns.hostDns
      ? {
        servers: [...(dns.hostDns.servers ?? [])],
        searches: [...(dns.hostDns.searches ?? [])],
        options: [...(dns.hostDns.options ?? [])],
      }
      : undefined;
  } else {
    base = { servers: [], searches: [], options: [] };
  }
  const extra = pod.spec?.dnsConfig;
  if (!extra) return base;
  const merged: DNSConfig = {
    servers: [...(base?.servers ?? [])],
    searches: [...(base?.searches ?? [])],
    options: [...(base?.options ?? [])],
  };
  for (const s of extra.nameservers ?? []) {
    if (!merged.servers!.includes(s)) merged.servers!.push(s);
  }
  for (const s of extra.searches ?? []) if (!merged.searches!.includes(s)) merged.searches!.push(s);
  for (const o of extra.options ?? []) {
    const text = o.value !== undefined ? `${o.name}:${o.value}` : `${o.name}`;
    merged.options = merged.options!.filter((x) => x.split(":")[0] !== o.name);
    merged.options.push(text);
  }
  return merged;
}

/** Port mappings of every container port with a host port (kubelet's MakePortMappings). */
export function podPortMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  const seen = new Set<string>();
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      const protocol = (p.protocol ?? "TCP") as Protocol;
      const key = `${p.hostPort ?? 0}-${protocol}-${p.hostIP ?? ""}`;
      if (p.hostPort && seen.has(key)) continue;
      seen.add(key);
      out.push({
        protocol,
        containerPort: p.containerPort,
        hostPort: p.hostPort ?? 0,
        hostIp: p.hostIP ?? "",
      });
    }
  }
  return out;
}

/** Whether any container of the pod is privileged. */
export function hasPrivilegedContainer(pod: Pod): boolean {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return all.some((c) => c.securityContext?.privileged === true);
}

/** The CRI sandbox config for `pod` at `attempt` (kubelet's generatePodSandboxConfig). */
export function generatePodSandboxConfig(
  pod: Pod,
  attempt: number,
  options: SandboxConfigOptions = {},
): PodSandboxConfig {
  const m = pod.metadata ?? {};
  const psc = pod.spec?.securityContext;
  const config: PodSandboxConfig = {
    metadata: { name: m.name ?? "", namespace: m.namespace ?? "", uid: m.uid ?? "", attempt },
    labels: newPodLabels(pod),
    annotations: newPodAnnotations(pod),
    logDirectory: podLogsDirectory(options.podLogsDir ?? "/var/log/pods", pod),
    linux: {
      cgroupParent: options.cgroupParent ?? "",
      securityContext: {
        namespaceOptions: namespacesForPod(pod),
        privileged: hasPrivilegedContainer(pod),
        ...(psc?.runAsUser != null ? { runAsUser: { value: psc.runAsUser } } : {}),
        ...(psc?.runAsGroup != null ? { runAsGroup: { value: psc.runAsGroup } } : {}),
        ...(psc?.supplementalGroups ? { supplementalGroups: [...psc.supplementalGroups] } : {}),
      },
      sysctls: Object.fromEntries((psc?.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
  const dns = podDnsConfig(pod, options.dns);
  if (dns) config.dnsConfig = dns;
  if (!pod.spec?.hostNetwork) config.hostname = podHostname(pod);
  const ports = podPortMappings(pod);
  if (ports.length > 0) config.portMappings = ports;
  return config;
}
