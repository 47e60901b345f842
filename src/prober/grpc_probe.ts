/**
 * gRPC probes (kubelet's pkg/probe/grpc): one `grpc.health.v1.Health/Check`
 * call to host:port over plaintext HTTP/2; healthy when the answer is SERVING.
 *
 * A fresh channel is used for every probe and closed after it, with proxies
 * off. Unlike the kubelet, which keeps dialing until the timeout, a refused
 * connection fails at once.
 *
 * Permissions: `--allow-net` for the target; grpc-js reads a few `GRPC_*`
 * environment variables (`--allow-env`).
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { Clock } from "../util/clock.ts";
import { guardHttp2SessionDestroy } from "../util/guard_http2_session_destroy.ts";
import {
  deserializeHealthCheckResponse,
  HEALTH_CHECK_PATH,
  type HealthCheckResponse,
  serializeHealthCheckRequest,
} from "./health_service.ts";
import { DEFAULT_PROBE_USER_AGENT } from "./http_probe.ts";
import { failure, type ProbeOutcome, success } from "./probe_result.ts";

/** Options for {@linkcode grpcProbe}. */
export interface GrpcProbeOptions {
  /** The service name asked about; empty means the server as a whole. @default "" */
  service?: string;
  /** The call must answer within this time. @default 1000 */
  timeoutMs?: number;
  /** Clock the timeout runs on. */
  clock: Clock;
  /** The client's user agent. @default DEFAULT_PROBE_USER_AGENT */
  userAgent?: string;
}

/**
 * Runs one gRPC health probe against `host:port`. Every unhealthy outcome is
 * a failure with the kubelet's wording ("service unhealthy (responded with
 * \"NOT_SERVING\")", "this server does not implement the grpc health
 * protocol", timeouts and connection errors).
 *
 * Permissions: `--allow-net` for `host:port`, `--allow-env` for grpc-js.
 */
export function grpcProbe(
  host: string,
  port: number,
  options: GrpcProbeOptions,
): Promise<ProbeOutcome> {
  const { clock } = options;
  const timeoutMs = options.timeoutMs ?? 1000;
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  guardHttp2SessionDestroy(); // a pod's server stopping must not crash the agent
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.enable_http_proxy": 0,
    "grpc.primary_user_agent": options.userAgent ?? DEFAULT_PROBE_USER_AGENT,
    "grpc.enable_retries": 0,
  });
  return new Promise<ProbeOutcome>((resolve) => {
    let timedOut = false;
    let settled = false;
    const settle = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      client.close();
      resolve(outcome);
    };
    const call = client.makeUnaryRequest<{ service: string }, HealthCheckResponse>(
      HEALTH_CHECK_PATH,
      serializeHealthCheckRequest,
      deserializeHealthCheckResponse,
      { service: options.service ?? "" },
      new grpc.Metadata(),
      {},
      (error, response) => {
        if (timedOut) {
          settle(failure(`timeout: health rpc did not complete within ${timeoutMs / 1000}s`));
        } else if (error) {
          settle(failure(describeError(error, address)));
        } else if (response?.status === "SERVING") {
          settle(success("service healthy"));
        } else {
          settle(failure(`service unhealthy (responded with "${response?.status ?? "UNKNOWN"}")`));
        }
      },
    );
    const cancelTimer = clock.after(timeoutMs, () => {
      timedOut = true;
      call.cancel();
      settle(failure(`timeout: health rpc did not complete within ${timeoutMs / 1000}s`));
    });
  });
}

function describeError(error: grpc.ServiceError, address: string): string {
  switch (error.code) {
    case grpc.status.UNIMPLEMENTED:
      return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${error.details}`;
    case grpc.status.UNAVAILABLE:
      return `error: failed to connect service at "${address}": ${error.details}`;
    case grpc.status.DEADLINE_EXCEEDED:
      return "timeout: health rpc did not complete within the deadline";
    default:
      return `error: health rpc probe failed: rpc error: code = ${
        grpc.status[error.code]
      } desc = ${error.details}`;
  }
}
