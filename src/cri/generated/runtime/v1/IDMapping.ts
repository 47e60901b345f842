// Original file: proto/api.proto


/**
 * A range of host ids mapped to container ids.
 */
export interface IDMapping {
  'hostId'?: (number);
  'containerId'?: (number);
  'length'?: (number);
}

/**
 * A range of host ids mapped to container ids.
 */
export interface IDMapping__Output {
  'hostId': (number);
  'containerId': (number);
  'length': (number);
}
