// Original file: proto/api.proto

import type { Long } from '@grpc/proto-loader';

export interface HugepageLimit {
  /**
   * "2MB", "1GB", ...
   */
  'pageSize'?: (string);
  'limit'?: (number | string | Long);
}

export interface HugepageLimit__Output {
  /**
   * "2MB", "1GB", ...
   */
  'pageSize': (string);
  'limit': (number);
}
