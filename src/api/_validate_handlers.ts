/**
 * Validation of probes and lifecycle handlers. Private to src/api.
 *
 * @module
 */

import { type FieldErrors, presentKeys, show } from "./_field_errors.ts";
import { DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from "./defaults.ts";
import { ianaSvcNameProblem } from "./names.ts";
import type { HTTPGetAction, LifecycleHandler, Probe } from "./types.ts";
import { URI_SCHEMES } from "./types.ts";

const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"] as const;
const LIFECYCLE_HANDLERS = ["exec", "httpGet", "tcpSocket", "sleep"] as const;
const HTTP_HEADER_NAME = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;

/**
 * The part probes and lifecycle handlers share: exactly one of `kinds` is set
 * (the last kind differs: grpc or sleep), and the exec, httpGet and tcpSocket
 * actions are checked.
 */
function validateActions<H extends Pick<Probe, "exec" | "httpGet" | "tcpSocket">>(
  errors: FieldErrors,
  path: string,
  handler: H,
  kinds: readonly (keyof H & string)[],
): void {
  const names = `${kinds.slice(0, -1).join(", ")} or ${kinds.at(-1)}`;
  errors.exactlyOne(path, presentKeys(handler, kinds), `handler of ${names}`);
  if (handler.exec) validateExec(errors, `${path}.exec`, handler.exec.command);
  if (handler.httpGet) validateHttpGet(errors, `${path}.httpGet`, handler.httpGet);
  if (handler.tcpSocket) {
    validatePortNumOrName(errors, `${path}.tcpSocket.port`, handler.tcpSocket.port);
  }
}

/** Checks a liveness, readiness or startup probe at `path`. */
export function validateProbe(
  errors: FieldErrors,
  path: string,
  probe: Probe,
  kind: "livenessProbe" | "readinessProbe" | "startupProbe",
): void {
  validateActions(errors, path, probe, PROBE_HANDLERS);
  if (probe.grpc) {
    if (probe.grpc.port === undefined || probe.grpc.port === null) {
      errors.add(`${path}.grpc.port`, "is required");
    } else {
      errors.integer(`${path}.grpc.port`, probe.grpc.port, { min: 1, max: 65535 });
    }
  }
  errors.integer(`${path}.initialDelaySeconds`, probe.initialDelaySeconds, { min: 0 });
  const defaults = {
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  };
  for (const [field, fallback] of Object.entries(defaults)) {
    const value = probe[field as keyof typeof defaults];
    if (value === 0) continue;
    errors.integer(`${path}.${field}`, value, {
      min: 1,
      hint: `or 0 (unset) for the default ${fallback}`,
    });
  }
  if (kind !== "readinessProbe" && probe.successThreshold && probe.successThreshold !== 1) {
    errors.add(
      `${path}.successThreshold`,
      `must be 1 for a ${kind} (got ${show(probe.successThreshold)})`,
    );
  }
  if (
    probe.terminationGracePeriodSeconds !== undefined &&
    probe.terminationGracePeriodSeconds !== null
  ) {
    if (kind === "readinessProbe") {
      errors.add(`${path}.terminationGracePeriodSeconds`, "must not be set for a readinessProbe");
    } else {
      errors.integer(
        `${path}.terminationGracePeriodSeconds`,
        probe.terminationGracePeriodSeconds,
        { min: 1 },
      );
    }
  }
}

/** Checks a postStart or preStop handler; `terminationGracePeriodSeconds` bounds a sleep. */
export function validateLifecycleHandler(
  errors: FieldErrors,
  path: string,
  handler: LifecycleHandler,
  terminationGracePeriodSeconds: number | undefined,
): void {
  validateActions(errors, path, handler, LIFECYCLE_HANDLERS);
  if (handler.sleep) {
    const seconds = handler.sleep.seconds;
    if (seconds === undefined || seconds === null) {
      errors.add(`${path}.sleep.seconds`, "is required");
    } else {
      const grace = terminationGracePeriodSeconds ??
        DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
      // A negative grace period is reported on its own field; then only check the floor.
      const max = Number.isInteger(grace) && grace >= 0 ? grace : undefined;
      errors.integer(`${path}.sleep.seconds`, seconds, {
        min: 0,
        max,
        hint: max === undefined ? undefined : "(the pod's terminationGracePeriodSeconds)",
      });
    }
  }
}

function validateExec(errors: FieldErrors, path: string, command: string[] | undefined): void {
  if (!Array.isArray(command) || command.length === 0) {
    errors.add(`${path}.command`, "is required and must have at least one element");
  }
}

function validateHttpGet(errors: FieldErrors, path: string, action: HTTPGetAction): void {
  validatePortNumOrName(errors, `${path}.port`, action.port);
  errors.oneOf(`${path}.scheme`, action.scheme, URI_SCHEMES);
  (action.httpHeaders ?? []).forEach((header, i) => {
    const name = errors.requiredString(`${path}.httpHeaders[${i}].name`, header.name);
    if (name !== undefined && !HTTP_HEADER_NAME.test(name)) {
      errors.add(
        `${path}.httpHeaders[${i}].name`,
        `must be a valid HTTP header name (got ${show(name)})`,
      );
    }
  });
}

function validatePortNumOrName(errors: FieldErrors, path: string, port: unknown): void {
  if (port === undefined || port === null || port === "") {
    errors.add(path, "is required");
  } else if (typeof port === "number") {
    errors.integer(path, port, { min: 1, max: 65535 });
  } else if (typeof port === "string") {
    const problem = ianaSvcNameProblem(port);
    if (problem !== undefined) {
      errors.add(path, `must be a port number or a port name: name ${problem} (got ${show(port)})`);
    }
  } else {
    errors.add(path, `must be a port number or a port name (got ${show(port)})`);
  }
}
