/**
 * The options proto-loader converts CRI messages with, in one place: the
 * client and the fake runtime decode with them (package_definition.ts), and
 * scripts/gen_proto.ts hands the same options to `proto-loader-gen-types`, so
 * the generated types in src/cri/generated/ describe what decoding produces.
 *
 * @module
 */

import type { Options } from "@grpc/proto-loader";

/**
 * camelCase field names, 64-bit integers as numbers, enums as value names,
 * every default filled in (nested messages absent on the wire become
 * `null`), and `bytes` as Buffer (a `Uint8Array`).
 */
export const CRI_LOADER_OPTIONS: Readonly<Options> = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};
