/**
 * The secure server's filter in front of every request, upgrades included
 * (the kubelet's authentication and authorization filters): authenticate,
 * authorize, and say either the refusal to answer (401, 403, 500 with the
 * kubelet's texts) or who goes on, for the --v=4 request line. Webhook
 * errors are logged at most once a minute each; tokens never.
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Clock } from "../util/clock.ts";
import { LogThrottle } from "../util/log_throttle.ts";
import type { Logger } from "../util/logger.ts";
import type { Authenticator } from "./authn.ts";
import type { Authorizer } from "./authz.ts";

/** What {@linkcode requestCheck}'s function answers. */
export type Checked =
  | { ok: false; status: number; body: string }
  | { ok: true; who: Record<string, unknown> };

/** The request's path without its query, with a leading slash. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  return path.startsWith("/") ? path : `/${path}`;
}

/** Options of {@linkcode requestCheck}. */
export interface RequestCheckOptions {
  authn: Authenticator;
  authz: Authorizer;
  logger: Logger;
  clock: Clock;
}

/** The check every request of the secure server passes first. */
export function requestCheck(
  options: RequestCheckOptions,
): (req: IncomingMessage) => Promise<Checked> {
  const { logger, clock } = options;
  const throttle = new LogThrottle({ burst: 1, windowMs: 60_000 });
  /** Authentication then authorization, as the kubelet's filter: the refusal, or who may go on. */
  return async (req: IncomingMessage): Promise<Checked> => {
    const method = req.method ?? "GET";
    const path = pathOf(req.url);
    const line = { method, path };
    const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
    const authn = await options.authn.authenticate({
      authorization: req.headers.authorization ?? null,
      peerCertificate: peer ? new Uint8Array(peer.raw) : undefined,
    });
    if (!authn.authenticated) {
      if (authn.webhookError && throttle.admit("tokenreview", clock.now()).show) {
        logger.error("Unable to authenticate the request due to an error", {
          ...line,
          err: authn.reason,
        });
      }
      logger.debug(4, "Kubelet API request", {
        ...line,
        verdict: "unauthorized",
        reason: authn.reason,
        status: 401,
      });
      return { ok: false, status: 401, body: "Unauthorized" };
    }
    const who = { ...line, user: authn.user.name, authn: authn.method };
    const authz = await options.authz.authorize(authn.user, method, path);
    if (authz.verdict === "error") {
      if (throttle.admit("subjectaccessreview", clock.now()).show) {
        logger.error("Authorization error", {
          ...who,
          verb: authz.attributes.verb,
          subresource: authz.attributes.subresource,
          err: authz.error,
        });
      }
      logger.debug(4, "Kubelet API request", { ...who, verdict: "error", status: 500 });
      return { ok: false, status: 500, body: authz.message };
    }
    if (authz.verdict === "forbidden") {
      const a = authz.attributes[0];
      logger.debug(2, "Forbidden", {
        user: a.user.name,
        verb: a.verb,
        resource: a.resource,
        subresources: authz.attributes.map((x) => x.subresource).join(","),
        reason: authz.reason,
      });
      logger.debug(4, "Kubelet API request", { ...who, verdict: "forbidden", status: 403 });
      return { ok: false, status: 403, body: authz.message };
    }
    return {
      ok: true,
      who: { ...who, verdict: "allowed", subresource: authz.attributes.subresource },
    };
  };
}
