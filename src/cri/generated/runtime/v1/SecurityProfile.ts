// Original file: proto/api.proto


// Original file: proto/api.proto

export const _runtime_v1_SecurityProfile_ProfileType = {
  RuntimeDefault: 'RuntimeDefault',
  Unconfined: 'Unconfined',
  Localhost: 'Localhost',
} as const;

export type _runtime_v1_SecurityProfile_ProfileType =
  | 'RuntimeDefault'
  | 0
  | 'Unconfined'
  | 1
  | 'Localhost'
  | 2

export type _runtime_v1_SecurityProfile_ProfileType__Output = typeof _runtime_v1_SecurityProfile_ProfileType[keyof typeof _runtime_v1_SecurityProfile_ProfileType]

/**
 * A seccomp or AppArmor profile.
 */
export interface SecurityProfile {
  'profileType'?: (_runtime_v1_SecurityProfile_ProfileType);
  /**
   * Profile path (seccomp) or name (AppArmor) when profile_type is Localhost.
   */
  'localhostRef'?: (string);
}

/**
 * A seccomp or AppArmor profile.
 */
export interface SecurityProfile__Output {
  'profileType': (_runtime_v1_SecurityProfile_ProfileType__Output);
  /**
   * Profile path (seccomp) or name (AppArmor) when profile_type is Localhost.
   */
  'localhostRef': (string);
}
