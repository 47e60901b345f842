// Original file: proto/api.proto


export interface Device {
  'containerPath'?: (string);
  'hostPath'?: (string);
  /**
   * Some of "r", "w", "m".
   */
  'permissions'?: (string);
}

export interface Device__Output {
  'containerPath': (string);
  'hostPath': (string);
  /**
   * Some of "r", "w", "m".
   */
  'permissions': (string);
}
