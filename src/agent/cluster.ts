/**
 * Builds the cluster side of the agent when `--kubeconfig` is given: the API
 * client (kubeAPIQPS / kubeAPIBurst, 401/403 logged once a minute with the
 * agent's identity), the API-server pod source, node registration and status,
 * the node lease, mirror pods of the static pods, the pods' status towards
 * the API server (with the final delete of gracefully deleted pods), and the
 * events posted to the API server. Standalone, none of it exists.
 *
 * Three steps, because each needs what the one before built:
 * {@linkcode connectCluster} (before the runtime side: the node's IP comes
 * from the route towards the API server), {@linkcode ClusterConnection.build}
 * (on the runtime side: readiness, events, the CRI version), and
 * {@linkcode ClusterSide.attach} (on the pod pipeline: statuses, static pods).
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { API_SERVER_SOURCE, CONFIG_SOURCE_ANNOTATION } from "../api/pod_helpers.ts";
import {
  ApiClient,
  apiRateLimiter,
  createApiTransport,
  type Kubeconfig,
  loadKubeconfig,
  UNLIMITED,
} from "../client/mod.ts";
import { kubeconfigIdentity, RefusalLog } from "../client/refusal_log.ts";
import { ApiPodSource } from "../config/mod.ts";
import { ApiEventSink } from "../events/mod.ts";
import { MirrorPodManager } from "../mirror/mod.ts";
import {
  localAddressTowards,
  MachineInfoReader,
  NodeLease,
  nodeObjectConfig,
  NodeStatusManager,
} from "../nodestatus/mod.ts";
import { KUBELET_COMPATIBLE_VERSION } from "../options/version.ts";
import { ApiStatusSync } from "../status/api_status_sync.ts";
import { TokenManager } from "../token/token_manager.ts";
import type { Clock } from "../util/clock.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";
import type { PipelineExtras, PodPipeline } from "./pod_pipeline.ts";
import type { RuntimeSide } from "./runtime_side.ts";

/** How long the start waits for the route towards the API server before it falls back. */
const HOST_IP_PROBE_TIMEOUT_MS = 2_000;

/** The API server reached, before the runtime side exists. */
export interface ClusterConnection {
  /** The node's IPs: `--node-ip`, else the address towards the API server (or the fall-back). */
  nodeIps: string[];
  /** The API client (kubeAPIQPS), for the ConfigMap and Secret managers. */
  api: ApiClient;
  /** Service account tokens for projected volumes. */
  tokens: TokenManager;
  /** Builds the cluster modules on the runtime side. */
  build(rt: RuntimeSide): ClusterSide;
  /** Closes the API connections. */
  close(): void;
}

/** The cluster modules, ready to be attached to the pod pipeline. */
export interface ClusterSide {
  /** What the pod pipeline takes from the cluster: the `api` source, the final delete. */
  extras: PipelineExtras;
  /** Attaches to the pipeline and returns the cluster's loops. */
  attach(pods: PodPipeline): AgentLoops;
}

/** The API server's host and port, from the kubeconfig's server URL. */
function serverHostPort(server: string): { hostname: string; port: number } {
  const url = new URL(server);
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { hostname: url.hostname.replace(/^\[|\]$/g, ""), port };
}

/** `promise`, or undefined once `ms` passed on `clock` (or when it fails). */
function within<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | undefined> {
  let cancel = () => {};
  const timeout = new Promise<undefined>((resolve) => {
    cancel = clock.after(ms, () => resolve(undefined));
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => cancel());
}

/**
 * Reads `--kubeconfig`, creates the API clients and the machine reader, and
 * finds the node's IP. Sends nothing to the API server but one TCP connect
 * (bounded) to learn the local address towards it.
 *
 * @throws the kubeconfig's one-line error (main exits 1).
 */
export async function connectCluster(deps: AgentDeps): Promise<ClusterConnection> {
  const { options, clock, logger } = deps;
  const kc: Kubeconfig = await loadKubeconfig(options.kubeconfig!);
  const identity = kubeconfigIdentity(kc);
  const refusals = new RefusalLog({ clock, logger, identity });
  const transport = createApiTransport(kc, { clock });
  const host = new URL(kc.server).host;
  const onResponse = (method: string, code: string) =>
    deps.metrics.restClientRequests.inc({ code, host, method });
  const api = new ApiClient(transport, {
    clock,
    rateLimiter: apiRateLimiter(options.kubeAPIQPS, options.kubeAPIBurst, clock),
    onRefused: refusals.onRefused,
    onResponse,
    requestTimeoutMs: 30_000,
  });
  // Events have their own limit (eventRecordQPS / eventBurst), as the kubelet's event client.
  const eventsApi = new ApiClient(transport, {
    clock,
    rateLimiter: UNLIMITED,
    onRefused: refusals.onRefused,
    onResponse,
    requestTimeoutMs: 30_000,
  });
  const { hostname, port } = serverHostPort(kc.server);
  const reader = new MachineInfoReader(options.rootDir, {
    logger,
    hostIPProbe: () => within(clock, localAddressTowards(hostname, port), HOST_IP_PROBE_TIMEOUT_MS),
    now: () => clock.now(),
  });
  const nodeIps = options.nodeIP
    ? options.nodeIP.split(",").map((ip) => ip.trim())
    : [await reader.hostIP()];
  logger.info("Joining the cluster", {
    server: kc.server,
    identity,
    node: options.nodeName,
    nodeIP: nodeIps.join(","),
  });
  const tokens = new TokenManager({ client: api, clock });
  return {
    nodeIps,
    api,
    tokens,
    build: (rt) => buildCluster(deps, { api, eventsApi, reader, nodeIps, tokens }, rt),
    close: () => api.close(),
  };
}

interface Connected {
  api: ApiClient;
  eventsApi: ApiClient;
  reader: MachineInfoReader;
  nodeIps: string[];
  tokens: TokenManager;
}

/** Whether a pod came from the API server (not a static pod). */
function isApiPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION] === API_SERVER_SOURCE;
}

function buildCluster(deps: AgentDeps, c: Connected, rt: RuntimeSide): ClusterSide {
  const { options, clock, logger } = deps;
  const nodeName = options.nodeName;
  let nodeStatus: NodeStatusManager | undefined;
  const mirror = new MirrorPodManager({
    client: c.api,
    nodeName,
    nodeUid: () => nodeStatus?.nodeUid(),
    clock,
    logger,
  });
  const podSource = new ApiPodSource({
    client: c.api,
    nodeName,
    clock,
    logger,
    onMirrorPods: (pods) => mirror.setMirrorPods(pods),
  });
  const events = new ApiEventSink({
    client: c.eventsApi,
    clock,
    logger,
    qps: options.eventRecordQPS,
    burst: options.eventBurst,
    host: nodeName,
  });
  const detachEvents = events.attach(rt.events);
  let statusSync: ApiStatusSync | undefined;

  return {
    extras: {
      sources: [podSource],
      onPodTerminated: (pod) => {
        c.tokens.forgetPod(pod.metadata?.uid ?? "");
        void statusSync?.podTerminated(pod);
      },
    },
    attach(pods: PodPipeline): AgentLoops {
      statusSync = new ApiStatusSync({
        client: c.api,
        statusManager: pods.statusManager,
        clock,
        logger,
        target: (pod) => {
          if (isApiPod(pod)) {
            const m = pod.metadata!;
            return { namespace: m.namespace!, name: m.name!, uid: m.uid! };
          }
          return mirror.mirrorFor(pod);
        },
      });
      const sync = statusSync;
      const staticPods = () => pods.podConfig.snapshot().filter((p) => !isApiPod(p));
      return {
        nodeStatus: async (signal) => {
          nodeStatus = new NodeStatusManager({
            client: c.api,
            clock,
            logger,
            recordEvent: rt.recordEvent,
            config: nodeObjectConfig({
              nodeName,
              hostname: nodeName,
              nodeLabels: options.nodeLabels,
              registerWithTaints: options.registerWithTaints,
              nodeIPs: options.nodeIP ? c.nodeIps : [],
              maxPods: options.maxPods,
              kubeReserved: options.kubeReserved,
              systemReserved: options.systemReserved,
              evictionHard: options.evictionHard,
              kubeletVersion: `${KUBELET_COMPATIBLE_VERSION}.0`,
              kubeletPort: options.server.port,
            }),
            machineInfo: await c.reader.machineInfo(),
            machine: c.reader,
            readiness: rt.runtimeState,
            runtimeVersion: () => rt.runtime.version(),
            registerNode: options.registerNode,
            nodeStatusUpdateFrequencyMs: options.nodeStatusUpdateFrequency,
            nodeStatusReportFrequencyMs: options.nodeStatusReportFrequency,
          });
          await nodeStatus.run(signal);
        },
        nodeLease: (signal) =>
          new NodeLease({
            client: c.api,
            clock,
            nodeName,
            leaseDurationSeconds: options.nodeLeaseDurationSeconds,
            nodeUid: () => nodeStatus?.nodeUid(),
            logger,
          }).run(signal),
        mirrorPods: async (signal) => {
          const follow = (async () => {
            mirror.setStaticPods(staticPods());
            for await (const update of pods.podConfig.updates(signal)) {
              // API pods' updates (every watch event) change no static pod: no copy of all pods.
              if (update.source !== API_SERVER_SOURCE) mirror.setStaticPods(staticPods());
            }
          })();
          await Promise.all([mirror.run(signal), follow]);
        },
        podStatusSync: (signal) => sync.run(signal),
        apiEvents: async (signal) => {
          try {
            await events.run(signal);
          } finally {
            detachEvents();
          }
        },
      };
    },
  };
}
