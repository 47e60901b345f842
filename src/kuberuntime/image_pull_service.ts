/**
 * The image manager's {@linkcode ImagePullService} on the CRI ImageService:
 * the ref of an image is its ImageStatus id, its size the ImageStatus size,
 * and a pull carries the pod's PodSandboxConfig as its context.
 *
 * @module
 */

import type { ImageService } from "../cri/service.ts";
import type { PodSandboxConfig } from "../cri/types.ts";
import type { ImagePullService } from "../images/image_pull_service.ts";

/**
 * Adapts a CRI ImageService for the image manager. Requires the CRI socket
 * permissions of `images`.
 */
export function criImagePullService(
  images: Pick<ImageService, "imageStatus" | "pullImage">,
): ImagePullService<PodSandboxConfig> {
  return {
    async getImageRef(image) {
      return (await images.imageStatus({ image }))?.image?.id ?? "";
    },
    async getImageSize(imageRef) {
      return (await images.imageStatus({ image: imageRef }))?.image?.size ?? 0;
    },
    pullImage(image, request) {
      return images.pullImage({ image, userSpecifiedImage: request.userSpecifiedImage }, {
        sandboxConfig: request.context,
        signal: request.signal,
      });
    },
  };
}
