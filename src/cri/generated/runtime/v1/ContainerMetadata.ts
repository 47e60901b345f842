// Original file: proto/api.proto


/**
 * Identity of a container inside its sandbox: (name, attempt) is unique.
 */
export interface ContainerMetadata {
  'name'?: (string);
  'attempt'?: (number);
}

/**
 * Identity of a container inside its sandbox: (name, attempt) is unique.
 */
export interface ContainerMetadata__Output {
  'name': (string);
  'attempt': (number);
}
