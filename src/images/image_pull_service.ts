/**
 * What the ImageManager (image_manager.ts) needs of the runtime's images: the part
 * of the kubelet's container.ImageService that EnsureImageExists uses (the
 * ref of an image on the node, its size, and a pull). Runtime-neutral:
 * src/kuberuntime implements it on the CRI ImageService
 * (`criImagePullService`), and tests on a map.
 *
 * @module
 */

/** Inputs of {@linkcode ImagePullService.pullImage} besides the image. */
export interface PullImageRequest<PullContext = unknown> {
  /** The image as the pod spec writes it (before `:latest` was added). */
  userSpecifiedImage: string;
  /**
   * The runtime's own per-pod value, handed through unread (on the CRI: the
   * pod's PodSandboxConfig). @default undefined
   */
  context?: PullContext;
  /** Cancels the pull. */
  signal?: AbortSignal;
}

/**
 * The images of one runtime as the ImageManager sees them.
 * `PullContext` is what the runtime wants with each pull (opaque here).
 */
export interface ImagePullService<PullContext = unknown> {
  /** The ref (id) of `image` on the node; "" when the node does not have it. */
  getImageRef(image: string): Promise<string>;
  /** The size in bytes of the image with this ref; 0 when the runtime does not say. */
  getImageSize(imageRef: string): Promise<number>;
  /** Pulls `image` (tag or digest applied) and resolves to its ref. */
  pullImage(image: string, request: PullImageRequest<PullContext>): Promise<string>;
}
