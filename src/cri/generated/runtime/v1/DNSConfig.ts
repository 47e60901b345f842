// Original file: proto/api.proto


/**
 * Resolver settings written into the sandbox's resolv.conf.
 */
export interface DNSConfig {
  'servers'?: (string)[];
  'searches'?: (string)[];
  'options'?: (string)[];
}

/**
 * Resolver settings written into the sandbox's resolv.conf.
 */
export interface DNSConfig__Output {
  'servers': (string)[];
  'searches': (string)[];
  'options': (string)[];
}
