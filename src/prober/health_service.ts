/**
 * The standard gRPC health checking service (`grpc.health.v1.Health`), as
 * grpc-js definitions built with protobufjs (light) from a small inline schema. The
 * gRPC probe is a client of it; tests and fakes serve it.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { ServiceDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs/light";

/** A health answer's status (HealthCheckResponse.ServingStatus). */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

/** HealthCheckRequest: an empty service name asks about the server as a whole. */
export interface HealthCheckRequest {
  service: string;
}

/** HealthCheckResponse. */
export interface HealthCheckResponse {
  status: ServingStatus;
}

/** The method path of Health.Check. */
export const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";

// The schema in this project's words, as protobufjs JSON (so its light build,
// without the .proto parser, reads it): the message, enum and field numbers are
// those of the standard service, so any server that implements it answers.
//   message HealthCheckRequest { string service = 1; }
//   message HealthCheckResponse {
//     enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
//     ServingStatus status = 1;
//   }
//   service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
const HEALTH_SCHEMA = {
  nested: {
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: { type: "string", id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: "ServingStatus", id: 1 } },
                  nested: {
                    ServingStatus: {
                      values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 },
                    },
                  },
                },
                Health: {
                  methods: {
                    Check: {
                      requestType: "HealthCheckRequest",
                      responseType: "HealthCheckResponse",
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

// protobufjs types every method with a `comment`, which JSON may leave out.
const root = protobuf.Root.fromJSON(HEALTH_SCHEMA as unknown as protobuf.INamespace);
const requestType = root.lookupType("grpc.health.v1.HealthCheckRequest");
const responseType = root.lookupType("grpc.health.v1.HealthCheckResponse");
const convert = { enums: String, defaults: true };

/** Encodes a HealthCheckRequest. */
export function serializeHealthCheckRequest(value: HealthCheckRequest): Buffer {
  return Buffer.from(requestType.encode(requestType.fromObject(value)).finish());
}

/** Decodes a HealthCheckRequest. */
export function deserializeHealthCheckRequest(bytes: Uint8Array): HealthCheckRequest {
  return requestType.toObject(requestType.decode(bytes), convert) as HealthCheckRequest;
}

/** Encodes a HealthCheckResponse. */
export function serializeHealthCheckResponse(value: HealthCheckResponse): Buffer {
  return Buffer.from(responseType.encode(responseType.fromObject(value)).finish());
}

/** Decodes a HealthCheckResponse; an unknown enum number decodes as that number's string. */
export function deserializeHealthCheckResponse(bytes: Uint8Array): HealthCheckResponse {
  return responseType.toObject(responseType.decode(bytes), convert) as HealthCheckResponse;
}

/** The Health service for `grpc.Server.addService` and generic clients. */
export const HEALTH_SERVICE_DEFINITION: ServiceDefinition = {
  Check: {
    path: HEALTH_CHECK_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: serializeHealthCheckRequest,
    requestDeserialize: deserializeHealthCheckRequest,
    responseSerialize: serializeHealthCheckResponse,
    responseDeserialize: deserializeHealthCheckResponse,
  },
};
