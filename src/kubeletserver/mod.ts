/**
 * The kubelet's secure server on port 10250: the serving certificate, the
 * authentication and authorization of the KubeletConfiguration
 * `authentication` and `authorization` blocks, and the HTTPS server that
 * puts them in front of a handler.
 *
 * ```ts
 * const serving = await loadServingCert({ certDir: `${rootDir}/pki`, hostname, ips, clock });
 * const clientCa = clientCAFile ? await readClientCaFile(clientCAFile) : undefined;
 * const authn = createAuthenticator({ clientCa, webhookEnabled: true, client, clock });
 * const authz = createAuthorizer({ mode: "Webhook", nodeName, client, clock });
 * await startSecureServer(handler, { port: 10250, cert: serving.cert, key: serving.key,
 *   clientCa, authn, authz, signal, logger });
 * ```
 *
 * @module
 */

export * from "./authn.ts";
export * from "./authz.ts";
export * from "./request_attributes.ts";
export * from "./secure_server.ts";
export * from "./serving_cert.ts";
export * from "./tls_settings.ts";
