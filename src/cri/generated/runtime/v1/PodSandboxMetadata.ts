// Original file: proto/api.proto


/**
 * Identity of a sandbox: the pod's name, uid and namespace, and the attempt.
 */
export interface PodSandboxMetadata {
  'name'?: (string);
  'uid'?: (string);
  'namespace'?: (string);
  'attempt'?: (number);
}

/**
 * Identity of a sandbox: the pod's name, uid and namespace, and the attempt.
 */
export interface PodSandboxMetadata__Output {
  'name': (string);
  'uid': (string);
  'namespace': (string);
  'attempt': (number);
}
