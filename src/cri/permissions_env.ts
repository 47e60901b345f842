/**
 * Environment variables the CRI client's gRPC library reads, so the agent
 * can be granted exactly these with `--allow-env=NAME,...`.
 *
 * Found by reading @grpc/grpc-js 1.14.7 (`process.env` in build/src): all of
 * these are read when the library loads or when it sets up logging.
 * @grpc/proto-loader, protobufjs and long read none.
 *
 * @module
 */

/**
 * Read by @grpc/grpc-js whatever the target (logging, tracing, resolver,
 * outlier detection, error details, TLS defaults).
 */
export const GRPC_ENV_VARS: readonly string[] = [
  "GRPC_NODE_VERBOSITY",
  "GRPC_VERBOSITY",
  "GRPC_NODE_TRACE",
  "GRPC_TRACE",
  "GRPC_NODE_USE_ALTERNATIVE_RESOLVER",
  "GRPC_NODE_DEBUG_SEND_ERROR_DETAILS",
  "GRPC_EXPERIMENTAL_ENABLE_OUTLIER_DETECTION",
  "GRPC_SSL_CIPHER_SUITES",
  "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
];

/**
 * Proxy settings @grpc/grpc-js reads only for TCP targets. The CRI client
 * dials Unix sockets and disables proxies, so it never needs these.
 */
export const GRPC_PROXY_ENV_VARS: readonly string[] = [
  "grpc_proxy",
  "https_proxy",
  "http_proxy",
  "no_grpc_proxy",
  "no_proxy",
];
