// Original file: proto/api.proto


/**
 * A runtime condition; RuntimeReady and NetworkReady are required for a ready node.
 */
export interface RuntimeCondition {
  'type'?: (string);
  'status'?: (boolean);
  'reason'?: (string);
  'message'?: (string);
}

/**
 * A runtime condition; RuntimeReady and NetworkReady are required for a ready node.
 */
export interface RuntimeCondition__Output {
  'type': (string);
  'status': (boolean);
  'reason': (string);
  'message': (string);
}
