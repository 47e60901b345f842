/**
 * Runs one probe of a container: picks the action the probe spec declares
 * (exec, httpGet, tcpSocket or grpc), resolves its target against the pod
 * and container (pod IP, named ports), and retries it when it errors.
 *
 * @module
 */

import type { Container, Pod, Probe } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../util/clock.ts";
import type { HttpClientPool } from "./_http_client_pool.ts";
import type { HttpTransport } from "./_http_transport.ts";
import { execProbe, type ExecSyncRunner } from "./exec_probe.ts";
import { grpcProbe } from "./grpc_probe.ts";
import { httpProbe } from "./http_probe.ts";
import { errored, type ProbeOutcome } from "./probe_result.ts";
import { type TcpConnect, tcpProbe } from "./tcp_probe.ts";

/** How many times a probe that errors is tried (kubelet's maxProbeRetries). */
export const MAX_PROBE_ATTEMPTS = 3;

/** The container a probe is about. */
export interface ProbeTarget {
  pod: Pod;
  container: Container;
  /** The runtime's id of the running container instance. */
  containerId: string;
  /** The pod's IP; host-network pods are probed on 127.0.0.1 instead. */
  podIP?: string;
}

/** Options for {@linkcode runProbe}. */
export interface RunProbeOptions {
  /** Clock the probe timeouts run on. */
  clock: Clock;
  /** Runs exec probes: the runtime's `execSync` (container.Runtime). Exec probes error without it. */
  runtimeService?: ExecSyncRunner;
  /** User agent of HTTP and gRPC probes. @default DEFAULT_PROBE_USER_AGENT */
  userAgent?: string;
  /** Attempts for a probe that errors. @default MAX_PROBE_ATTEMPTS */
  maxAttempts?: number;
  /** Reuses HTTP clients per target. @default a client per request */
  httpClients?: HttpClientPool;
  /** HTTP transports by scheme and the TCP connect function, for tests. */
  transports?: { http?: HttpTransport; https?: HttpTransport };
  /** @default Deno.connect */
  tcpConnect?: TcpConnect;
}

/**
 * Resolves a probe port: a number, or the name of one of the container's
 * ports (a numeric string is taken as a number). Throws a RangeError when
 * the name is unknown or the number is not in 1..65535.
 */
export function resolveProbePort(port: number | string | undefined, container: Container): number {
  let value: number;
  if (typeof port === "number") {
    value = port;
  } else if (typeof port === "string") {
    const named = container.ports?.find((p) => p.name === port);
    if (named) value = named.containerPort;
    else if (/^\d+$/.test(port)) value = Number(port);
    else {
      throw new RangeError(
        `Cannot find port '${port}' in container '${container.name}': no port has that name`,
      );
    }
  } else {
    throw new RangeError(`Cannot probe container '${container.name}': the probe names no port`);
  }
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new RangeError(
      `Cannot probe container '${container.name}': port ${value} is not in 1..65535`,
    );
  }
  return value;
}

/**
 * The host a probe connects to when its spec names none: 127.0.0.1 for
 * host-network pods, else the pod IP. Throws a RangeError when the pod has
 * no IP yet.
 */
export function defaultProbeHost(target: ProbeTarget): string {
  if (target.pod.spec?.hostNetwork) return "127.0.0.1";
  if (target.podIP) return target.podIP;
  throw new RangeError(
    `Cannot probe container '${target.container.name}' of pod '${
      target.pod.metadata?.name ?? ""
    }': the pod has no IP yet`,
  );
}

/**
 * Expands `$(NAME)` in an exec probe's command with the container's static
 * env values (`value`, not `valueFrom`), as the kubelet does; `$$` is a
 * literal `$` and unknown references stay as written.
 */
export function expandProbeCommand(cmd: string[], container: Container): string[] {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) env.set(e.name, e.value ?? "");
  }
  return cmd.map((arg) =>
    arg.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
      if (match === "$$") return "$";
      return name !== undefined && env.has(name) ? env.get(name)! : match;
    })
  );
}

async function runAction(
  probe: Probe,
  target: ProbeTarget,
  options: RunProbeOptions,
): Promise<ProbeOutcome> {
  const { clock } = options;
  const timeoutSeconds = probe.timeoutSeconds ?? 1;
  const timeoutMs = timeoutSeconds * 1000;
  try {
    if (probe.exec) {
      if (!options.runtimeService) {
        return errored(new TypeError("Cannot run exec probe: no runtime to exec in"));
      }
      const cmd = expandProbeCommand(probe.exec.command ?? [], target.container);
      return await execProbe(options.runtimeService, {
        containerId: target.containerId,
        cmd,
        timeoutSeconds,
      });
    }
    if (probe.httpGet) {
      const action = probe.httpGet;
      const scheme = (action.scheme ?? "HTTP").toLowerCase();
      if (scheme !== "http" && scheme !== "https") {
        return errored(new RangeError(`Cannot run HTTP probe: unknown scheme '${action.scheme}'`));
      }
      return await httpProbe({
        scheme,
        host: action.host || defaultProbeHost(target),
        port: resolveProbePort(action.port, target.container),
        path: action.path,
        headers: action.httpHeaders,
      }, {
        timeoutMs,
        clock,
        userAgent: options.userAgent,
        clientPool: options.httpClients,
        transports: options.transports,
      });
    }
    if (probe.tcpSocket) {
      const host = probe.tcpSocket.host || defaultProbeHost(target);
      const port = resolveProbePort(probe.tcpSocket.port, target.container);
      return await tcpProbe(host, port, { timeoutMs, clock, connect: options.tcpConnect });
    }
    if (probe.grpc) {
      const port = resolveProbePort(probe.grpc.port, target.container);
      return await grpcProbe(defaultProbeHost(target), port, {
        service: probe.grpc.service ?? "",
        timeoutMs,
        clock,
        userAgent: options.userAgent,
      });
    }
    return errored(
      new TypeError("Cannot run probe: it declares no exec, httpGet, tcpSocket or grpc action"),
    );
  } catch (e) {
    return errored(e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * Runs the probe's action against the target. An action that errors (could
 * not be run, as opposed to failing) is tried again, up to
 * `maxAttempts` times in all; the last outcome is returned.
 *
 * Permissions: those of the action (see httpProbe, tcpProbe, grpcProbe).
 */
export async function runProbe(
  probe: Probe,
  target: ProbeTarget,
  options: RunProbeOptions,
): Promise<ProbeOutcome> {
  const attempts = Math.max(1, options.maxAttempts ?? MAX_PROBE_ATTEMPTS);
  // At least one attempt always runs: no placeholder outcome (an Error per
  // probe, with its stack trace, was a tenth of a probe's JavaScript).
  let outcome = await runAction(probe, target, options);
  for (let i = 1; i < attempts && outcome.error; i++) {
    outcome = await runAction(probe, target, options);
  }
  return outcome;
}
