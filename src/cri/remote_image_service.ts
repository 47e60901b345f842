/**
 * {@linkcode ImageService} over gRPC on a Unix socket: the kubelet's remote
 * image client (k8s.io/cri-client) for Deno.
 *
 * @module
 */

import { CriChannel } from "./_cri_channel.ts";
import { CriError, criErrorFrom, GrpcCode, InvalidResponseError } from "./errors.ts";
import type { CriClientOptions } from "./operations.ts";
import { imageServiceDefinition } from "./package_definition.ts";
import type { ImageService, PullImageOptions } from "./service.ts";
import type {
  Image,
  ImageFilter,
  ImageFsInfoResponse,
  ImageServiceMethod,
  ImageSpec,
  ImageStatusResponse,
} from "./types.ts";

/**
 * A PullImage failure with code Unknown keeps only the runtime's message, so
 * callers can match registry errors by text, as the kubelet does.
 */
function pullImageError(err: unknown): unknown {
  const mapped = criErrorFrom(err, "PullImage");
  if (mapped.code !== GrpcCode.UNKNOWN || !mapped.details) return mapped;
  return new CriError(GrpcCode.UNKNOWN, mapped.details, {
    method: "PullImage",
    details: mapped.details,
    cause: err,
  });
}

/**
 * The CRI image service of a container runtime reached over a Unix socket.
 *
 * Dialing the socket needs `--allow-net=unix:<path>`, `--allow-read=<path>`,
 * `--allow-write=<path>` and `--allow-env` for the names in
 * `GRPC_ENV_VARS` (permissions_env.ts).
 */
export class RemoteImageService implements ImageService {
  #channel: CriChannel<ImageServiceMethod>;

  /**
   * Creates the client; it connects on the first call.
   * @throws {TypeError} when the endpoint is not a Unix socket path.
   * @throws {RangeError} when `options.runtimeRequestTimeoutMs` is not positive.
   */
  constructor(endpoint: string, options: CriClientOptions) {
    this.#channel = new CriChannel(endpoint, imageServiceDefinition, options);
  }

  async listImages(filter?: ImageFilter): Promise<Image[]> {
    const response = await this.#channel.call("ListImages", { filter });
    return response.images;
  }

  async imageStatus(image: ImageSpec, verbose = false): Promise<ImageStatusResponse> {
    const response = await this.#channel.call("ImageStatus", { image, verbose });
    if (response.image !== null) {
      const field = !response.image.id ? "image.id" : !response.image.size ? "image.size" : "";
      if (field) {
        throw new InvalidResponseError(
          `ImageStatus returned an incomplete image '${image.image}': field '${field}' is not set`,
          field,
          { method: "ImageStatus" },
        );
      }
    }
    return response;
  }

  async pullImage(image: ImageSpec, options: PullImageOptions = {}): Promise<string> {
    const response = await this.#channel.call("PullImage", {
      image,
      auth: options.auth,
      sandboxConfig: options.sandboxConfig,
    }, { signal: options.signal, mapError: pullImageError });
    if (!response.imageRef) {
      throw new InvalidResponseError(
        `PullImage returned no image reference for '${image.image}': field 'imageRef' is not set`,
        "imageRef",
        { method: "PullImage" },
      );
    }
    return response.imageRef;
  }

  async removeImage(image: ImageSpec): Promise<void> {
    await this.#channel.call("RemoveImage", { image });
  }

  imageFsInfo(): Promise<ImageFsInfoResponse> {
    return this.#channel.call("ImageFsInfo", {});
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.#channel.close();
  }

  /** Same as {@linkcode RemoteImageService.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
