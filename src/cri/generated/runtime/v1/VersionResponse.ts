// Original file: proto/api.proto


export interface VersionResponse {
  /**
   * Version of the runtime API ("0.1.0").
   */
  'version'?: (string);
  /**
   * Runtime name, e.g. "containerd".
   */
  'runtimeName'?: (string);
  /**
   * Runtime version (semver).
   */
  'runtimeVersion'?: (string);
  /**
   * API version the runtime speaks ("v1").
   */
  'runtimeApiVersion'?: (string);
}

export interface VersionResponse__Output {
  /**
   * Version of the runtime API ("0.1.0").
   */
  'version': (string);
  /**
   * Runtime name, e.g. "containerd".
   */
  'runtimeName': (string);
  /**
   * Runtime version (semver).
   */
  'runtimeVersion': (string);
  /**
   * API version the runtime speaks ("v1").
   */
  'runtimeApiVersion': (string);
}
