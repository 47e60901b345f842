// Original file: proto/api.proto


/**
 * The image a container runs or an image request refers to.
 */
export interface ImageSpec {
  /**
   * Image name, id or digest.
   */
  'image'?: (string);
  'annotations'?: ({[key: string]: string});
  /**
   * The reference as the user wrote it in the pod spec.
   */
  'userSpecifiedImage'?: (string);
  'runtimeHandler'?: (string);
  /**
   * Digest of the image, for image volumes.
   */
  'imageRef'?: (string);
}

/**
 * The image a container runs or an image request refers to.
 */
export interface ImageSpec__Output {
  /**
   * Image name, id or digest.
   */
  'image': (string);
  'annotations': ({[key: string]: string});
  /**
   * The reference as the user wrote it in the pod spec.
   */
  'userSpecifiedImage': (string);
  'runtimeHandler': (string);
  /**
   * Digest of the image, for image volumes.
   */
  'imageRef': (string);
}
