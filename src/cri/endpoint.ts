/**
 * Parsing of `--container-runtime-endpoint` / `--image-service-endpoint`
 * values, the way the kubelet does it on Linux: only Unix sockets.
 *
 * @module
 */

/** A parsed CRI endpoint. */
export interface CriEndpoint {
  /** Absolute path of the Unix socket. */
  path: string;
  /** The grpc-js target for the socket (`unix:///path`). */
  target: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s;

/**
 * Parses a CRI endpoint. Accepts `unix:///abs/path.sock` (also `unix:/abs`)
 * and, like the kubelet, a bare path, which is retried as `unix://`.
 *
 * @throws {TypeError} for an empty endpoint, a scheme other than `unix`
 *   ("only unix socket endpoints are supported: got 'tcp://...'") or a path
 *   that is not absolute.
 */
export function parseEndpoint(endpoint: string): CriEndpoint {
  const text = endpoint.trim();
  if (text === "") throw new TypeError("Cannot parse CRI endpoint: it is empty");
  const match = SCHEME.exec(text);
  let rest: string;
  if (match === null) {
    rest = text;
  } else {
    if (match[1].toLowerCase() !== "unix") {
      throw new TypeError(`only unix socket endpoints are supported: got '${endpoint}'`);
    }
    rest = match[2].startsWith("//") ? match[2].slice(2) : match[2];
  }
  if (!rest.startsWith("/")) {
    throw new TypeError(
      `Cannot parse CRI endpoint '${endpoint}': the socket path must be absolute`,
    );
  }
  if (rest.includes("?") || rest.includes("#")) {
    throw new TypeError(
      `Cannot parse CRI endpoint '${endpoint}': queries and fragments are not supported`,
    );
  }
  const path = rest.replace(/\/{2,}/g, "/");
  return { path, target: `unix://${path}` };
}
