// Original file: proto/api.proto

export const MountPropagation = {
  /**
   * rprivate
   */
  PROPAGATION_PRIVATE: 'PROPAGATION_PRIVATE',
  /**
   * rslave
   */
  PROPAGATION_HOST_TO_CONTAINER: 'PROPAGATION_HOST_TO_CONTAINER',
  /**
   * rshared
   */
  PROPAGATION_BIDIRECTIONAL: 'PROPAGATION_BIDIRECTIONAL',
} as const;

export type MountPropagation =
  /**
   * rprivate
   */
  | 'PROPAGATION_PRIVATE'
  | 0
  /**
   * rslave
   */
  | 'PROPAGATION_HOST_TO_CONTAINER'
  | 1
  /**
   * rshared
   */
  | 'PROPAGATION_BIDIRECTIONAL'
  | 2

export type MountPropagation__Output = typeof MountPropagation[keyof typeof MountPropagation]
