// Original file: proto/api.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A uint64 that can be absent.
 */
export interface UInt64Value {
  'value'?: (number | string | Long);
}

/**
 * A uint64 that can be absent.
 */
export interface UInt64Value__Output {
  'value': (number);
}
