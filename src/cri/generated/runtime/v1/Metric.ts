// Original file: proto/api.proto

import type { MetricType as _runtime_v1_MetricType, MetricType__Output as _runtime_v1_MetricType__Output } from '../../runtime/v1/MetricType.ts';
import type { UInt64Value as _runtime_v1_UInt64Value, UInt64Value__Output as _runtime_v1_UInt64Value__Output } from '../../runtime/v1/UInt64Value.ts';
import type { Long } from '@grpc/proto-loader';

export interface Metric {
  'name'?: (string);
  /**
   * Nanoseconds since the epoch when cached; 0 when gathered live.
   */
  'timestamp'?: (number | string | Long);
  'metricType'?: (_runtime_v1_MetricType);
  /**
   * In the order of the descriptor's label_keys.
   */
  'labelValues'?: (string)[];
  'value'?: (_runtime_v1_UInt64Value | null);
}

export interface Metric__Output {
  'name': (string);
  /**
   * Nanoseconds since the epoch when cached; 0 when gathered live.
   */
  'timestamp': (number);
  'metricType': (_runtime_v1_MetricType__Output);
  /**
   * In the order of the descriptor's label_keys.
   */
  'labelValues': (string)[];
  'value': (_runtime_v1_UInt64Value__Output | null);
}
