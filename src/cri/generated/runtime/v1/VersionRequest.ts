// Original file: proto/api.proto


export interface VersionRequest {
  /**
   * API version the agent speaks ("v1").
   */
  'version'?: (string);
}

export interface VersionRequest__Output {
  /**
   * API version the agent speaks ("v1").
   */
  'version': (string);
}
