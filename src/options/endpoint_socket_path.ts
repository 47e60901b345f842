/**
 * CRI endpoints as the kubelet writes them (`unix:///run/containerd/containerd.sock`),
 * plus denolet's `embedded` for the in-process fake runtime.
 *
 * @module
 */

/** The endpoint value that selects the in-process fake runtime (the demo). */
export const EMBEDDED_ENDPOINT = "embedded";

/** File name of the embedded runtime's socket, inside the root dir. */
export const EMBEDDED_SOCKET_NAME = "embedded-cri.sock";

/**
 * The Unix socket path of a CRI endpoint (`unix:///run/x.sock` → `/run/x.sock`),
 * or undefined for `embedded`.
 *
 * @throws {TypeError} for any other endpoint: tcp://, npipe://, a bare path, or a
 * relative socket path.
 */
export function endpointSocketPath(endpoint: string): string | undefined {
  if (endpoint === EMBEDDED_ENDPOINT) return undefined;
  if (!endpoint.startsWith("unix://")) {
    throw new TypeError(`only unix:// endpoints (or "${EMBEDDED_ENDPOINT}") are supported`);
  }
  const path = endpoint.slice("unix://".length);
  if (!path.startsWith("/")) {
    throw new TypeError("the socket path must be absolute (unix:///path/to.sock)");
  }
  return path;
}
