// Original file: proto/api.proto

import type { PodSandboxStatus as _runtime_v1_PodSandboxStatus, PodSandboxStatus__Output as _runtime_v1_PodSandboxStatus__Output } from '../../runtime/v1/PodSandboxStatus.ts';
import type { ContainerStatus as _runtime_v1_ContainerStatus, ContainerStatus__Output as _runtime_v1_ContainerStatus__Output } from '../../runtime/v1/ContainerStatus.ts';
import type { Long } from '@grpc/proto-loader';

export interface PodSandboxStatusResponse {
  'status'?: (_runtime_v1_PodSandboxStatus | null);
  /**
   * Debug information (JSON values), only when verbose.
   */
  'info'?: ({[key: string]: string});
  /**
   * Filled by runtimes that support evented PLEG.
   */
  'containersStatuses'?: (_runtime_v1_ContainerStatus)[];
  /**
   * Nanoseconds since the epoch when the statuses were taken.
   */
  'timestamp'?: (number | string | Long);
}

export interface PodSandboxStatusResponse__Output {
  'status': (_runtime_v1_PodSandboxStatus__Output | null);
  /**
   * Debug information (JSON values), only when verbose.
   */
  'info': ({[key: string]: string});
  /**
   * Filled by runtimes that support evented PLEG.
   */
  'containersStatuses': (_runtime_v1_ContainerStatus__Output)[];
  /**
   * Nanoseconds since the epoch when the statuses were taken.
   */
  'timestamp': (number);
}
