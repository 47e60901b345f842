/**
 * Builds the kubelet API server (`--address:--port`, HTTPS) when the agent is
 * a node of a cluster: the serving certificate (`--tls-cert-file`, else a
 * self-signed one under `<root-dir>/pki`), authentication (client
 * certificates of `--client-ca-file`, bearer tokens through TokenReview,
 * anonymous when enabled) and authorization (SubjectAccessReview or
 * AlwaysAllow), in front of `/containerLogs/...`, `/stats/summary`,
 * `/metrics/resource`, and the local handler's `/healthz`, `/pods`,
 * `/metrics`; with the debugging handlers also `/exec`, `/attach` and
 * `/portForward` (src/streaming: the runtime's streaming URL, proxied).
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
import type { Handler } from "../server/mod.ts";
import { createStreamingHandler, type StreamingHandler } from "../streaming/mod.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";
import type { PodPipeline } from "./pod_pipeline.ts";
import type { RuntimeSide } from "./runtime_side.ts";

/**
 * `/exec`, `/attach` and `/portForward` on the pods the status manager
 * knows, with their cached runtime status (the container must be running).
 */
function streamingHandler(deps: AgentDeps, rt: RuntimeSide, pods: PodPipeline): StreamingHandler {
  return createStreamingHandler({
    runtime: rt.runtime,
    findPod: (namespace, name) => {
      const pod = pods.statusManager.pods().find((p) =>
        p.metadata?.namespace === namespace && p.metadata?.name === name
      );
      const uid = pod?.metadata?.uid;
      return pod && uid ? { pod, podStatus: rt.cache.get(uid).status } : undefined;
    },
    clock: deps.clock,
    logger: deps.logger,
    idleTimeoutMs: deps.options.server.streamingConnectionIdleTimeout,
  });
}

/**
 * The kubelet API server loop (none when disabled or standalone). With
 * `sides` and the debugging handlers on, it also serves the streaming
 * endpoints, upgrades included.
 */
export function buildKubeletServer(
  deps: AgentDeps,
  api: ApiClient | undefined,
  nodeIps: readonly string[],
  handler: Handler,
  sides?: { rt: RuntimeSide; pods: PodPipeline },
): AgentLoops {
  const { options, clock, logger } = deps;
  const s = options.server;
  if (!api || !s.enabled) return {};
  const streaming = sides && s.debuggingHandlers
    ? streamingHandler(deps, sides.rt, sides.pods)
    : undefined;
  const served: Handler = streaming
    ? (request) =>
      streaming.handles(new URL(request.url).pathname) ? streaming.serve(request) : handler(request)
    : handler;
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
      const server = await startSecureServer(served, {
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
        streamingIdleTimeoutMs: s.streamingConnectionIdleTimeout,
        upgrade: streaming && { handles: streaming.handles, serve: streaming.upgrade },
        signal,
        logger,
        clock,
      });
      await server.finished;
    },
  };
}
