/**
 * Builds the kubelet API server (`--address:--port`, HTTPS) when the agent is
 * a node of a cluster: the serving certificate (`--tls-cert-file`, else a
 * self-signed one under `<root-dir>/pki`), authentication (client
 * certificates of `--client-ca-file`, bearer tokens through TokenReview,
 * anonymous when enabled) and authorization (SubjectAccessReview or
 * AlwaysAllow), in front of `/containerLogs/...`, `/stats/summary`,
 * `/metrics/resource`, and the local handler's `/healthz`, `/pods`,
 * `/metrics`. exec, attach and portForward are not served yet (404).
 *
 * @module
 */

import type { ApiClient } from "../client/mod.ts";
import {
  createAuthenticator,
  createAuthorizer,
  loadServingCert,
  readClientCaFile,
  startSecureServer,
} from "../kubeletserver/mod.ts";
import { CONTAINER_LOGS_PREFIX, createContainerLogsHandler } from "../logs/mod.ts";
import type { Handler } from "../server/mod.ts";
import { createStatsHandler, isStatsPath, SummaryProvider } from "../stats/mod.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";
import type { PodPipeline } from "./pod_pipeline.ts";
import type { RuntimeSide } from "./runtime_side.ts";

/** The kubelet API's routes, on top of the local handler (healthz, pods, metrics). */
export function kubeletApiHandler(
  deps: AgentDeps,
  rt: RuntimeSide,
  pods: PodPipeline,
  local: Handler,
): Handler {
  const { options, clock, logger } = deps;
  const logs = createContainerLogsHandler({
    podLogsDir: options.podLogsDir,
    clock,
    logger,
    findPod: (namespace, name) => {
      const pod = pods.statusManager.pods().find((p) =>
        p.metadata?.namespace === namespace && p.metadata?.name === name
      );
      const uid = pod?.metadata?.uid;
      return pod && uid ? { pod, podStatus: rt.cache.get(uid).status } : undefined;
    },
  });
  const stats = createStatsHandler({
    summary: new SummaryProvider({
      nodeName: options.nodeName,
      runtime: rt.runtime,
      clock,
      rootDir: options.rootDir,
      podLogsDir: options.podLogsDir,
      logger,
    }),
    logger,
  });
  return (request) => {
    const path = new URL(request.url).pathname;
    if (path.startsWith(CONTAINER_LOGS_PREFIX)) return logs(request);
    if (isStatsPath(path)) return stats(request);
    return local(request);
  };
}

/** The kubelet API server loop (none when disabled or standalone). */
export function buildKubeletServer(
  deps: AgentDeps,
  api: ApiClient | undefined,
  nodeIps: readonly string[],
  handler: Handler,
): AgentLoops {
  const { options, clock, logger } = deps;
  const s = options.server;
  if (!api || !s.enabled) return {};
  return {
    kubeletApi: async (signal) => {
      const serving = await loadServingCert({
        tlsCertFile: s.tlsCertFile,
        tlsPrivateKeyFile: s.tlsPrivateKeyFile,
        certDir: `${options.rootDir}/pki`,
        hostname: options.nodeName,
        ips: nodeIps,
        clock,
        logger,
      });
      const clientCa = s.clientCAFile ? await readClientCaFile(s.clientCAFile) : undefined;
      const server = await startSecureServer(handler, {
        hostname: options.address,
        port: s.port,
        cert: serving.cert,
        key: serving.key,
        clientCa,
        authn: createAuthenticator({
          clientCa,
          webhookEnabled: s.tokenWebhook,
          webhookCacheTTLMs: s.tokenWebhookCacheTTL,
          anonymousEnabled: s.anonymous,
          client: api,
          clock,
        }),
        authz: createAuthorizer({
          mode: s.authorizationMode,
          nodeName: options.nodeName,
          client: api,
          clock,
          cacheAuthorizedTTLMs: s.authorizedTTL,
          cacheUnauthorizedTTLMs: s.unauthorizedTTL,
        }),
        tlsMinVersion: s.tlsMinVersion || undefined,
        tlsCipherSuites: s.tlsCipherSuites,
        signal,
        logger,
        clock,
      });
      await server.finished;
    },
  };
}
