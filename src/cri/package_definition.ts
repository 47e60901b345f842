/**
 * The CRI `runtime.v1` services as grpc-js definitions, built from the
 * descriptor that scripts/gen_proto.ts generates from proto/api.proto.
 *
 * The descriptor is imported as a JSON module, so nothing is read from disk
 * at run time. Messages decode with camelCase names, 64-bit integers as
 * numbers, enums as value names and every default filled in (nested messages
 * absent on the wire become `null`): `CRI_LOADER_OPTIONS` (loader_options.ts),
 * which the generated types in src/cri/generated/ describe. The same
 * definitions serve the client and the fake runtime server.
 *
 * @module
 */

import type { ServiceDefinition } from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import descriptor from "./runtime_v1_descriptor.json" with { type: "json" };
import type { ImageServiceDefinition } from "./generated/runtime/v1/ImageService.ts";
import type { RuntimeServiceDefinition } from "./generated/runtime/v1/RuntimeService.ts";
import { CRI_LOADER_OPTIONS } from "./loader_options.ts";

/** Full name of the runtime service. */
export const RUNTIME_SERVICE_NAME = "runtime.v1.RuntimeService";
/** Full name of the image service. */
export const IMAGE_SERVICE_NAME = "runtime.v1.ImageService";

/** proto-loader's package definition of `runtime.v1`. */
export const criPackageDefinition: protoLoader.PackageDefinition = protoLoader.fromJSON(
  // The JSON module's inferred type is narrower than protobufjs's INamespace.
  descriptor as unknown as Parameters<typeof protoLoader.fromJSON>[0],
  CRI_LOADER_OPTIONS,
);

function serviceDefinition<T>(name: string): T & ServiceDefinition {
  const def = criPackageDefinition[name];
  if (def === undefined || "format" in def || !("Version" in def || "ListImages" in def)) {
    throw new TypeError(`Cannot find service '${name}' in the CRI descriptor`);
  }
  return def as unknown as T & ServiceDefinition;
}

/** grpc-js definition of `runtime.v1.RuntimeService` (for clients and servers). */
export const runtimeServiceDefinition: RuntimeServiceDefinition & ServiceDefinition =
  serviceDefinition<RuntimeServiceDefinition>(RUNTIME_SERVICE_NAME);
/** grpc-js definition of `runtime.v1.ImageService` (for clients and servers). */
export const imageServiceDefinition: ImageServiceDefinition & ServiceDefinition = serviceDefinition<
  ImageServiceDefinition
>(IMAGE_SERVICE_NAME);
