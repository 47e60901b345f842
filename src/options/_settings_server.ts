/**
 * The settings of the help group Kubelet API server: the secure server on
 * port 10250 that the API server's proxy (`kubectl logs`, `kubectl top`,
 * `kubectl get --raw /api/v1/nodes/<n>/proxy/...`) calls, its TLS and its
 * authentication and authorization (the KubeletConfiguration `authentication`
 * and `authorization` blocks).
 *
 * @module
 */

import type { Setting } from "./_setting.ts";

const GROUP = "Kubelet API server (with --kubeconfig)" as const;

/** Kubelet API server settings, in help order. */
export const SERVER_SETTINGS: readonly Setting[] = [
  {
    key: "enableServer",
    field: "enableServer",
    kind: "bool",
    group: GROUP,
    helpDefault: "true",
    help: "Serve the kubelet API on --address:--port (only with --kubeconfig: it asks the API " +
      "server who a caller is and what it may do).",
  },
  {
    key: "port",
    flag: "port",
    field: "port",
    kind: "int",
    group: GROUP,
    help: "Port of the kubelet API (HTTPS).",
  },
  {
    key: "tlsCertFile",
    flag: "tls-cert-file",
    field: "tlsCertFile",
    kind: "path",
    group: GROUP,
    placeholder: "file",
    helpDefault: "a self-signed certificate kept under <root-dir>/pki",
    help: "Serving certificate of the kubelet API (PEM).",
  },
  {
    key: "tlsPrivateKeyFile",
    flag: "tls-private-key-file",
    field: "tlsPrivateKeyFile",
    kind: "path",
    group: GROUP,
    placeholder: "file",
    helpDefault: "with the self-signed certificate",
    help: "Private key of --tls-cert-file (PEM).",
  },
  {
    key: "tlsMinVersion",
    flag: "tls-min-version",
    field: "tlsMinVersion",
    kind: "string",
    group: GROUP,
    placeholder: "VersionTLS12|VersionTLS13",
    helpDefault: "VersionTLS12",
    help: "Lowest TLS version the kubelet API accepts.",
  },
  {
    key: "tlsCipherSuites",
    flag: "tls-cipher-suites",
    field: "tlsCipherSuites",
    kind: "strings",
    group: GROUP,
    placeholder: "name[,name]",
    helpDefault: "the suites Deno's TLS offers",
    help: "TLS 1.2 cipher suites, by their Go names; Deno cannot limit TLS to a list, so one " +
      "is accepted only when it holds the suites always offered for the key (or with TLS 1.3).",
  },
  {
    key: "clientCAFile",
    flag: "client-ca-file",
    field: "authentication.x509.clientCAFile",
    kind: "path",
    group: GROUP,
    placeholder: "file",
    helpDefault: "none: no client certificate is accepted",
    help: "CA bundle that signs client certificates (user = CN, groups = O).",
  },
  {
    key: "authenticationTokenWebhook",
    flag: "authentication-token-webhook",
    field: "authentication.webhook.enabled",
    kind: "bool",
    group: GROUP,
    helpDefault: "true",
    help: "Authenticate bearer tokens with the API server's TokenReview.",
  },
  {
    key: "authenticationTokenWebhookCacheTTL",
    flag: "authentication-token-webhook-cache-ttl",
    field: "authentication.webhook.cacheTTL",
    kind: "duration",
    group: GROUP,
    help: "How long TokenReview answers are cached.",
  },
  {
    key: "anonymousAuth",
    flag: "anonymous-auth",
    field: "authentication.anonymous.enabled",
    kind: "bool",
    group: GROUP,
    helpDefault: "false",
    help: "Let requests without credentials in as system:anonymous (then authorized like others).",
  },
  {
    key: "authorizationMode",
    flag: "authorization-mode",
    field: "authorization.mode",
    kind: "string",
    group: GROUP,
    placeholder: "Webhook|AlwaysAllow",
    help: "Webhook asks the API server's SubjectAccessReview; AlwaysAllow lets every " +
      "authenticated caller in.",
  },
  {
    key: "authorizationWebhookCacheAuthorizedTTL",
    flag: "authorization-webhook-cache-authorized-ttl",
    field: "authorization.webhook.cacheAuthorizedTTL",
    kind: "duration",
    group: GROUP,
    help: "How long an allowed SubjectAccessReview is cached.",
  },
  {
    key: "authorizationWebhookCacheUnauthorizedTTL",
    flag: "authorization-webhook-cache-unauthorized-ttl",
    field: "authorization.webhook.cacheUnauthorizedTTL",
    kind: "duration",
    group: GROUP,
    help: "How long a denied SubjectAccessReview is cached.",
  },
  {
    key: "streamingConnectionIdleTimeout",
    flag: "streaming-connection-idle-timeout",
    field: "streamingConnectionIdleTimeout",
    kind: "duration",
    group: GROUP,
    help: "Most time a streaming connection (logs -f, exec, attach, port-forward) may go " +
      "without traffic before it is closed; 0 means no limit. The read-only port's " +
      "debugging handlers use it too.",
  },
  {
    key: "enableDebuggingHandlers",
    flag: "enable-debugging-handlers",
    field: "enableDebuggingHandlers",
    kind: "bool",
    group: GROUP,
    helpDefault: "true",
    help: "Serve /containerLogs, /run, /exec, /attach, /portForward and /configz; when false " +
      'they answer 405 "Debug endpoints are disabled." (so does /logs/).',
  },
  {
    key: "enableSystemLogHandler",
    field: "enableSystemLogHandler",
    kind: "bool",
    group: GROUP,
    helpDefault: "false; the kubelet's is true",
    help: "Serve the node's log dir /var/log under /logs/ (listing and " +
      "download, nothing outside it); needs enableDebuggingHandlers.",
  },
  {
    key: "localDebuggingHandlers",
    flag: "local-debugging-handlers",
    field: "localDebuggingHandlers",
    kind: "bool",
    group: "Local server",
    helpDefault: "false",
    help: "denolet only: serve /containerLogs, /run, /configz, /stats/summary and " +
      "/metrics/resource (and /logs/ with enableSystemLogHandler) on the read-only port too, " +
      "for `denolet pods|logs|exec`; it has no authentication, so --address must be " +
      "127.0.0.1 or ::1.",
  },
];

/** Keys of the `authentication` and `authorization` blocks denolet knows, as dotted paths. */
export const AUTH_BLOCK_FIELDS: ReadonlySet<string> = new Set([
  "authentication.x509.clientCAFile",
  "authentication.webhook.enabled",
  "authentication.webhook.cacheTTL",
  "authentication.anonymous.enabled",
  "authorization.mode",
  "authorization.webhook.cacheAuthorizedTTL",
  "authorization.webhook.cacheUnauthorizedTTL",
]);
