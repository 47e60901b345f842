/**
 * The one log line for requests the API server refuses (401 Unauthorized,
 * 403 Forbidden): it names the request, the status, the server's message and
 * who the agent is (the kubeconfig's user, and the client certificate's
 * subject when there is one), and repeats at most once a minute per request
 * path and status, so a missing RBAC rule cannot flood the log (the repeats
 * go to `--v=4`; the next shown line says how many were `heldBack`). The
 * modules that made the request log it only at `--v=4`
 * (src/util/throttled_log.ts), so a refusal is one line.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { ThrottledLog } from "./throttled_log.ts";
import type { ApiStatusError } from "./api_error.ts";
import type { Kubeconfig } from "./kubeconfig.ts";

/** How often one kind of refusal is logged again. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * Who the agent is to the API server, as far as the kubeconfig says:
 * `user "node1" (certificate CN=system:node:node1, O=system:nodes)`, or
 * `user "node1" (bearer token)`.
 */
export function kubeconfigIdentity(
  kc: Pick<Kubeconfig, "user" | "clientCertificate" | "token" | "tokenFile">,
): string {
  const user = `user "${kc.user}"`;
  if (kc.clientCertificate) {
    try {
      const subject = new X509Certificate(kc.clientCertificate).subject.split("\n").join(", ");
      return `${user} (certificate ${subject})`;
    } catch {
      return `${user} (client certificate)`;
    }
  }
  if (kc.token !== undefined || kc.tokenFile !== undefined) return `${user} (bearer token)`;
  return `${user} (anonymous)`;
}

/** The request without its query and object name segments' values kept: `GET /api/v1/pods`. */
function requestKey(request: string, code: number): string {
  const q = request.indexOf("?");
  return `${code} ${q < 0 ? request : request.slice(0, q)}`;
}

/** Logs refusals, each kind at most once a minute. */
export class RefusalLog {
  #clock: Clock;
  #log: ThrottledLog;
  #identity: string;

  constructor(options: { clock: Clock; logger: Logger; identity: string }) {
    this.#clock = options.clock;
    this.#log = new ThrottledLog(options.logger, {
      windowMs: REFUSAL_LOG_INTERVAL_MS,
      maxKinds: 1024,
    });
    this.#identity = options.identity;
  }

  /** The ApiClient `onRefused` hook. */
  readonly onRefused = (request: string, error: ApiStatusError): void => {
    this.#log.error(
      requestKey(request, error.code),
      this.#clock.now(),
      error.code === 401
        ? "The API server did not accept the agent's credentials"
        : "The API server refused a request",
      { request, code: error.code, identity: this.#identity, message: error.status.message ?? "" },
    );
  };
}
