/**
 * The CRI `runtime.v1` services as grpc-js definitions, built from the
 * descriptor that scripts/gen_proto.ts generates from proto/api.proto.
 *
 * The descriptor is imported as a JSON module, so nothing is read from disk
 * at run time, and it is turned into message types by protobufjs's light
 * build (no `.proto` parser). The grpc-js definitions are made here, as
 * `@grpc/proto-loader`'s `fromJSON` makes them, minus the reflection
 * descriptors it adds to every method and message (a DescriptorProto per
 * type and the encoded file descriptors): grpc-js never reads them, and
 * building them cost ≈ 8 MiB of the agent's resident set at start.
 *
 * Messages decode with camelCase names, 64-bit integers as numbers, enums
 * as value names and every default filled in (nested messages absent on the
 * wire become `null`): `CRI_LOADER_OPTIONS` (loader_options.ts), which the
 * generated types in src/cri/generated/ describe. The same definitions
 * serve the client and the fake runtime server.
 *
 * @module
 */

import type { ServiceDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs/light";
import descriptor from "./runtime_v1_descriptor.json" with { type: "json" };
import type { ImageServiceDefinition } from "./generated/runtime/v1/ImageService.ts";
import type { RuntimeServiceDefinition } from "./generated/runtime/v1/RuntimeService.ts";
import { CRI_LOADER_OPTIONS } from "./loader_options.ts";

/** Full name of the runtime service. */
export const RUNTIME_SERVICE_NAME = "runtime.v1.RuntimeService";
/** Full name of the image service. */
export const IMAGE_SERVICE_NAME = "runtime.v1.ImageService";

/** One CRI message type: its encoder and its decoder (with `CRI_LOADER_OPTIONS`). */
export interface CriMessageDefinition<T = unknown, O = unknown> {
  serialize(value: T): Uint8Array;
  deserialize(bytes: Uint8Array): O;
}

// The JSON module's inferred type is narrower than protobufjs's INamespace.
const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);
root.resolveAll();

function serializer(type: protobuf.Type): (value: unknown) => Uint8Array {
  return (value) => {
    if (Array.isArray(value)) {
      throw new TypeError(
        `Failed to serialize message: expected object with ${type.name} structure, got array instead`,
      );
    }
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
  };
}

function deserializer(type: protobuf.Type): (bytes: Uint8Array) => unknown {
  return (bytes) => type.toObject(type.decode(bytes), CRI_LOADER_OPTIONS);
}

/** `name` with its first letter lower-cased, as grpc-js names a method's handler. */
function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * The message type `runtime.v1.<name>` (e.g. "PodSandboxConfig").
 * @throws {TypeError} when the descriptor has no such message.
 */
export function criMessageDefinition<T = unknown, O = unknown>(
  name: string,
): CriMessageDefinition<T, O> {
  let type: protobuf.Type;
  try {
    type = root.lookupType(name.includes(".") ? name : `runtime.v1.${name}`);
  } catch {
    throw new TypeError(`Cannot find message '${name}' in the CRI descriptor`);
  }
  return {
    serialize: serializer(type) as (value: T) => Uint8Array,
    deserialize: deserializer(type) as (bytes: Uint8Array) => O,
  };
}

function serviceDefinition<T>(name: string): T & ServiceDefinition {
  let service: protobuf.Service;
  try {
    service = root.lookupService(name);
  } catch {
    throw new TypeError(`Cannot find service '${name}' in the CRI descriptor`);
  }
  const def: Record<string, unknown> = {};
  for (const method of service.methodsArray) {
    // resolveAll() above resolved every request and response type.
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    def[method.name] = {
      path: `/${name}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      originalName: lowerFirst(method.name),
    };
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
