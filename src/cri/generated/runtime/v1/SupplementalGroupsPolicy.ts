// Original file: proto/api.proto

export const SupplementalGroupsPolicy = {
  /**
   * Merge with the groups of the image's user.
   */
  Merge: 'Merge',
  /**
   * Use only the groups given.
   */
  Strict: 'Strict',
} as const;

export type SupplementalGroupsPolicy =
  /**
   * Merge with the groups of the image's user.
   */
  | 'Merge'
  | 0
  /**
   * Use only the groups given.
   */
  | 'Strict'
  | 1

export type SupplementalGroupsPolicy__Output = typeof SupplementalGroupsPolicy[keyof typeof SupplementalGroupsPolicy]
