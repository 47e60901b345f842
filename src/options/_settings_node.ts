/**
 * The settings of the help groups Configuration, Node and Container runtime: where
 * the configuration comes from, what the node is, and how the runtime is reached.
 *
 * @module
 */

import type { Setting } from "./_setting.ts";

/** Configuration, Node and Container runtime settings, in help order. */
export const NODE_SETTINGS: readonly Setting[] = [
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
    help: "kubeconfig for the API server (its current context). Leave it out to run standalone " +
      "(static pods only).",
  },
  {
    key: "kubeAPIQPS",
    flag: "kube-api-qps",
    field: "kubeAPIQPS",
    kind: "int",
    group: "Configuration",
    help: "Requests per second to the API server (0 means client-go's default of 5).",
  },
  {
    key: "kubeAPIBurst",
    flag: "kube-api-burst",
    field: "kubeAPIBurst",
    kind: "int",
    group: "Configuration",
    help: "Burst of requests to the API server above --kube-api-qps (0 means 10).",
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
    key: "plegRelistPeriod",
    flag: "pleg-relist-period",
    kind: "duration",
    group: "Container runtime",
    helpDefault: "1s, the kubelet's",
    help: "denolet only: how often the generic PLEG relists when the runtime has no CRI event " +
      "stream (containerd 1.6, which also makes it relist at once on each task exit); " +
      "shorter notices changes sooner where nothing else tells, at about 2 ms of CPU per " +
      "relist for 30 pods.",
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
];
