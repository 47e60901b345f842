// Original file: proto/api.proto


export interface MetricDescriptor {
  /**
   * Unique; Metric.name refers to it.
   */
  'name'?: (string);
  'help'?: (string);
  'labelKeys'?: (string)[];
}

export interface MetricDescriptor__Output {
  /**
   * Unique; Metric.name refers to it.
   */
  'name': (string);
  'help': (string);
  'labelKeys': (string)[];
}
