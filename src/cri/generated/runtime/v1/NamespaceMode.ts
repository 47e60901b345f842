// Original file: proto/api.proto

/**
 * Which namespace a sandbox or container joins.
 */
export const NamespaceMode = {
  /**
   * Shared by the containers of the pod.
   */
  POD: 'POD',
  /**
   * Private to one container.
   */
  CONTAINER: 'CONTAINER',
  /**
   * The node's own namespace.
   */
  NODE: 'NODE',
  /**
   * The namespace of the container named by target_id.
   */
  TARGET: 'TARGET',
} as const;

/**
 * Which namespace a sandbox or container joins.
 */
export type NamespaceMode =
  /**
   * Shared by the containers of the pod.
   */
  | 'POD'
  | 0
  /**
   * Private to one container.
   */
  | 'CONTAINER'
  | 1
  /**
   * The node's own namespace.
   */
  | 'NODE'
  | 2
  /**
   * The namespace of the container named by target_id.
   */
  | 'TARGET'
  | 3

/**
 * Which namespace a sandbox or container joins.
 */
export type NamespaceMode__Output = typeof NamespaceMode[keyof typeof NamespaceMode]
