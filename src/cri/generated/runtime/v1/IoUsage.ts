// Original file: proto/api.proto

import type { Long } from '@grpc/proto-loader';

export interface IoUsage {
  'timestamp'?: (number | string | Long);
}

export interface IoUsage__Output {
  'timestamp': (number);
}
