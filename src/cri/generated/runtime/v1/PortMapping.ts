// Original file: proto/api.proto

import type { Protocol as _runtime_v1_Protocol, Protocol__Output as _runtime_v1_Protocol__Output } from '../../runtime/v1/Protocol.ts';

/**
 * A host port forwarded to a sandbox port.
 */
export interface PortMapping {
  'protocol'?: (_runtime_v1_Protocol);
  'containerPort'?: (number);
  /**
   * 0 means no host port.
   */
  'hostPort'?: (number);
  'hostIp'?: (string);
}

/**
 * A host port forwarded to a sandbox port.
 */
export interface PortMapping__Output {
  'protocol': (_runtime_v1_Protocol__Output);
  'containerPort': (number);
  /**
   * 0 means no host port.
   */
  'hostPort': (number);
  'hostIp': (string);
}
