/**
 * Connecting to a container runtime the way the kubelet does at start-up:
 * dial, ask Version, refuse a runtime that speaks another CRI version.
 *
 * @module
 */

import { VersionNotSupportedError } from "./errors.ts";
import { RemoteImageService } from "./remote_image_service.ts";
import type { CriClientOptions } from "./operations.ts";
import { KUBE_RUNTIME_API_VERSION, RemoteRuntimeService } from "./remote_runtime_service.ts";
import type { VersionResponse } from "./types.ts";

/** The CRI API generation the agent speaks (`runtimeApiVersion`). */
export const CRI_API_VERSION = "v1";

/** Options of {@linkcode connectRuntime}. */
export interface ConnectRuntimeOptions extends CriClientOptions {
  /**
   * Endpoint of the image service, when it is not the runtime's socket
   * (the kubelet's `--image-service-endpoint`).
   * @default {the runtime endpoint}
   */
  imageServiceEndpoint?: string;
}

/** An open connection to a runtime's two CRI services. */
export interface CriConnection {
  /** The runtime service. */
  runtime: RemoteRuntimeService;
  /** The image service (on the image endpoint when one was given). */
  image: RemoteImageService;
  /** What the runtime answered to Version. */
  version: VersionResponse;
  /** Closes both services' connections. */
  close(): void;
}

/**
 * Checks that the runtime speaks the CRI version the agent needs: version
 * `0.1.0` of runtime API `v1`.
 *
 * @throws {VersionNotSupportedError} naming what the runtime speaks.
 */
export function checkRuntimeVersion(version: VersionResponse): void {
  if (
    version.version === KUBE_RUNTIME_API_VERSION && version.runtimeApiVersion === CRI_API_VERSION
  ) {
    return;
  }
  throw new VersionNotSupportedError(
    `Container runtime ${version.runtimeName} ${version.runtimeVersion} speaks CRI version ` +
      `'${version.version}' with runtime API '${version.runtimeApiVersion}'; denolet needs ` +
      `version '${KUBE_RUNTIME_API_VERSION}' with runtime API '${CRI_API_VERSION}'`,
    { method: "Version" },
  );
}

/**
 * Opens the runtime and image services at `endpoint`, calls Version and
 * checks it with {@linkcode checkRuntimeVersion}. Both connections are closed
 * again when the check fails.
 *
 * Needs `--allow-net=unix:<path>`, `--allow-read=<path>` and
 * `--allow-write=<path>` for each socket, and `--allow-env` for
 * `GRPC_ENV_VARS`.
 *
 * @throws {TypeError} for an endpoint that is not a Unix socket path.
 * @throws {CriError} when the runtime does not answer (`UnavailableError`,
 *   `DeadlineExceededError`), answers an incomplete version
 *   (`InvalidResponseError`) or speaks another version
 *   (`VersionNotSupportedError`).
 */
export async function connectRuntime(
  endpoint: string,
  options: ConnectRuntimeOptions,
): Promise<CriConnection> {
  const { imageServiceEndpoint, ...clientOptions } = options;
  const runtime = new RemoteRuntimeService(endpoint, clientOptions);
  let image: RemoteImageService;
  try {
    image = new RemoteImageService(imageServiceEndpoint || endpoint, clientOptions);
  } catch (err) {
    runtime.close();
    throw err;
  }
  const close = () => {
    runtime.close();
    image.close();
  };
  try {
    const version = await runtime.version(KUBE_RUNTIME_API_VERSION);
    checkRuntimeVersion(version);
    return { runtime, image, version, close };
  } catch (err) {
    close();
    throw err;
  }
}
