// Original file: proto/api.proto

import type { Long } from '@grpc/proto-loader';

export interface CheckpointContainerRequest {
  'containerId'?: (string);
  /**
   * Path of the archive to write.
   */
  'location'?: (string);
  /**
   * Seconds; 0 uses the runtime's default.
   */
  'timeout'?: (number | string | Long);
}

export interface CheckpointContainerRequest__Output {
  'containerId': (string);
  /**
   * Path of the archive to write.
   */
  'location': (string);
  /**
   * Seconds; 0 uses the runtime's default.
   */
  'timeout': (number);
}
